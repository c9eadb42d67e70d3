import { describe, expect, it } from 'vitest';
import { datasetFingerprint } from './fingerprint.ts';

describe('datasetFingerprint', () => {
  const rows = [
    { text: 'great film', label: 'pos' },
    { text: 'dull', label: 'neg' },
  ];
  it('is the same for the same rows and differs when a row, a label, the order or the split changes', () => {
    const base = datasetFingerprint(rows, [rows[0]!]);
    expect(base).toMatch(/^[0-9a-f]{16}$/);
    expect(datasetFingerprint([...rows], [{ ...rows[0]! }])).toBe(base);
    const variants = [
      datasetFingerprint([rows[1]!, rows[0]!], [rows[0]!]),
      datasetFingerprint([rows[0]!, { text: 'dull', label: 'pos' }], [rows[0]!]),
      datasetFingerprint(rows, []),
      datasetFingerprint([rows[0]!], [rows[0]!, rows[1]!]),
      datasetFingerprint([{ text: 'great film', textPair: 'x', label: 'pos' }, rows[1]!], [rows[0]!]),
    ];
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
  });
});
