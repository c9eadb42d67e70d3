import { describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors, type NamedTensor } from './safetensors.ts';

/** A safetensors file from a header (object or raw text) and a data section, laid out by hand. */
function buildFile(header: object | string, data: Uint8Array = new Uint8Array(0), headerLength?: number): Uint8Array {
  const headerBytes = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const file = new Uint8Array(8 + headerBytes.length + data.length);
  new DataView(file.buffer).setBigUint64(0, BigInt(headerLength ?? headerBytes.length), true);
  file.set(headerBytes, 8);
  file.set(data, 8 + headerBytes.length);
  return file;
}

function uint16LittleEndian(values: number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 2);
  const view = new DataView(bytes.buffer);
  values.forEach((value, i) => view.setUint16(i * 2, value, true));
  return bytes;
}

function float32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

const tensor = (shape: number[], values: number[]): NamedTensor => ({ shape, data: new Float32Array(values) });

describe('writeSafetensors and readSafetensors', () => {
  it('round-trip tensors of every rank, including scalars and empty tensors, with metadata', () => {
    const tensors = new Map<string, NamedTensor>([
      ['bert.encoder.layer.0.attention.self.query.weight', tensor([2, 3], [1, -2, 3.5, 1e-30, -0, 6e30])],
      ['classifier.bias', tensor([2], [0.25, -0.125])],
      ['scalar', tensor([], [42])],
      ['empty', tensor([0, 5], [])],
    ]);
    const file = readSafetensors(writeSafetensors(tensors, { format: 'pt' }));
    expect(file.metadata).toEqual({ format: 'pt' });
    expect([...file.tensors.keys()].sort()).toEqual([...tensors.keys()].sort());
    for (const [name, original] of tensors) {
      const read = file.tensors.get(name)!;
      expect(read.shape).toEqual(original.shape);
      expect(read.data).toEqual(original.data);
    }
  });

  it('lays the file out as Python safetensors does: sorted names, metadata first, space padding to 8 bytes', () => {
    const bytes = writeSafetensors(
      [
        ['b', tensor([2], [1, 2])],
        ['a', tensor([1], [3])],
        ['B', tensor([1], [4])],
        ['10', tensor([1], [5])],
        ['9', tensor([1], [6])],
      ],
      { format: 'pt', author: 'x' },
    );
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLength % 8).toBe(0);
    const header = new TextDecoder().decode(bytes.subarray(8, 8 + headerLength));
    const expectedJson =
      '{"__metadata__":{"author":"x","format":"pt"},' +
      '"10":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},' +
      '"9":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},' +
      '"B":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},' +
      '"a":{"dtype":"F32","shape":[1],"data_offsets":[12,16]},' +
      '"b":{"dtype":"F32","shape":[2],"data_offsets":[16,24]}}';
    expect(header.trimEnd()).toBe(expectedJson);
    expect(header).toBe(expectedJson.padEnd(headerLength, ' '));
    expect(bytes.subarray(8 + headerLength)).toEqual(float32Bytes([5, 6, 4, 3, 1, 2]));
  });

  it('writes no __metadata__ entry when none is given, and reads that, or null metadata, as empty metadata', () => {
    const bytes = writeSafetensors([['w', tensor([1], [1])]]);
    expect(new TextDecoder().decode(bytes)).not.toContain('__metadata__');
    expect(readSafetensors(bytes).metadata).toEqual({});
    expect(readSafetensors(buildFile({ __metadata__: null })).metadata).toEqual({});
  });

  it('returns aligned float32 data as a view into the file, and copies misaligned data', () => {
    const written = writeSafetensors([['w', tensor([3], [1.5, -2, 3])]]);
    const aligned = readSafetensors(written).tensors.get('w')!;
    expect(aligned.data.buffer).toBe(written.buffer);

    // The same file one byte into a larger buffer: the data can no longer be viewed as float32.
    const shifted = new Uint8Array(written.length + 1);
    shifted.set(written, 1);
    const misaligned = readSafetensors(shifted.subarray(1)).tensors.get('w')!;
    expect(misaligned.data.buffer).not.toBe(shifted.buffer);
    expect(Array.from(misaligned.data)).toEqual([1.5, -2, 3]);
  });

  it('reads a float32 tensor at an odd data offset next to a float16 tensor', () => {
    const data = new Uint8Array([...uint16LittleEndian([0x3c00]), ...float32Bytes([7.25, -1])]);
    const file = readSafetensors(
      buildFile(
        {
          h: { dtype: 'F16', shape: [1], data_offsets: [0, 2] },
          f: { dtype: 'F32', shape: [2], data_offsets: [2, 10] },
        },
        data,
      ),
    );
    expect(Array.from(file.tensors.get('h')!.data)).toEqual([1]);
    expect(Array.from(file.tensors.get('f')!.data)).toEqual([7.25, -1]);
  });
});

describe('readSafetensors dtype conversion', () => {
  // Expected values are what torch gives for the same bits (tensor.view(torch.float16 / torch.bfloat16).float()).
  it('decodes F16 exactly: normals, the largest finite value, subnormals, infinities, signed zero, NaN', () => {
    const bits = [0x3c00, 0xc100, 0x7bff, 0x0001, 0x03ff, 0x0400, 0x7c00, 0xfc00, 0x8000, 0x3555, 0x7e00];
    const expected = [
      1, -2.5, 65504, 5.960464477539063e-8, 6.097555160522461e-5, 6.103515625e-5, Infinity, -Infinity, -0,
      0.333251953125, NaN,
    ];
    const file = readSafetensors(
      buildFile({ h: { dtype: 'F16', shape: [11], data_offsets: [0, 22] } }, uint16LittleEndian(bits)),
    );
    const decoded = Array.from(file.tensors.get('h')!.data);
    decoded.forEach((value, i) => expect(Object.is(value, expected[i]), `bits 0x${bits[i]!.toString(16)}`).toBe(true));
  });

  it('decodes BF16 exactly, including float32 subnormals and the largest finite value', () => {
    const bits = [0x3f80, 0xc020, 0x7f7f, 0x0001, 0x007f, 0x0080, 0x7f80, 0xff80, 0x8000, 0x3eab, 0x7fc0];
    const expected = [
      1, -2.5, 3.3895313892515355e38, 9.183549615799121e-41, 1.1663108012064884e-38, 1.1754943508222875e-38,
      Infinity, -Infinity, -0, 0.333984375, NaN,
    ];
    const file = readSafetensors(
      buildFile({ b: { dtype: 'BF16', shape: [1, 11], data_offsets: [0, 22] } }, uint16LittleEndian(bits)),
    );
    const tensorRead = file.tensors.get('b')!;
    expect(tensorRead.shape).toEqual([1, 11]);
    Array.from(tensorRead.data).forEach((value, i) =>
      expect(Object.is(value, expected[i]), `bits 0x${bits[i]!.toString(16)}`).toBe(true),
    );
  });

  it('converts F64, I32 and an I64 position_ids buffer to float32', () => {
    const data = new Uint8Array(16 + 12 + 48);
    const view = new DataView(data.buffer);
    view.setFloat64(0, 0.1, true);
    view.setFloat64(8, -3, true);
    [-7, 0, 2 ** 24].forEach((value, i) => view.setInt32(16 + i * 4, value, true));
    for (let i = 0; i < 6; i++) view.setBigInt64(28 + i * 8, BigInt(i), true);
    const file = readSafetensors(
      buildFile(
        {
          __metadata__: { format: 'pt' },
          d: { dtype: 'F64', shape: [2], data_offsets: [0, 16] },
          i: { dtype: 'I32', shape: [3], data_offsets: [16, 28] },
          'bert.embeddings.position_ids': { dtype: 'I64', shape: [1, 6], data_offsets: [28, 76] },
        },
        data,
      ),
    );
    expect(Array.from(file.tensors.get('d')!.data)).toEqual([Math.fround(0.1), -3]);
    expect(Array.from(file.tensors.get('i')!.data)).toEqual([-7, 0, 2 ** 24]);
    const positions = file.tensors.get('bert.embeddings.position_ids')!;
    expect(positions.shape).toEqual([1, 6]);
    expect(Array.from(positions.data)).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe('readSafetensors rejects malformed files', () => {
  const oneFloat = float32Bytes([1]);
  const entry = (dtype: string, shape: number[], offsets: number[]) => ({ dtype, shape, data_offsets: offsets });

  it('a file shorter than the header length field', () => {
    expect(() => readSafetensors(new Uint8Array(5))).toThrow(
      'Invalid safetensors file: file is 5 bytes, shorter than the 8-byte header length',
    );
  });

  it('a header length beyond the end of the file', () => {
    expect(() => readSafetensors(buildFile('{}', new Uint8Array(0), 100))).toThrow(
      'Invalid safetensors file: header length 100 goes beyond the end of the 10-byte file',
    );
  });

  it('a header that is not JSON, not UTF-8, or not an object', () => {
    expect(() => readSafetensors(buildFile('{"a": '))).toThrow(/Invalid safetensors file: header is not valid UTF-8 JSON/);
    const invalidUtf8 = buildFile('{}');
    invalidUtf8[8] = 0xff;
    expect(() => readSafetensors(invalidUtf8)).toThrow(/header is not valid UTF-8 JSON/);
    expect(() => readSafetensors(buildFile('[1, 2]'))).toThrow('Invalid safetensors file: header JSON is not an object');
  });

  it('an unknown dtype, naming it and the tensor', () => {
    expect(() => readSafetensors(buildFile({ w: entry('Q4_K', [1], [0, 4]) }, oneFloat))).toThrow(
      'Invalid safetensors file: tensor "w" has dtype "Q4_K", which is not supported (supported: F32, F16, BF16, F64, I64, I32)',
    );
  });

  it('offsets beyond the data section', () => {
    expect(() => readSafetensors(buildFile({ w: entry('F32', [2], [0, 8]) }, oneFloat))).toThrow(
      'Invalid safetensors file: tensor "w" has data_offsets [0, 8] beyond the 4-byte data section',
    );
  });

  it('overlapping tensors', () => {
    const file = buildFile({ a: entry('F32', [2], [0, 8]), b: entry('F32', [2], [4, 12]) }, new Uint8Array(12));
    expect(() => readSafetensors(file)).toThrow(
      'Invalid safetensors file: tensor "b" bytes [4, 12] overlap tensor "a" bytes [0, 8]',
    );
  });

  it('bytes that belong to no tensor, between tensors or at the end', () => {
    const gap = buildFile({ a: entry('F32', [1], [0, 4]), b: entry('F32', [1], [8, 12]) }, new Uint8Array(12));
    expect(() => readSafetensors(gap)).toThrow('Invalid safetensors file: bytes [4, 8) of the data section belong to no tensor');
    const trailing = buildFile({ a: entry('F32', [1], [0, 4]) }, new Uint8Array(6));
    expect(() => readSafetensors(trailing)).toThrow(
      'Invalid safetensors file: bytes [4, 6) of the data section belong to no tensor',
    );
  });

  it('a byte range that does not match the shape and dtype', () => {
    expect(() => readSafetensors(buildFile({ w: entry('F16', [3], [0, 4]) }, oneFloat))).toThrow(
      'Invalid safetensors file: tensor "w" spans 4 bytes but its shape [3] of F16 needs 6',
    );
  });

  it('malformed shape, offsets or metadata', () => {
    expect(() => readSafetensors(buildFile({ w: entry('F32', [-1], [0, 4]) }, oneFloat))).toThrow(
      'Invalid safetensors file: tensor "w" has shape [-1], not a list of non-negative integers',
    );
    expect(() => readSafetensors(buildFile({ w: entry('F32', [1], [4, 0]) }, oneFloat))).toThrow(
      'Invalid safetensors file: tensor "w" has data_offsets [4,0], not [begin, end] with 0 <= begin <= end',
    );
    expect(() => readSafetensors(buildFile({ __metadata__: { epochs: 3 } }))).toThrow(
      'Invalid safetensors file: __metadata__ must be an object of string values',
    );
  });
});

describe('writeSafetensors rejects what it cannot write faithfully', () => {
  it('data that does not match the shape', () => {
    expect(() => writeSafetensors([['w', tensor([2, 2], [1, 2, 3])]])).toThrow(
      'Cannot write tensor "w": shape [2, 2] does not match its 3 values',
    );
  });

  it('a name given twice, or the reserved __metadata__ name', () => {
    expect(() => writeSafetensors([['w', tensor([1], [1])], ['w', tensor([1], [2])]])).toThrow(
      'Cannot write tensor "w" twice',
    );
    expect(() => writeSafetensors([['__metadata__', tensor([1], [1])]])).toThrow(/reserved/);
  });
});
