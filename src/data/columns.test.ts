import { describe, expect, it } from 'vitest';
import { checkColumnRoles, ColumnRoleError, guessColumns, requireColumns } from './columns.ts';
import type { Table } from './parse.ts';

function tableOf(columns: string[], rows: string[][]): Table {
  return {
    fileName: 'train.csv',
    columns,
    rows: rows.map((values) => Object.fromEntries(columns.map((column, index) => [column, values[index]]))),
    lines: rows.map((_, index) => index + 2),
  };
}

describe('guessColumns', () => {
  it('recognises common names regardless of case and punctuation', () => {
    expect(guessColumns(tableOf(['idx', 'Label', 'Text'], [['1', 'a', 'b']]))).toEqual({ text: 'Text', label: 'Label' });
    expect(guessColumns(tableOf(['sms', 'class'], [['hi', 'ham']]))).toEqual({ text: 'sms', label: 'class' });
    expect(guessColumns(tableOf(['sentiment', 'review'], [['1', 'ok']]))).toEqual({ text: 'review', label: 'sentiment' });
    expect(guessColumns(tableOf(['sentence', 'label', 'idx'], [['a', '0', '0']]))).toEqual({ text: 'sentence', label: 'label' });
  });

  it('recognises text pairs', () => {
    expect(guessColumns(tableOf(['Sentence 1', 'Sentence 2', 'label'], [['a', 'b', '1']]))).toEqual({
      text: 'Sentence 1',
      textPair: 'Sentence 2',
      label: 'label',
    });
    expect(guessColumns(tableOf(['question', 'context', 'target'], [['q', 'c', 't']]))).toEqual({
      text: 'question',
      textPair: 'context',
      label: 'target',
    });
    expect(guessColumns(tableOf(['premise', 'hypothesis', 'gold'], [['p', 'h', 'entailment'], ['p', 'h', 'neutral']]))).toEqual({
      text: 'premise',
      textPair: 'hypothesis',
      label: 'gold',
    });
  });

  it('reads a pair of text columns with no third column as text and label', () => {
    expect(guessColumns(tableOf(['sentence1', 'sentence2'], [['a long sentence', 'b']]))).toEqual({
      text: 'sentence1',
      label: 'sentence2',
    });
  });

  it('falls back to the longest values for the text and the fewest distinct values for the label', () => {
    const table = tableOf(
      ['id', 'kind', 'constant', 'words'],
      [
        ['1', 'pos', 'x', 'a fairly long piece of text'],
        ['2', 'neg', 'x', 'another long piece of text'],
        ['3', 'pos', 'x', 'and one more piece of text'],
      ],
    );
    expect(guessColumns(table)).toEqual({ text: 'words', label: 'kind' });
  });

  it('completes a half-recognised mapping from content', () => {
    const rows = [
      ['1', 'long text here', 'a'],
      ['2', 'more long text', 'b'],
      ['3', 'even more text', 'a'],
    ];
    expect(guessColumns(tableOf(['n', 'body', 'label'], rows))).toEqual({ text: 'body', label: 'label' });
    expect(guessColumns(tableOf(['n', 'text', 'y'], rows))).toEqual({ text: 'text', label: 'y' });
  });

  it('needs at least two columns', () => {
    expect(() => guessColumns(tableOf(['text'], [['a']]))).toThrow(
      expect.objectContaining({
        name: 'DatasetError',
        message: 'train.csv: a dataset needs at least two columns, one with the text and one with the label, but this file has only "text".',
      }),
    );
  });
});

describe('requireColumns', () => {
  const table = tableOf(['review', 'stars'], [['good', '5']]);

  it('accepts a mapping whose columns exist', () => {
    expect(() => requireColumns(table, { text: 'review', label: 'stars' })).not.toThrow();
  });

  it('lists the existing columns when one is missing', () => {
    expect(() => requireColumns(table, { text: 'text', label: 'stars' })).toThrow(
      expect.objectContaining({
        name: 'DatasetError',
        column: 'text',
        message:
          'train.csv: there is no column named "text" (chosen for the text). The columns in this file are: "review", "stars".',
      }),
    );
    expect(() => requireColumns(table, { text: 'review', textPair: 'other', label: 'label' })).toThrow(
      expect.objectContaining({
        message: expect.stringContaining(
          'no column named "other" (chosen for the second text) and no column named "label" (chosen for the label)',
        ),
      }),
    );
  });

  it('rejects one column used for two roles', () => {
    expect(() => requireColumns(table, { text: 'review', label: 'review' })).toThrow(
      expect.objectContaining({
        column: 'review',
        message: expect.stringContaining('"review" was chosen for both the text and the label'),
      }),
    );
  });
});

describe('checkColumnRoles', () => {
  const reviews = ['A moving and funny film', 'Dull and far too long', 'Lovely acting throughout', 'The plot made no sense'];
  const tableOf = (columns: string[], rows: string[][]): Table => ({
    fileName: 'train.csv',
    columns,
    rows: rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i]!]))),
    lines: rows.map((_, i) => i + 2),
  });

  it('suggests the swap when the label column holds texts and the text column labels', () => {
    const swapped = tableOf(['text', 'label'], reviews.map((r, i) => [i % 2 ? 'neg' : 'pos', r]));
    const error = (() => {
      try {
        checkColumnRoles(swapped, { text: 'text', label: 'label' });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(ColumnRoleError);
    expect((error as ColumnRoleError).suggestion).toEqual({ text: 'label', label: 'text' });
    expect((error as Error).message).toBe(
      'train.csv: the label column "label" looks like text (4 different values in 4 rows, 23 characters on average) and the text column "text" like labels ' +
        '(2 different values in 4 rows, 3 characters on average): are they swapped? Use "label" as the text and "text" as the label.',
    );
    expect(() => checkColumnRoles(swapped, { text: 'label', label: 'text' })).not.toThrow();
  });

  it('refuses a label column where nearly every row is its own class', () => {
    const ids = tableOf(['id', 'text'], Array.from({ length: 60 }, (_, i) => [`row-${i}`, `text ${i % 3}`]));
    expect(() => checkColumnRoles(ids, { text: 'text', label: 'id' })).toThrow(
      'train.csv: the label column "id" has 60 different values in 60 rows, 6 characters on average: nearly every row would be a class of its own. ' +
        'A label column repeats a few values, such as "positive" and "negative". The columns in this file are: "id", "text".',
    );
  });
});
