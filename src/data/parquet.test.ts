import { describe, expect, it } from 'vitest';
import { DatasetError } from './dataset-error.ts';
import { cellText } from './cells.ts';
import { parquetTable } from './parquet.ts';
import { parquetFile } from './parquet-fixture.ts';

describe('parquetTable', () => {
  it('reads string columns into a table of rows', async () => {
    const bytes = parquetFile([
      { name: 'sentence', values: ['great film', 'awful, just awful', 'ça va'] },
      { name: 'label', values: ['pos', 'neg', 'pos'] },
    ]);
    const table = await parquetTable('train.parquet', bytes);
    expect(table.columns).toEqual(['sentence', 'label']);
    expect(table.rows).toEqual([
      { sentence: 'great film', label: 'pos' },
      { sentence: 'awful, just awful', label: 'neg' },
      { sentence: 'ça va', label: 'pos' },
    ]);
  });

  it('says which file could not be read, and how to save it instead', async () => {
    const broken = new TextEncoder().encode('PAR1 this is not really parquet PAR1');
    const error = await parquetTable('broken.parquet', broken).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as Error).message).toMatch(/^broken\.parquet: could not be read as Parquet .*CSV/);
  });
});

describe('cellText', () => {
  it('writes cells as a CSV export would', () => {
    expect([null, undefined, 'a', 3, true, 12n].map(cellText)).toEqual(['', '', 'a', '3', 'true', '12']);
    expect(cellText(new Date(Date.UTC(2024, 0, 2)))).toBe('2024-01-02T00:00:00.000Z');
    expect(cellText({ n: 1n, xs: [1] })).toBe('{"n":"1","xs":[1]}');
  });
});
