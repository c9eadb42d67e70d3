import { describe, expect, it } from 'vitest';
import { DatasetError } from './dataset-error.ts';

describe('DatasetError', () => {
  it('names the file and line before the problem', () => {
    const error = new DatasetError(
      { file: 'train.csv', line: 14, row: 13 },
      'expected 2 fields (text, label) but found 3. Is there an unquoted comma in the text?',
    );
    expect(error.message).toBe(
      'train.csv, line 14: expected 2 fields (text, label) but found 3. Is there an unquoted comma in the text?',
    );
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('DatasetError');
    expect([error.file, error.line, error.row, error.column]).toEqual(['train.csv', 14, 13, undefined]);
  });

  it('names the row when there is no line', () => {
    const error = new DatasetError({ file: 'data.json', row: 3, column: 'label' }, 'the label is empty.');
    expect(error.message).toBe('data.json, row 3: the label is empty.');
    expect(error.column).toBe('label');
  });

  it('names only the file when the problem concerns the whole file', () => {
    expect(new DatasetError({ file: 'empty.csv' }, 'no data rows.').message).toBe('empty.csv: no data rows.');
  });
});
