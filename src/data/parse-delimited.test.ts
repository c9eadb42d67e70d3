import { describe, expect, it } from 'vitest';
import { parseTable } from './parse.ts';

function datasetError(fields: Record<string, unknown>) {
  return expect.objectContaining({ name: 'DatasetError', ...fields });
}

describe('CSV', () => {
  it('reads a header and rows with their source lines', () => {
    const table = parseTable('train.csv', 'text,label\ngreat film,1\nawful,0\n');
    expect(table).toEqual({
      fileName: 'train.csv',
      columns: ['text', 'label'],
      rows: [
        { text: 'great film', label: '1' },
        { text: 'awful', label: '0' },
      ],
      lines: [2, 3],
    });
  });

  it('reads quoted fields with commas, doubled quotes and line breaks, counting lines across them', () => {
    const csv = 'text,label\n"one, two",a\n"she said ""hi""",b\n"first line\nsecond line",c\nlast,d';
    const table = parseTable('train.csv', csv);
    expect(table.rows.map((row) => row.text)).toEqual(['one, two', 'she said "hi"', 'first line\nsecond line', 'last']);
    expect(table.lines).toEqual([2, 3, 4, 6]);
  });

  it('accepts empty and empty-quoted fields', () => {
    expect(parseTable('t.csv', 'text,label\n,\n"",""').rows).toEqual([
      { text: '', label: '' },
      { text: '', label: '' },
    ]);
  });

  it('handles CRLF and lone CR line endings, keeping line breaks inside quotes as written', () => {
    const table = parseTable('t.csv', 'text,label\r\n"a\r\nb",x\r\nc,y\r\n');
    expect(table.rows).toEqual([
      { text: 'a\r\nb', label: 'x' },
      { text: 'c', label: 'y' },
    ]);
    expect(table.lines).toEqual([2, 4]);
    expect(parseTable('t.csv', 'text,label\ra,x\rb,y').lines).toEqual([2, 3]);
  });

  it('ignores a UTF-8 byte order mark', () => {
    expect(parseTable('t.csv', '\uFEFFtext,label\na,b').columns).toEqual(['text', 'label']);
  });

  it('skips blank lines but keeps counting them', () => {
    const table = parseTable('t.csv', '\ntext,label\n\na,x\n\n\nb,y\n\n');
    expect(table.rows).toHaveLength(2);
    expect(table.lines).toEqual([4, 7]);
  });

  it('trims spaces around header names but not around values', () => {
    const table = parseTable('t.csv', 'text , label\n a ,x');
    expect(table.columns).toEqual(['text', 'label']);
    expect(table.rows[0]).toEqual({ text: ' a ', label: 'x' });
  });

  it('treats any header name as an ordinary column, even "__proto__"', () => {
    const row = parseTable('t.csv', '__proto__,label\na,b').rows[0];
    expect(Object.keys(row)).toEqual(['__proto__', 'label']);
    expect(row['__proto__']).toBe('a');
  });

  it('keeps quotes that appear inside an unquoted field', () => {
    expect(parseTable('t.csv', 'text,label\nhe said "hi",x').rows[0].text).toBe('he said "hi"');
  });

  it('reports a row with too many fields, naming the line', () => {
    const csv = 'text,label\nfine,1\nnot, fine,0\n';
    expect(() => parseTable('train.csv', csv)).toThrow(
      datasetError({
        line: 3,
        message:
          'train.csv, line 3: expected 2 fields (text, label) but found 3. Is there an unquoted comma in the text?',
      }),
    );
  });

  it('reports a row with too few fields with a hint about line breaks', () => {
    expect(() => parseTable('train.csv', 'text,label\nhalf a\nline,1')).toThrow(
      datasetError({ line: 2, message: expect.stringContaining('but found 1. Is a value missing') }),
    );
  });

  it('reports an unterminated quote at the line where it started', () => {
    const csv = 'text,label\na,1\n"never closed,1\nb,0\nc,0\n';
    expect(() => parseTable('train.csv', csv)).toThrow(
      datasetError({ line: 3, message: expect.stringMatching(/^train\.csv, line 3: .*closing quote .* is missing/) }),
    );
  });

  it('reports text after a closing quote, saying where a multi-line field seems to end', () => {
    expect(() => parseTable('t.csv', 'text,label\n"a" b,1')).toThrow(
      datasetError({
        line: 2,
        message: expect.stringContaining(`the quoted text "a" is followed by ' b,1' instead of a comma`),
      }),
    );
    expect(() => parseTable('t.csv', 'text,label\n"opened,1\nx,0\n"y" z,1')).toThrow(
      datasetError({
        line: 2,
        message: expect.stringContaining(`"opened,1" starts on this line and seems to end on line 4, followed by 'y" z,1'`),
      }),
    );
  });

  it('rejects duplicate and empty header names', () => {
    expect(() => parseTable('t.csv', 'text,label,text\na,b,c')).toThrow(
      datasetError({ line: 1, column: 'text', message: expect.stringContaining('two columns named "text" (columns 1 and 3)') }),
    );
    expect(() => parseTable('t.csv', 'text,,label\na,b,c')).toThrow(
      datasetError({ line: 1, message: expect.stringContaining('column 2 of the header row has no name') }),
    );
  });

  it('says "no data rows" for an empty file and for a header without rows', () => {
    for (const content of ['', ' \n\n', '\uFEFF', 'text,label', 'text,label\n\n']) {
      expect(() => parseTable('t.csv', content)).toThrow(datasetError({ message: expect.stringContaining('no data rows') }));
    }
  });
});

describe('TSV', () => {
  it('splits on tabs, keeping commas and stray quotes as text', () => {
    const table = parseTable('train.tsv', 'text\tlabel\none, two\t1\n"Great" film\t1\n5" screen\t0');
    expect(table.rows.map((row) => row.text)).toEqual(['one, two', '"Great" film', '5" screen']);
  });

  it('accepts well-formed quoted fields, including tabs and line breaks inside them', () => {
    const table = parseTable('train.tsv', 'text\tlabel\n"a\tb ""c"""\t1\n"multi\nline"\t0\nnext\t1');
    expect(table.rows.map((row) => row.text)).toEqual(['a\tb "c"', 'multi\nline', 'next']);
    expect(table.lines).toEqual([2, 3, 5]);
  });

  it('reads a field with an opening quote but no closing quote literally', () => {
    expect(parseTable('t.tsv', 'text\tlabel\n"unclosed\t1\nb\t0').rows).toEqual([
      { text: '"unclosed', label: '1' },
      { text: 'b', label: '0' },
    ]);
  });

  it('reports a row with an extra tab', () => {
    expect(() => parseTable('t.tsv', 'text\tlabel\na\tb\tc')).toThrow(
      datasetError({ line: 2, message: expect.stringContaining('found 3. Is there a tab character inside the text?') }),
    );
  });
});

describe('format detection for delimited text', () => {
  it('sniffs tab or comma in .txt files', () => {
    expect(parseTable('data.txt', 'text\tlabel\na, b\tx').rows[0]).toEqual({ text: 'a, b', label: 'x' });
    expect(parseTable('data.txt', 'text,label\na\tb,x').rows[0]).toEqual({ text: 'a\tb', label: 'x' });
  });

  it('sniffs files with unknown or no extension, and ignores the case of the extension', () => {
    expect(parseTable('data', 'text\tlabel\na\tx').columns).toEqual(['text', 'label']);
    expect(parseTable('dir.v2/data.dat', 'text,label\na,x').columns).toEqual(['text', 'label']);
    expect(parseTable('DATA.TSV', 'text\tlabel\na,b\tx').rows[0].text).toBe('a,b');
  });
});
