import { describe, expect, it } from 'vitest';
import { formatBytes, formatCount, formatDuration, formatNumber, formatParameters, formatPercent } from './format.ts';

describe('format', () => {
  it('writes sizes and counts for reading at a glance', () => {
    expect(formatParameters(4_386_178)).toBe('4.4 M');
    expect(formatParameters(109_483_778)).toBe('109 M');
    expect(formatParameters(12_345)).toBe('12.3 k');
    expect(formatParameters(950)).toBe('950');
    expect(formatBytes(999)).toBe('999 bytes');
    expect(formatBytes(1_500_000)).toBe('1.5 MB');
    expect(formatBytes(440_000_000)).toBe('440 MB');
    expect(formatCount(1234567)).toBe('1,234,567');
  });

  it('writes durations in the largest sensible units', () => {
    expect(formatDuration(4_400)).toBe('4 s');
    expect(formatDuration(75_000)).toBe('1 min 15 s');
    expect(formatDuration(60_000)).toBe('1 min');
    expect(formatDuration(4_000_000)).toBe('1 h 6 min');
    expect(formatDuration(Number.NaN)).toBe('–');
  });

  it('shows a dash for numbers that do not exist yet', () => {
    expect(formatPercent(0.8771)).toBe('87.7%');
    expect(formatPercent(null)).toBe('–');
    expect(formatNumber(Number.NaN)).toBe('–');
    expect(formatNumber(0.12345, 2)).toBe('0.12');
  });
});
