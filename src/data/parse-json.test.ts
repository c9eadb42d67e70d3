import { describe, expect, it } from 'vitest';
import { parseTable } from './parse.ts';

function datasetError(fields: Record<string, unknown>) {
  return expect.objectContaining({ name: 'DatasetError', ...fields });
}

describe('JSON', () => {
  it('reads a list of objects, converting scalars to text and filling missing values with ""', () => {
    const json = '[{"text": "good", "label": 1, "ok": true}, {"text": "bad", "label": null, "extra": 2.5}]';
    const table = parseTable('train.json', json);
    expect(table.columns).toEqual(['text', 'label', 'ok', 'extra']);
    expect(table.rows).toEqual([
      { text: 'good', label: '1', ok: 'true', extra: '' },
      { text: 'bad', label: '', ok: '', extra: '2.5' },
    ]);
  });

  it('reads the rows of a {"data": [...]} wrapper and finds the line each row starts on', () => {
    const json = [
      '\uFEFF{',
      '  "version": [1, {"data": [9]}],',
      '  "data": [',
      '    {"text": "a", "label": "x"},',
      '    {',
      '      "text": "b ] } \\" [",',
      '      "label": "y"',
      '    }, {"text": "c", "label": "z"}',
      '  ]',
      '}',
    ].join('\n');
    const table = parseTable('train.json', json);
    expect(table.rows.map((row) => row.text)).toEqual(['a', 'b ] } " [', 'c']);
    expect(table.lines).toEqual([4, 5, 8]);
  });

  it('finds row lines in a top-level list', () => {
    expect(parseTable('t.json', '[\n{"text": "a"},\n\n  {"text": "b"}]').lines).toEqual([2, 4]);
  });

  it('rejects nested objects and lists, naming the row, line and column', () => {
    const json = '[\n{"text": "a", "label": "x"},\n{"text": "b", "label": {"name": "y"}}\n]';
    expect(() => parseTable('train.json', json)).toThrow(
      datasetError({
        row: 2,
        line: 3,
        column: 'label',
        message: expect.stringMatching(/^train\.json, line 3: "label" holds an object, but each value must be text/),
      }),
    );
    expect(() => parseTable('t.json', '[{"text": "a", "labels": ["x", "y"]}]')).toThrow(
      datasetError({ row: 1, column: 'labels', message: expect.stringContaining('"labels" holds a list') }),
    );
  });

  it('rejects list items that are not objects', () => {
    expect(() => parseTable('t.json', '[{"text": "a"}, "b"]')).toThrow(
      datasetError({ row: 2, message: expect.stringContaining('expected an object like') }),
    );
  });

  it('rejects a document that is not a list of rows', () => {
    expect(() => parseTable('t.json', '{"rows": []}')).toThrow(
      datasetError({ message: expect.stringContaining('but the file holds an object without a "data" list') }),
    );
    expect(() => parseTable('t.json', '"text"')).toThrow(datasetError({ message: expect.stringContaining('the file holds text') }));
  });

  it("reports invalid JSON with the parser's reason and the line", () => {
    expect(() => parseTable('t.json', '[\n{"text": "a"},\n{"text": "b",}\n]')).toThrow(
      datasetError({ line: 3, message: expect.stringMatching(/^t\.json, line 3: this is not valid JSON \(.+\)/) }),
    );
  });

  it('says "no data rows" for an empty list', () => {
    expect(() => parseTable('t.json', '[]')).toThrow(datasetError({ message: 't.json: no data rows. The file needs at least one row of data.' }));
    expect(() => parseTable('t.json', '{"data": [ ]}')).toThrow(datasetError({ message: expect.stringContaining('no data rows') }));
  });
});

describe('JSON Lines', () => {
  it('reads one object per line, skipping blank lines and accepting CRLF', () => {
    const table = parseTable('train.jsonl', '{"text": "a", "label": 0}\r\n\r\n{"text": "b", "label": 1}\r\n');
    expect(table.rows).toEqual([
      { text: 'a', label: '0' },
      { text: 'b', label: '1' },
    ]);
    expect(table.lines).toEqual([1, 3]);
  });

  it("names a bad line with the parser's reason", () => {
    const jsonl = '{"text": "a", "label": 0}\n\n{"text": "b" "label": 1}\n';
    expect(() => parseTable('train.ndjson', jsonl)).toThrow(
      datasetError({
        line: 3,
        message: expect.stringMatching(/^train\.ndjson, line 3: this line is not valid JSON \(.+, at character 14\)\. Each line must hold one complete object/),
      }),
    );
  });

  it('rejects a line that is not an object, and nested values', () => {
    expect(() => parseTable('t.jsonl', '{"text": "a"}\n[1, 2]')).toThrow(
      datasetError({ line: 2, row: 2, message: expect.stringContaining('but found a list') }),
    );
    expect(() => parseTable('t.jsonl', '{"text": {"en": "a"}}')).toThrow(datasetError({ line: 1, column: 'text' }));
  });

  it('is recognised in .json files and files without a known extension', () => {
    const jsonl = '{"text": "a", "label": "x"}\n{"text": "b", "label": "y"}\n';
    expect(parseTable('train.json', jsonl).rows).toHaveLength(2);
    expect(parseTable('train', jsonl).rows).toHaveLength(2);
    expect(parseTable('train', '\n [{"text": "a"}]').rows).toEqual([{ text: 'a' }]);
  });

  it('does not mistake a one-line {"data": [...]} document followed by a blank line for JSON Lines', () => {
    expect(parseTable('t.json', '{"data": [{"text": "a"}]}\n\n').rows).toEqual([{ text: 'a' }]);
  });
});
