import { describe, expect, it } from 'vitest';
import { detectDelimiter } from './delimiter.ts';

const rows = (separator: string, texts: readonly string[]) => ['text', 'label'].join(separator) + '\n' + texts.map((t, i) => `${t}${separator}${i % 2}`).join('\n');

describe('detectDelimiter', () => {
  it('takes the separator that splits the header and the rows alike', () => {
    expect(detectDelimiter(rows(';', ['good; really, truly', 'bad, I think']), ',').delimiter).toBe(';');
    expect(detectDelimiter(rows(',', ['"fine, fine"; yes', 'so-so; no']), ',').delimiter).toBe(',');
    expect(detectDelimiter(rows('\t', ['a, b; c', 'd|e']), ',').delimiter).toBe('\t');
    expect(detectDelimiter(rows('|', ['a, b', 'c']), ',').delimiter).toBe('|');
  });

  it('skips quoted text, even across lines', () => {
    expect(detectDelimiter('text;label\n"one, two, three\nfour, five";1\nok;0\n', ',').delimiter).toBe(';');
  });

  it('falls back for a single column, and honours an Excel sep= line, keeping line numbers', () => {
    expect(detectDelimiter('text\nhello\n', '\t')).toEqual({ delimiter: '\t', declared: false, text: 'text\nhello\n' });
    expect(detectDelimiter('sep=|\r\ntext|label\nx|1\n', ',')).toEqual({ delimiter: '|', declared: true, text: '\ntext|label\nx|1\n' });
  });
});
