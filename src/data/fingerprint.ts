/**
 * A short fingerprint of the rows a run trains and validates on: equal for the same rows in the
 * same order, different (with overwhelming odds) otherwise, so runs on the same data can be told
 * apart from runs on other data. Two 32-bit FNV-1a hashes with different seeds, as 16 hex digits.
 */
import type { LabelledExample } from './examples.ts';

export function datasetFingerprint(train: readonly LabelledExample[], validation: readonly LabelledExample[]): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  const add = (text: string) => {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
    }
  };
  for (const [part, rows] of [['train', train], ['validation', validation]] as const) {
    add(`\u0002${part}`);
    for (const row of rows) add(`\u0001${row.text}\u0000${row.textPair ?? ''}\u0000${row.label}`);
  }
  const hex = (n: number) => (n >>> 0).toString(16).padStart(8, '0');
  return `${hex(a)}${hex(b)}`;
}
