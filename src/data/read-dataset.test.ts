import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readableDatasetFiles } from '../../e2e/support/dataset-files.ts';
import { readDataset } from './read-dataset.ts';

describe('readDataset', () => {
  it.each(readableDatasetFiles().map((file) => [file.what, file] as const))('reads %s and says how', async (_, file) => {
    const read = await readDataset(file.name, file.bytes);
    expect(read.readAs).toBe(file.readAs);
    expect(read.table.columns).toEqual(['text', 'label']);
    expect(read.table.rows).toHaveLength(file.rows);
    expect(read.table.rows[0]).toEqual({ text: 'A moving, funny film', label: 'pos' });
  });

  it('names the file when its gzip data is cut short', async () => {
    const cut = gzipSync(Buffer.from('text,label\nfine,1\n'.repeat(50))).subarray(0, 30);
    await expect(readDataset('train.csv.gz', cut)).rejects.toThrow(/^train\.csv\.gz: is gzip-compressed but could not be unpacked \(.+\): the file may be cut short\./);
  });

  it('keeps line numbers in errors inside a file read after its sep= line', async () => {
    await expect(readDataset('x.csv', new TextEncoder().encode('sep=;\ntext;label\nok;1\nbroken;1;2\n'))).rejects.toThrow(
      'x.csv, line 4: expected 2 fields (text, label) but found 3. Is there an unquoted semicolon in the text?',
    );
  });
});
