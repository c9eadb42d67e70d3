/**
 * Tokenized rows as flat Int32Arrays (see PackedRows in protocol.ts), and the file the saved
 * run keeps them in, so a reloaded tab resumes on exactly the rows it trained on without
 * the dataset or the tokenizer.
 */
import type { TokenizedExample } from '../src/engine/batching.ts';
import type { PackedRows } from './protocol.ts';

export interface RowLike {
  readonly inputIds: Int32Array;
  readonly tokenTypeIds: Int32Array | null;
  readonly label: number;
}

export function packRows(rows: readonly RowLike[]): PackedRows {
  const offsets = new Int32Array(rows.length + 1);
  rows.forEach((row, r) => (offsets[r + 1] = offsets[r]! + row.inputIds.length));
  const ids = new Int32Array(offsets[rows.length]!);
  // Segment ids exist for every row or for none: the tokenizer decides, not the row.
  const typeIds = rows.length > 0 && rows[0]!.tokenTypeIds !== null ? new Int32Array(ids.length) : null;
  const labels = new Int32Array(rows.length);
  rows.forEach((row, r) => {
    ids.set(row.inputIds, offsets[r]!);
    if (typeIds && row.tokenTypeIds) typeIds.set(row.tokenTypeIds, offsets[r]!);
    labels[r] = row.label;
  });
  return { ids, offsets, typeIds, labels };
}

/** Views into the packed arrays: no row is copied. */
export function unpackRows(packed: PackedRows): TokenizedExample[] {
  const { ids, offsets, typeIds, labels } = packed;
  return Array.from(labels, (label, r) => {
    const start = offsets[r]!;
    const end = offsets[r + 1]!;
    return { inputIds: ids.subarray(start, end), tokenTypeIds: typeIds ? typeIds.subarray(start, end) : null, label };
  });
}

const MAGIC = 'finetune-studio-rows/1';

interface RowsHeader {
  readonly magic: string;
  /** Int32 counts of each array, in the order written. */
  readonly arrays: { readonly name: string; readonly length: number }[];
}

/** [u32 header length][header JSON, padded to 4 bytes][int32 arrays]. */
export function encodeRunRows(splits: { train: PackedRows; validation: PackedRows }): Uint8Array {
  const arrays: [string, Int32Array][] = [];
  for (const [split, rows] of Object.entries(splits)) {
    arrays.push([`${split}.ids`, rows.ids], [`${split}.offsets`, rows.offsets], [`${split}.labels`, rows.labels]);
    if (rows.typeIds) arrays.push([`${split}.typeIds`, rows.typeIds]);
  }
  const header: RowsHeader = { magic: MAGIC, arrays: arrays.map(([name, a]) => ({ name, length: a.length })) };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 4) * 4;
  const body = arrays.reduce((n, [, a]) => n + a.byteLength, 0);
  const out = new Uint8Array(4 + headerLength + body);
  new DataView(out.buffer).setUint32(0, headerLength, true);
  out.fill(0x20, 4, 4 + headerLength);
  out.set(json, 4);
  let at = 4 + headerLength;
  for (const [, a] of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += a.byteLength;
  }
  return out;
}

export function decodeRunRows(bytes: Uint8Array): { train: PackedRows; validation: PackedRows } {
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headerLength))) as RowsHeader;
  if (header.magic !== MAGIC) throw new Error(`the saved rows are in format ${header.magic}, not ${MAGIC}`);
  const arrays = new Map<string, Int32Array>();
  let at = 4 + headerLength;
  for (const { name, length } of header.arrays) {
    // Copied out so each array owns an aligned buffer it can be transferred with.
    arrays.set(name, new Int32Array(bytes.slice(at, at + length * 4).buffer));
    at += length * 4;
  }
  const split = (name: string): PackedRows => {
    const get = (part: string) => {
      const a = arrays.get(`${name}.${part}`);
      if (!a) throw new Error(`the saved rows have no ${name}.${part}`);
      return a;
    };
    return { ids: get('ids'), offsets: get('offsets'), labels: get('labels'), typeIds: arrays.get(`${name}.typeIds`) ?? null };
  };
  return { train: split('train'), validation: split('validation') };
}
