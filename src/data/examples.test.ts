import { describe, expect, it } from 'vitest';
import { emptyTextsWarning, toExamples } from './examples.ts';
import { parseTable } from './parse.ts';

describe('toExamples', () => {
  it('takes the mapped columns, keeping texts as written and trimming labels', () => {
    const table = parseTable('train.csv', 'id,review,stars\n1, Great film ,pos \n2,Awful,neg');
    expect(toExamples(table, { text: 'review', label: 'stars' }).examples).toEqual([
      { text: ' Great film ', label: 'pos' },
      { text: 'Awful', label: 'neg' },
    ]);
  });

  it('includes the second text of a pair task', () => {
    const table = parseTable('train.csv', 'sentence1,sentence2,label\nA man sleeps,A person rests,1');
    expect(toExamples(table, { text: 'sentence1', textPair: 'sentence2', label: 'label' }).examples).toEqual([
      { text: 'A man sleeps', textPair: 'A person rests', label: '1' },
    ]);
  });

  it('leaves out rows with an empty text, for a warning naming their lines, and refuses an empty label', () => {
    const table = parseTable('train.csv', 'text,label\ngood,1\n"multi\nline",0\n  ,1\nfine,0\n,1\n');
    const { examples, emptyTexts } = toExamples(table, { text: 'text', label: 'label' });
    expect(examples.map((e) => e.label)).toEqual(['1', '0', '0']);
    expect(emptyTexts).toEqual([2, 4]);
    expect(emptyTextsWarning(table, emptyTexts, 'left out of training')).toBe('train.csv: empty text on lines 5 and 7; those rows are left out of training.');
    expect(emptyTextsWarning(table, [], 'left out of training')).toBeNull();
    const unlabelled = parseTable('train.csv', 'text,label\ngood,1\nbad, ');
    expect(() => toExamples(unlabelled, { text: 'text', label: 'label' })).toThrow(
      expect.objectContaining({
        name: 'DatasetError',
        line: 3,
        row: 2,
        column: 'label',
        message: 'train.csv, line 3: the label is empty (column "label"). Every row needs a label: fill it in or remove the row.',
      }),
    );
  });

  it('counts an empty second text as an empty text, and names rows where a file has no lines', () => {
    const table = parseTable('train.jsonl', '{"a": "x", "b": null, "label": "y"}');
    expect(toExamples(table, { text: 'a', textPair: 'b', label: 'label' })).toEqual({ examples: [], emptyTexts: [0] });
    const parquetLike = { ...table, lines: [] };
    expect(emptyTextsWarning(parquetLike, [0], 'given no label (null)')).toBe('train.jsonl: empty text on row 1; that row is given no label (null).');
  });

  it('reports a missing column before reading any row', () => {
    const table = parseTable('train.csv', 'text,label\na,b');
    expect(() => toExamples(table, { text: 'sentence', label: 'label' })).toThrow(
      expect.objectContaining({ column: 'sentence', message: expect.stringContaining('The columns in this file are: "text", "label"') }),
    );
  });
});
