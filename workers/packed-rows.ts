/**
 * Tokenized rows as flat Int32Arrays (see PackedRows in protocol.ts), and the file the saved
 * run keeps them in, so a reloaded tab resumes on exactly the rows it trained on without
 * the dataset or the tokenizer.
 */
import type { TokenizedExample } from '../src/engine/batching.ts';
import type { PackedRows } from './protocol.ts';

export function packRows(rows: readonly TokenizedExample[]): PackedRows {
  const offsets = new Int32Array(rows.length + 1);
  const labelOffsets = new Int32Array(rows.length + 1);
  rows.forEach((row, r) => {
    offsets[r + 1] = offsets[r]! + row.inputIds.length;
    labelOffsets[r + 1] = labelOffsets[r]! + row.target.length;
  });
  const ids = new Int32Array(offsets[rows.length]!);
  // Segment ids exist for every row or for none: the tokenizer decides, not the row.
  const typeIds = rows.length > 0 && rows[0]!.tokenTypeIds !== null ? new Int32Array(ids.length) : null;
  // A task's targets are all int32 or all float32 (tasks/task.ts).
  const labels = rows.length > 0 && rows[0]!.target instanceof Float32Array ? new Float32Array(labelOffsets[rows.length]!) : new Int32Array(labelOffsets[rows.length]!);
  rows.forEach((row, r) => {
    ids.set(row.inputIds, offsets[r]!);
    if (typeIds && row.tokenTypeIds) typeIds.set(row.tokenTypeIds, offsets[r]!);
    labels.set(row.target, labelOffsets[r]!);
  });
  return { ids, offsets, typeIds, labels, labelOffsets };
}

/** Views into the packed arrays: no row is copied. */
export function unpackRows(packed: PackedRows): TokenizedExample[] {
  const { ids, offsets, typeIds, labels, labelOffsets } = packed;
  return Array.from({ length: offsets.length - 1 }, (_, r) => {
    const start = offsets[r]!;
    const end = offsets[r + 1]!;
    return {
      inputIds: ids.subarray(start, end),
      tokenTypeIds: typeIds ? typeIds.subarray(start, end) : null,
      target: labels.subarray(labelOffsets[r]!, labelOffsets[r + 1]!),
    };
  });
}

const MAGIC = 'finetune-studio-rows/1';

interface RowsHeader {
  readonly magic: string;
  /** 4-byte counts of each array, in the order written; float32 arrays say so (the rest are int32). */
  readonly arrays: { readonly name: string; readonly length: number; readonly float32?: true }[];
}

/** [u32 header length][header JSON, padded to 4 bytes][int32 arrays]. */
export function encodeRunRows(splits: { train: PackedRows; validation: PackedRows }): Uint8Array {
  const arrays: [string, Int32Array | Float32Array][] = [];
  for (const [split, rows] of Object.entries(splits)) {
    arrays.push([`${split}.ids`, rows.ids], [`${split}.offsets`, rows.offsets], [`${split}.labels`, rows.labels], [`${split}.labelOffsets`, rows.labelOffsets]);
    if (rows.typeIds) arrays.push([`${split}.typeIds`, rows.typeIds]);
  }
  const header: RowsHeader = { magic: MAGIC, arrays: arrays.map(([name, a]) => ({ name, length: a.length, ...(a instanceof Float32Array ? { float32: true as const } : {}) })) };
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
  const arrays = new Map<string, Int32Array | Float32Array>();
  let at = 4 + headerLength;
  for (const { name, length, float32 } of header.arrays) {
    // Copied out so each array owns an aligned buffer it can be transferred with.
    const buffer = bytes.slice(at, at + length * 4).buffer;
    arrays.set(name, float32 ? new Float32Array(buffer) : new Int32Array(buffer));
    at += length * 4;
  }
  const int32 = (name: string): Int32Array | undefined => {
    const a = arrays.get(name);
    if (a instanceof Float32Array) throw new Error(`the saved rows' ${name} are float32, expected int32`);
    return a;
  };
  const split = (name: string): PackedRows => {
    const get = (part: string) => {
      const a = int32(`${name}.${part}`);
      if (!a) throw new Error(`the saved rows have no ${name}.${part}`);
      return a;
    };
    const labels = arrays.get(`${name}.labels`);
    if (!labels) throw new Error(`the saved rows have no ${name}.labels`);
    const offsets = get('offsets');
    // Rows saved before targets could be longer than one value have one label each.
    const labelOffsets = int32(`${name}.labelOffsets`) ?? Int32Array.from({ length: offsets.length }, (_, i) => i);
    return { ids: get('ids'), offsets, labels, labelOffsets, typeIds: int32(`${name}.typeIds`) ?? null };
  };
  return { train: split('train'), validation: split('validation') };
}
