/** The token-length histogram the data screen draws, with the max length marked. */
import type { LengthBin } from './protocol.ts';

/** Enough rows for a histogram whose shape no longer changes; tokenizing more only costs time. */
export const STATS_SAMPLE = 5000;

/** Up to `limit` row indices spread evenly over `total` rows, so a sorted file is sampled fairly. */
export function sampleIndices(total: number, limit = STATS_SAMPLE): number[] {
  if (total <= limit) return Array.from({ length: total }, (_, i) => i);
  return Array.from({ length: limit }, (_, i) => Math.floor((i * total) / limit));
}

const MAX_BINS = 32;

/**
 * Bins of a power-of-two width from 0 to past both the longest row and maxLength, so the
 * max-length line always falls inside the chart; and the share of rows longer than maxLength.
 */
export function lengthHistogram(lengths: ArrayLike<number>, maxLength: number): { bins: LengthBin[]; truncatedShare: number } {
  let longest = 0;
  let truncated = 0;
  for (let i = 0; i < lengths.length; i++) {
    longest = Math.max(longest, lengths[i]!);
    if (lengths[i]! > maxLength) truncated++;
  }
  const top = Math.max(longest, maxLength) + 1;
  let width = 1;
  while (Math.ceil(top / width) > MAX_BINS) width *= 2;
  const bins: LengthBin[] = Array.from({ length: Math.ceil(top / width) }, (_, b) => ({ from: b * width, to: (b + 1) * width - 1, count: 0 }));
  const counts = new Array<number>(bins.length).fill(0);
  for (let i = 0; i < lengths.length; i++) counts[Math.floor(lengths[i]! / width)]! += 1;
  return {
    bins: bins.map((bin, b) => ({ ...bin, count: counts[b]! })),
    truncatedShare: lengths.length === 0 ? 0 : truncated / lengths.length,
  };
}
