import { describe, expect, it } from 'vitest';
import { badDatasetFiles } from '../../e2e/support/dataset-files.ts';
import { DatasetError } from './dataset-error.ts';
import { classificationTable, readDataset } from './read-dataset.ts';
import { firstInvalidUtf8, sniffBytes } from './sniff.ts';

const bytes = (...values: number[]) => Uint8Array.from(values);
const messageOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DatasetError);
    return (error as Error).message;
  }
  throw new Error('expected a DatasetError');
};

describe('sniffBytes', () => {
  it.each(badDatasetFiles().map((file) => [file.what, file] as const))('refuses %s, saying what it is and what the studio needs', async (_, file) => {
    const error = await readDataset(file.name, file.bytes)
      .then((read) => classificationTable(read))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as Error).message).toBe(file.message);
  });

  it('tells Parquet and gzip from text by their first bytes, whatever the name', () => {
    expect(sniffBytes('data.csv', new TextEncoder().encode('PAR1…'))).toEqual({ kind: 'parquet' });
    expect(sniffBytes('data.bin', bytes(0x1f, 0x8b, 8, 0))).toEqual({ kind: 'gzip' });
    expect(sniffBytes('data.parquet', new TextEncoder().encode('text,label\nok,1\n'))).toEqual({ kind: 'text', text: 'text,label\nok,1\n' });
  });

  it('drops a UTF-8 byte-order mark and refuses UTF-32', () => {
    expect(sniffBytes('a.csv', bytes(0xef, 0xbb, 0xbf, 0x61))).toEqual({ kind: 'text', text: 'a' });
    expect(messageOf(() => sniffBytes('a.csv', bytes(0xff, 0xfe, 0, 0, 0x61, 0, 0, 0)))).toBe(
      'a.csv: is UTF-32 text, which the studio does not read. Save it as UTF-8 instead (in Excel: "CSV UTF-8"; on the command line: iconv -f UTF-32 -t UTF-8).',
    );
  });

  it('reads a form feed or a stray control character as text, and a file full of them as binary', () => {
    expect(sniffBytes('a.txt', new TextEncoder().encode('text,label\fok\x07,1\n')).kind).toBe('text');
    const noisy = Uint8Array.from({ length: 400 }, (_, i) => (i % 20 === 0 ? 0x01 : 0x61));
    expect(messageOf(() => sniffBytes('noisy.csv', noisy))).toMatch(/^noisy\.csv: is not a text file: it holds binary data \(byte 0x01 at position 0\)\./);
  });

  it('quotes a long line around the first byte that is not UTF-8, cut with …', () => {
    const line = `${'a'.repeat(40)}\xe9${'b'.repeat(40)}`;
    const message = messageOf(() => sniffBytes('long.csv', Uint8Array.from(`text,label\n${line},x\n`, (c) => c.charCodeAt(0))));
    expect(message).toContain(`line 2 has the byte 0xE9, which is "é" in Windows-1252/Latin-1 ("…${'a'.repeat(30)}é${'b'.repeat(29)}…")`);
  });
});

describe('firstInvalidUtf8', () => {
  it('finds the first byte of a malformed, overlong, surrogate or cut sequence', () => {
    expect(firstInvalidUtf8(new TextEncoder().encode('héllo 😀 ok'))).toBe(-1);
    expect(firstInvalidUtf8(bytes(0x61, 0xc0, 0x80))).toBe(1);
    expect(firstInvalidUtf8(bytes(0x61, 0x62, 0xed, 0xa0, 0x80))).toBe(2);
    expect(firstInvalidUtf8(bytes(0xe2, 0x82))).toBe(0);
    expect(firstInvalidUtf8(bytes(0x61, 0xf4, 0x90, 0x80, 0x80))).toBe(1);
    expect(firstInvalidUtf8(bytes(0x61, 0x80))).toBe(1);
  });
});
