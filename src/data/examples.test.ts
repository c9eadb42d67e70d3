import { describe, expect, it } from 'vitest';
import { toExamples } from './examples.ts';
import { parseTable } from './parse.ts';

describe('toExamples', () => {
  it('takes the mapped columns, keeping texts as written and trimming labels', () => {
    const table = parseTable('train.csv', 'id,review,stars\n1, Great film ,pos \n2,Awful,neg');
    expect(toExamples(table, { text: 'review', label: 'stars' })).toEqual([
      { text: ' Great film ', label: 'pos' },
      { text: 'Awful', label: 'neg' },
    ]);
  });

  it('includes the second text of a pair task', () => {
    const table = parseTable('train.csv', 'sentence1,sentence2,label\nA man sleeps,A person rests,1');
    expect(toExamples(table, { text: 'sentence1', textPair: 'sentence2', label: 'label' })).toEqual([
      { text: 'A man sleeps', textPair: 'A person rests', label: '1' },
    ]);
  });

  it('reports an empty text or label with its line, row and column', () => {
    const table = parseTable('train.csv', 'text,label\ngood,1\n"multi\nline",0\n  ,1\n');
    expect(() => toExamples(table, { text: 'text', label: 'label' })).toThrow(
      expect.objectContaining({
        name: 'DatasetError',
        line: 5,
        row: 3,
        column: 'text',
        message: 'train.csv, line 5: the text is empty (column "text"). Every row needs a text and a label: fill it in or remove the row.',
      }),
    );
    const unlabelled = parseTable('train.csv', 'text,label\ngood,1\nbad, ');
    expect(() => toExamples(unlabelled, { text: 'text', label: 'label' })).toThrow(
      expect.objectContaining({ line: 3, row: 2, column: 'label', message: expect.stringContaining('the label is empty') }),
    );
  });

  it('reports an empty second text', () => {
    const table = parseTable('train.jsonl', '{"a": "x", "b": null, "label": "y"}');
    expect(() => toExamples(table, { text: 'a', textPair: 'b', label: 'label' })).toThrow(
      expect.objectContaining({ line: 1, column: 'b', message: expect.stringContaining('the second text is empty') }),
    );
  });

  it('reports a missing column before reading any row', () => {
    const table = parseTable('train.csv', 'text,label\na,b');
    expect(() => toExamples(table, { text: 'sentence', label: 'label' })).toThrow(
      expect.objectContaining({ column: 'sentence', message: expect.stringContaining('The columns in this file are: "text", "label"') }),
    );
  });
});
