import { describe, expect, it } from 'vitest';
import { lengthHistogram, sampleIndices } from './token-stats.ts';

describe('lengthHistogram', () => {
  it('counts every row once and reaches past both the longest row and max length', () => {
    const lengths = [3, 5, 5, 9, 40, 200];
    const { bins, truncatedShare } = lengthHistogram(lengths, 128);
    expect(bins.reduce((n, b) => n + b.count, 0)).toBe(lengths.length);
    expect(bins.length).toBeLessThanOrEqual(32);
    expect(bins.at(-1)!.to).toBeGreaterThanOrEqual(200);
    expect(bins.some((b) => b.from <= 128 && 128 <= b.to)).toBe(true);
    expect(truncatedShare).toBeCloseTo(1 / 6);
  });

  it('uses width-1 bins for short rows and reports nothing truncated', () => {
    const { bins, truncatedShare } = lengthHistogram([2, 3, 3], 8);
    expect(bins[3]).toEqual({ from: 3, to: 3, count: 2 });
    expect(truncatedShare).toBe(0);
  });
});

describe('sampleIndices', () => {
  it('takes every row of a small dataset and spreads a sample over a large one', () => {
    expect(sampleIndices(3)).toEqual([0, 1, 2]);
    const sample = sampleIndices(1_000_000, 4);
    expect(sample).toEqual([0, 250_000, 500_000, 750_000]);
  });
});
