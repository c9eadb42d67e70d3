/**
 * A short fingerprint of the rows a run trains on, kept in its checkpoint, so a run is only
 * continued on the very rows it started with: another file, split, seed, max length or tokenizer
 * gives other token ids and another fingerprint. Two 32-bit FNV-1a hashes with different offsets;
 * this guards against mistakes, not against anyone forging a match.
 */
import type { TokenizedExample } from './batching.ts';

const FNV_PRIME = 0x01000193;

export function dataFingerprint(rows: readonly TokenizedExample[]): string {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  const mix = (value: number) => {
    for (let shift = 0; shift < 32; shift += 8) {
      const byte = (value >>> shift) & 0xff;
      a = Math.imul(a ^ byte, FNV_PRIME);
      b = Math.imul(b ^ byte, FNV_PRIME);
    }
  };
  mix(rows.length);
  for (const row of rows) {
    // A float target mixes its bit patterns; a single-label class id mixes as it always did.
    for (const value of new Int32Array(row.target.buffer, row.target.byteOffset, row.target.length)) mix(value);
    mix(row.inputIds.length);
    for (const id of row.inputIds) mix(id);
    if (row.tokenTypeIds) for (const id of row.tokenTypeIds) mix(id);
  }
  const hex = (h: number) => (h >>> 0).toString(16).padStart(8, '0');
  return `${rows.length}:${hex(a)}${hex(b)}`;
}
