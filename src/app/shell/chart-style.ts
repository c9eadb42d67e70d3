/**
 * Chart colours and type sizes shared by every chart, matched to styles.css and large enough
 * for a projector. Every colour keeps 3:1 against the white chart background (WCAG AA for
 * graphics; chart-style.test.ts checks it), and legends and labels are written in the text colour.
 */
export const chartColors = {
  primary: '#1f5fd6',
  secondary: '#c07000',
  tertiary: '#1a8a52',
  danger: '#c62828',
  /** The raw per-step loss under the smoothed curve: lighter than primary, still 3:1. */
  faint: '#5d87d8',
  chance: '#55607a',
  chanceMajority: '#8e4fb5',
} as const;

export const chartText = { fontSize: 15, fill: '#2b3446' } as const;
