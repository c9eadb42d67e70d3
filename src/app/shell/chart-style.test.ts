import { describe, expect, it } from 'vitest';
import { chartColors, chartText } from './chart-style.ts';
import { contrastRatio, overWhite } from './contrast.ts';

describe('chart colours', () => {
  it('keep 3:1 against the white chart background, and the text 4.5:1', () => {
    for (const [name, color] of Object.entries(chartColors)) expect(contrastRatio(color, '#ffffff'), name).toBeGreaterThanOrEqual(3);
    expect(contrastRatio(chartText.fill, '#ffffff')).toBeGreaterThanOrEqual(4.5);
  });

  it('measures contrast as WCAG does', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21);
    expect(contrastRatio('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
    expect(overWhite('#000000', 0.5)).toBe('#808080');
  });
});
