/**
 * The safetensors format (https://github.com/huggingface/safetensors): an
 * 8-byte little-endian header length, a JSON header naming each tensor's dtype,
 * shape and byte range, then the raw little-endian tensor bytes. The engine
 * computes in float32, so every supported dtype is read as float32.
 */

export interface NamedTensor {
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsFile {
  tensors: Map<string, NamedTensor>;
  metadata: Record<string, string>;
}

const HEADER_LENGTH_BYTES = 8;
const METADATA_KEY = '__metadata__';

// Float32 tensors are viewed and copied as host-order typed arrays, as
// onnxruntime-web does with its tensors. Every platform that runs it is
// little-endian; on any other these bytes would be garbage, so refuse there.
function assertLittleEndianHost(): void {
  if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) {
    throw new Error('safetensors: this reader and writer need a little-endian host');
  }
}

/** Decodes one tensor's bytes (exactly its data_offsets range) into float32. */
type Decoder = (bytes: Uint8Array, elementCount: number) => Float32Array;

interface DtypeInfo {
  bytesPerElement: number;
  decode: Decoder;
}

function littleEndianView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

let cachedFloat16Values: Float32Array | undefined;

/** All 65536 float16 values, built once: a lookup is far cheaper than decoding each element's bits. */
export function float16Values(): Float32Array {
  if (cachedFloat16Values !== undefined) return cachedFloat16Values;
  const table = new Float32Array(0x1_0000);
  for (let bits = 0; bits < table.length; bits++) {
    const sign = bits & 0x8000 ? -1 : 1;
    const exponent = (bits >>> 10) & 0x1f;
    const mantissa = bits & 0x3ff;
    if (exponent === 0) table[bits] = sign * mantissa * 2 ** -24;
    else if (exponent === 0x1f) table[bits] = mantissa === 0 ? sign * Infinity : NaN;
    else table[bits] = sign * (0x400 + mantissa) * 2 ** (exponent - 25);
  }
  cachedFloat16Values = table;
  return table;
}

const DTYPES: Record<string, DtypeInfo> = {
  F32: {
    bytesPerElement: 4,
    // A view where alignment allows, so a 400 MB checkpoint is not held twice; a copy otherwise.
    decode: (bytes, count) =>
      bytes.byteOffset % Float32Array.BYTES_PER_ELEMENT === 0
        ? new Float32Array(bytes.buffer, bytes.byteOffset, count)
        : new Float32Array(bytes.slice().buffer),
  },
  F16: {
    bytesPerElement: 2,
    decode: (bytes, count) => {
      const view = littleEndianView(bytes);
      const table = float16Values();
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = table[view.getUint16(i * 2, true)]!;
      return out;
    },
  },
  BF16: {
    bytesPerElement: 2,
    decode: (bytes, count) => {
      // bfloat16 is the top half of a float32, so widening is a shift and is exact for every value.
      const view = littleEndianView(bytes);
      const out = new Float32Array(count);
      const outBits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) outBits[i] = view.getUint16(i * 2, true) << 16;
      return out;
    },
  },
  F64: {
    bytesPerElement: 8,
    decode: (bytes, count) => {
      const view = littleEndianView(bytes);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
      return out;
    },
  },
  I64: {
    bytesPerElement: 8,
    decode: (bytes, count) => {
      const view = littleEndianView(bytes);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = Number(view.getBigInt64(i * 8, true));
      return out;
    },
  },
  I32: {
    bytesPerElement: 4,
    decode: (bytes, count) => {
      const view = littleEndianView(bytes);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, true);
      return out;
    },
  },
};

const SUPPORTED_DTYPES = Object.keys(DTYPES).join(', ');

interface HeaderEntry {
  name: string;
  dtype: DtypeInfo;
  shape: number[];
  begin: number;
  end: number;
}

function fail(reason: string): never {
  throw new Error(`Invalid safetensors file: ${reason}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isDimension(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function elementCount(shape: number[]): number {
  return shape.reduce((product, dimension) => product * dimension, 1);
}

function parseHeaderEntry(name: string, info: unknown): HeaderEntry {
  if (!isRecord(info)) fail(`header entry for tensor "${name}" is not an object`);
  const { dtype, shape, data_offsets: offsets } = info;
  if (typeof dtype !== 'string') fail(`tensor "${name}" has no dtype string`);
  const dtypeInfo = Object.hasOwn(DTYPES, dtype) ? DTYPES[dtype] : undefined;
  if (dtypeInfo === undefined) {
    fail(`tensor "${name}" has dtype "${dtype}", which is not supported (supported: ${SUPPORTED_DTYPES})`);
  }
  if (!Array.isArray(shape) || !shape.every(isDimension)) {
    fail(`tensor "${name}" has shape ${JSON.stringify(shape)}, not a list of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isDimension) || offsets[0] > offsets[1]) {
    fail(`tensor "${name}" has data_offsets ${JSON.stringify(offsets)}, not [begin, end] with 0 <= begin <= end`);
  }
  const [begin, end] = offsets as [number, number];
  const expectedBytes = elementCount(shape) * dtypeInfo.bytesPerElement;
  if (end - begin !== expectedBytes) {
    fail(
      `tensor "${name}" spans ${end - begin} bytes but its shape [${shape.join(', ')}] ` +
        `of ${dtype} needs ${expectedBytes}`,
    );
  }
  return { name, dtype: dtypeInfo, shape, begin, end };
}

function parseMetadata(value: unknown): Record<string, string> {
  // The Rust reader takes `null` as no metadata (an Option), so some writers emit it.
  if (value === null) return {};
  if (!isRecord(value) || !Object.values(value).every((entry) => typeof entry === 'string')) {
    fail(`${METADATA_KEY} must be an object of string values`);
  }
  return value as Record<string, string>;
}

/** Like the Rust reader, insists the tensors tile the data section exactly: no overlap, no gap, nothing after. */
function checkLayout(entries: HeaderEntry[], dataLength: number): void {
  const byOffset = [...entries].sort((x, y) => x.begin - y.begin || x.end - y.end);
  let covered = 0;
  let previous: HeaderEntry | undefined;
  for (const entry of byOffset) {
    if (entry.end > dataLength) {
      fail(
        `tensor "${entry.name}" has data_offsets [${entry.begin}, ${entry.end}] ` +
          `beyond the ${dataLength}-byte data section`,
      );
    }
    if (previous !== undefined && entry.begin < previous.end) {
      fail(
        `tensor "${entry.name}" bytes [${entry.begin}, ${entry.end}] overlap ` +
          `tensor "${previous.name}" bytes [${previous.begin}, ${previous.end}]`,
      );
    }
    if (entry.begin > covered) {
      fail(`bytes [${covered}, ${entry.begin}) of the data section belong to no tensor`);
    }
    covered = entry.end;
    previous = entry;
  }
  if (covered !== dataLength) {
    fail(`bytes [${covered}, ${dataLength}) of the data section belong to no tensor`);
  }
}

/**
 * Float32 tensors come back as views into `bytes` where their offset allows
 * (no copy of a 400 MB checkpoint), so they share memory with `bytes`; other
 * dtypes, and float32 tensors that are not 4-byte aligned, are fresh arrays.
 */
export function readSafetensors(bytes: Uint8Array): SafetensorsFile {
  assertLittleEndianHost();
  if (bytes.byteLength < HEADER_LENGTH_BYTES) {
    fail(`file is ${bytes.byteLength} bytes, shorter than the ${HEADER_LENGTH_BYTES}-byte header length`);
  }
  const headerLength = Number(littleEndianView(bytes).getBigUint64(0, true));
  if (headerLength > bytes.byteLength - HEADER_LENGTH_BYTES) {
    fail(`header length ${headerLength} goes beyond the end of the ${bytes.byteLength}-byte file`);
  }

  let header: unknown;
  try {
    const headerText = new TextDecoder('utf-8', { fatal: true }).decode(
      bytes.subarray(HEADER_LENGTH_BYTES, HEADER_LENGTH_BYTES + headerLength),
    );
    header = JSON.parse(headerText);
  } catch (error) {
    fail(`header is not valid UTF-8 JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!isRecord(header)) fail('header JSON is not an object');

  let metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === METADATA_KEY) metadata = parseMetadata(info);
    else entries.push(parseHeaderEntry(name, info));
  }

  const dataStart = HEADER_LENGTH_BYTES + headerLength;
  checkLayout(entries, bytes.byteLength - dataStart);

  const tensors = new Map<string, NamedTensor>();
  for (const entry of entries) {
    const tensorBytes = bytes.subarray(dataStart + entry.begin, dataStart + entry.end);
    tensors.set(entry.name, { shape: entry.shape, data: entry.dtype.decode(tensorBytes, elementCount(entry.shape)) });
  }
  return { tensors, metadata };
}

const utf8 = new TextEncoder();

/** Orders names as Rust's `str::cmp` does (UTF-8 bytes), which is how Python safetensors lays tensors out. */
function compareUtf8(left: string, right: string): number {
  const a = utf8.encode(left);
  const b = utf8.encode(right);
  const shared = Math.min(a.length, b.length);
  for (let i = 0; i < shared; i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return a.length - b.length;
}

/**
 * Writes float32 tensors the way Python's `safetensors.torch.save_file` does:
 * tensors sorted by name, `__metadata__` first in the header, header padded
 * with spaces so the data starts 8-byte aligned.
 */
export function writeSafetensors(
  tensors: Map<string, NamedTensor> | [string, NamedTensor][],
  metadata?: Record<string, string>,
): Uint8Array {
  assertLittleEndianHost();
  const entries = [...tensors];
  const seen = new Set<string>();
  for (const [name, tensor] of entries) {
    if (name === METADATA_KEY) throw new Error(`Cannot write a tensor named "${METADATA_KEY}": the name is reserved`);
    if (seen.has(name)) throw new Error(`Cannot write tensor "${name}" twice`);
    seen.add(name);
    if (!tensor.shape.every(isDimension) || elementCount(tensor.shape) !== tensor.data.length) {
      throw new Error(
        `Cannot write tensor "${name}": shape [${tensor.shape.join(', ')}] does not match its ${tensor.data.length} values`,
      );
    }
  }
  entries.sort(([left], [right]) => compareUtf8(left, right));

  // Built by hand rather than with JSON.stringify(object): JS objects put integer-like keys first.
  const headerFields: string[] = [];
  if (metadata !== undefined) {
    const sortedMetadata = Object.keys(metadata)
      .sort(compareUtf8)
      .map((key) => `${JSON.stringify(key)}:${JSON.stringify(metadata[key])}`);
    headerFields.push(`${JSON.stringify(METADATA_KEY)}:{${sortedMetadata.join(',')}}`);
  }
  let dataLength = 0;
  for (const [name, tensor] of entries) {
    const begin = dataLength;
    dataLength += tensor.data.byteLength;
    headerFields.push(
      `${JSON.stringify(name)}:{"dtype":"F32","shape":[${tensor.shape.join(',')}],"data_offsets":[${begin},${dataLength}]}`,
    );
  }
  const headerJson = utf8.encode(`{${headerFields.join(',')}}`);
  const headerLength = Math.ceil(headerJson.length / 8) * 8;

  const out = new Uint8Array(HEADER_LENGTH_BYTES + headerLength + dataLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(headerJson, HEADER_LENGTH_BYTES);
  out.fill(0x20, HEADER_LENGTH_BYTES + headerJson.length, HEADER_LENGTH_BYTES + headerLength);

  let position = HEADER_LENGTH_BYTES + headerLength;
  for (const [, { data }] of entries) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), position);
    position += data.byteLength;
  }
  return out;
}
