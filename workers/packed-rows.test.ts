import { describe, expect, it } from 'vitest';
import { decodeRunRows, encodeRunRows, packRows, unpackRows } from './packed-rows.ts';

const source = [
  { inputIds: Int32Array.of(101, 7, 8, 102), tokenTypeIds: Int32Array.of(0, 0, 0, 0), target: Int32Array.of(1) },
  { inputIds: Int32Array.of(101, 102), tokenTypeIds: Int32Array.of(0, 0), target: Int32Array.of(0) },
  { inputIds: Int32Array.of(101, 5, 102, 6, 102), tokenTypeIds: Int32Array.of(0, 0, 0, 1, 1), target: Int32Array.of(2) },
];

describe('packed rows', () => {
  it('round-trips rows through the flat layout', () => {
    const packed = packRows(source);
    expect(Array.from(packed.offsets)).toEqual([0, 4, 6, 11]);
    const back = unpackRows(packed);
    expect(back.map((r) => Array.from(r.inputIds))).toEqual(source.map((r) => Array.from(r.inputIds)));
    expect(back.map((r) => Array.from(r.tokenTypeIds!))).toEqual(source.map((r) => Array.from(r.tokenTypeIds)));
    expect(back.map((r) => Array.from(r.target))).toEqual([[1], [0], [2]]);
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

  it('keeps float targets of several values per row, and reads rows saved with one label id each', () => {
    const scores = source.map((r, i) => ({ ...r, target: Float32Array.of(i / 4, 1 - i / 4) }));
    const back = decodeRunRows(encodeRunRows({ train: packRows(scores), validation: packRows([]) }));
    expect(unpackRows(back.train).map((r) => Array.from(r.target))).toEqual([[0, 1], [0.25, 0.75], [0.5, 0.5]]);
    expect(back.train.labels).toBeInstanceOf(Float32Array);

    // The layout before targets: no labelOffsets array, one int32 label per row.
    const json = JSON.stringify({ magic: 'finetune-studio-rows/1', arrays: [{ name: 'train.ids', length: 2 }, { name: 'train.offsets', length: 3 }, { name: 'train.labels', length: 2 }, { name: 'validation.ids', length: 0 }, { name: 'validation.offsets', length: 1 }, { name: 'validation.labels', length: 0 }] });
    const header = new TextEncoder().encode(json.padEnd(Math.ceil(json.length / 4) * 4, ' '));
    const body = Int32Array.of(101, 102, 0, 1, 2, 1, 0, 0);
    const old = new Uint8Array(4 + header.length + body.byteLength);
    new DataView(old.buffer).setUint32(0, header.length, true);
    old.set(header, 4);
    old.set(new Uint8Array(body.buffer), 4 + header.length);
    expect(unpackRows(decodeRunRows(old).train).map((r) => [Array.from(r.inputIds), Array.from(r.target)])).toEqual([[[101], [1]], [[102], [0]]]);
  });

  it('refuses a file of another format', () => {
    const bytes = encodeRunRows({ train: packRows(source), validation: packRows([]) });
    bytes[6] = 'X'.charCodeAt(0);
    expect(() => decodeRunRows(bytes)).toThrow(/format/);
  });
});
