/** Chart colours and type sizes shared by every chart, matched to styles.css and large enough for a projector. */
export const chartColors = {
  primary: '#1f5fd6',
  secondary: '#f29e0c',
  tertiary: '#1a9b5b',
  danger: '#c62828',
  faint: '#9bb7ea',
} as const;

export const chartText = { fontSize: 15, fill: '#2b3446' } as const;
