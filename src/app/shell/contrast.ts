/** WCAG 2 contrast between colours given as #rrggbb, and colours mixed over white as a translucent fill would be. */

function channels(hex: string): [number, number, number] {
  const value = Number.parseInt(hex.slice(1), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}

function luminance(hex: string): number {
  const [r, g, b] = channels(hex).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

export function contrastRatio(a: string, b: string): number {
  const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (high! + 0.05) / (low! + 0.05);
}

/** `hex` at `alpha` over white, as one opaque colour. */
export function overWhite(hex: string, alpha: number): string {
  const mixed = channels(hex).map((c) => Math.round(255 + (c - 255) * alpha));
  return `#${mixed.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}
