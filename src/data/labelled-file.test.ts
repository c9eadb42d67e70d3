import { describe, expect, it } from 'vitest';
import { labelledFile } from './labelled-file.ts';
import { parseTable } from './parse.ts';

describe('labelledFile', () => {
  it('leaves out rows without a text, with a warning naming their lines', () => {
    const file = labelledFile(parseTable('train.csv', 'text,label\ngreat,pos\n,neg\nawful,neg\n  ,pos\n'), { text: 'text', label: 'label' }, 'training');
    expect(file.examples.map((e) => e.text)).toEqual(['great', 'awful']);
    expect(file.warnings).toEqual(['train.csv: empty text on lines 3 and 5; those rows are left out of training.']);
  });

  it('refuses a file whose every text is empty', () => {
    expect(() => labelledFile(parseTable('train.csv', 'text,label\n,pos\n,neg\n'), { text: 'text', label: 'label' }, 'training')).toThrow(
      'train.csv: every row\'s text is empty (column "text"): there is nothing to learn from. Is the text in another column?',
    );
  });
});
