import { describe, expect, it } from 'vitest';
import { decodeRunRows, encodeRunRows, packRows, unpackRows } from './packed-rows.ts';

const source = [
  { inputIds: Int32Array.of(101, 7, 8, 102), tokenTypeIds: Int32Array.of(0, 0, 0, 0), label: 1 },
  { inputIds: Int32Array.of(101, 102), tokenTypeIds: Int32Array.of(0, 0), label: 0 },
  { inputIds: Int32Array.of(101, 5, 102, 6, 102), tokenTypeIds: Int32Array.of(0, 0, 0, 1, 1), label: 2 },
];

describe('packed rows', () => {
  it('round-trips rows through the flat layout', () => {
    const packed = packRows(source);
    expect(Array.from(packed.offsets)).toEqual([0, 4, 6, 11]);
    const back = unpackRows(packed);
    expect(back.map((r) => Array.from(r.inputIds))).toEqual(source.map((r) => Array.from(r.inputIds)));
    expect(back.map((r) => Array.from(r.tokenTypeIds!))).toEqual(source.map((r) => Array.from(r.tokenTypeIds)));
    expect(back.map((r) => r.label)).toEqual([1, 0, 2]);
  });

  it('has no segment ids when the tokenizer gives none, and packs an empty split', () => {
    const packed = packRows(source.map((r) => ({ ...r, tokenTypeIds: null })));
    expect(packed.typeIds).toBeNull();
    expect(unpackRows(packed)[0]!.tokenTypeIds).toBeNull();
    expect(unpackRows(packRows([]))).toEqual([]);
  });

  it('saves and reads back both splits as one file', () => {
    const train = packRows(source);
    const validation = packRows(source.slice(1).map((r) => ({ ...r, tokenTypeIds: null })));
    const back = decodeRunRows(encodeRunRows({ train, validation }));
    expect(back.train).toEqual(train);
    expect(back.validation).toEqual(validation);
  });

  it('refuses a file of another format', () => {
    const bytes = encodeRunRows({ train: packRows(source), validation: packRows([]) });
    bytes[6] = 'X'.charCodeAt(0);
    expect(() => decodeRunRows(bytes)).toThrow(/format/);
  });
});
