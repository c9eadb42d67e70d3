import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { readPytorchCheckpoint } from './pytorch-checkpoint.ts';
import { writePytorchFixtures } from './pytorch-fixtures.ts';

const fixtures = writePytorchFixtures('pytorch-checkpoint-');
const { skipReason } = fixtures;
const fixtureDir = fixtures.dir;
const fixture = fixtures.file;
type Expected = Record<string, { shape: number[]; values: number[] }>;
const expected = (): Expected => JSON.parse(readFileSync(join(fixtureDir, 'expected.json'), 'utf8')) as Expected;

const utf8 = new TextEncoder();

/** A pickle (protocol 2) of `os.system('echo hi')`, as an attacker would write it by hand. */
function osSystemPickle(): Uint8Array {
  const argument = utf8.encode('echo hi');
  return Uint8Array.from([
    0x80, 0x02,
    ...utf8.encode('cos\nsystem\n'),
    0x58, argument.length, 0, 0, 0, ...argument,
    0x85, 0x52, 0x2e,
  ]);
}

describe.skipIf(skipReason !== null)(`readPytorchCheckpoint against torch.save${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  for (const [format, file] of [['zip (torch >= 1.6)', 'zip.bin'], ['legacy', 'legacy.bin']] as const) {
    it(`reads every tensor of the ${format} format exactly: f16, bf16, int64, transposed, offset and strided views, tied`, () => {
      const tensors = readPytorchCheckpoint(fixture(file));
      const want = expected();
      expect([...tensors.keys()]).toEqual(Object.keys(want));
      for (const [name, { shape, values }] of Object.entries(want)) {
        const tensor = tensors.get(name)!;
        expect(tensor.shape, name).toEqual(shape);
        expect(tensor.data).toBeInstanceOf(Float32Array);
        expect(Array.from(tensor.data), name).toEqual(values);
      }
    });
  }

  it('gives tied tensors arrays of their own, so changing one leaves the other alone', () => {
    const tensors = readPytorchCheckpoint(fixture('zip.bin'));
    const words = tensors.get('bert.embeddings.word_embeddings.weight')!.data;
    const decoder = tensors.get('cls.predictions.decoder.weight')!.data;
    const before = decoder[0];
    words[0] = before! + 1;
    expect(decoder[0]).toBe(before);
  });

  it('reads a zip whose byteorder record says big-endian, as newer torch versions write on such machines', () => {
    const tensors = readPytorchCheckpoint(fixture('big-endian.bin'));
    for (const [name, { values }] of Object.entries(expected())) expect(Array.from(tensors.get(name)!.data), name).toEqual(values);
  });

  it('refuses a checkpoint that pickles a call to os.system, without running it', () => {
    expect(() => readPytorchCheckpoint(fixture('evil.bin'))).toThrow(
      /^Invalid PyTorch checkpoint: its pickle names "posix\.system", which a state dict of tensors never needs, so the file is refused/,
    );
  });

  it('names the truncation of a legacy file', () => {
    const bytes = fixture('legacy.bin');
    expect(() => readPytorchCheckpoint(bytes.subarray(0, bytes.length - 10))).toThrow(/^Invalid PyTorch checkpoint: the file ends inside storage \w+$/);
  });

  it('names a zip archive missing a storage', () => {
    const files = unzipSync(fixture('zip.bin'));
    const storage = Object.keys(files).find((name) => /\/data\/\d+$/.test(name))!;
    delete files[storage];
    expect(() => readPytorchCheckpoint(zipSync(files, { level: 0 }))).toThrow(`is missing from the zip archive (${storage})`);
  });
});

describe('readPytorchCheckpoint refusals that need no torch', () => {
  it('refuses a hand-made pickle naming os.system, in a zip and as a legacy file', () => {
    const refusal = /^Invalid PyTorch checkpoint: its pickle names "os\.system", which a state dict of tensors never needs/;
    expect(() => readPytorchCheckpoint(zipSync({ 'archive/data.pkl': osSystemPickle() }, { level: 0 }))).toThrow(refusal);
    expect(() => readPytorchCheckpoint(osSystemPickle())).toThrow(refusal);
  });

  it('refuses a pickle that names a global through STACK_GLOBAL', () => {
    const pickle = Uint8Array.from([
      0x80, 0x04,
      0x8c, 8, ...utf8.encode('builtins'),
      0x8c, 4, ...utf8.encode('eval'),
      0x93, 0x2e,
    ]);
    expect(() => readPytorchCheckpoint(zipSync({ 'archive/data.pkl': pickle }, { level: 0 }))).toThrow(/names "builtins\.eval"/);
  });

  it('says what is wrong with files that are not checkpoints', () => {
    expect(() => readPytorchCheckpoint(utf8.encode('{"not": "a checkpoint"}'))).toThrow(
      'Invalid PyTorch checkpoint: it is neither a zip archive (torch >= 1.6) nor a legacy torch.save pickle',
    );
    const zip = zipSync({ 'archive/data.pkl': Uint8Array.from([0x80, 0x02, 0x7d]) }, { level: 0 });
    expect(() => readPytorchCheckpoint(zip.subarray(0, zip.length - 30))).toThrow(/^Invalid PyTorch checkpoint: it is not a readable zip archive/);
    expect(() => readPytorchCheckpoint(zip)).toThrow('Invalid PyTorch checkpoint: its pickle is damaged (pickle byte 3: the data ends before STOP)');
    const tar = new Uint8Array(1024);
    tar.set(utf8.encode('ustar'), 257);
    expect(() => readPytorchCheckpoint(tar)).toThrow(/tar format of torch < 0\.4/);
  });

  it('refuses a pickle that is not a dict of tensors', () => {
    // {'epoch': 3}: a training checkpoint's field, not a tensor.
    const pickle = Uint8Array.from([0x80, 0x02, 0x7d, 0x58, 5, 0, 0, 0, ...utf8.encode('epoch'), 0x4b, 3, 0x73, 0x2e]);
    expect(() => readPytorchCheckpoint(zipSync({ 'archive/data.pkl': pickle }, { level: 0 }))).toThrow(
      /^Invalid PyTorch checkpoint: state dict entry "epoch" is not a tensor/,
    );
  });
});
