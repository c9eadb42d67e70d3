import { describe, expect, it } from 'vitest';
import { parseText } from './parse.ts';
import { taggedFile } from './tagged-file.ts';

describe('taggedFile', () => {
  it('makes one example per sentence from CoNLL and JSON Lines alike', () => {
    const conll = taggedFile(parseText('ner.conll', 'Ada B-PER\nwrote O\n\nParis B-LOC\n').table, 'training');
    expect(conll.examples).toEqual([
      { text: 'Ada wrote', label: 'B-PER O' },
      { text: 'Paris', label: 'B-LOC' },
    ]);
    const jsonl = taggedFile(parseText('ner.jsonl', '{"tokens": ["Ada"], "ner_tags": ["B-PER"]}\n{"tokens": [], "ner_tags": []}\n').table, 'training');
    expect(jsonl.examples).toEqual([{ text: '["Ada"]', label: '["B-PER"]' }]);
    expect(jsonl.warnings).toEqual(['ner.jsonl: empty text on line 2; that row is left out of training.']);
  });

  it('refuses a table without tagged sentences, a sentence with too few tags and training data without entities', () => {
    expect(() => taggedFile(parseText('reviews.csv', 'text,label\ngood,pos\n').table, 'training')).toThrow('reviews.csv: holds no tagged sentences (its columns are "text", "label").');
    const table = { fileName: 'ner.parquet', columns: ['tokens', 'ner_tags'], rows: [{ tokens: '["Ada", "wrote"]', ner_tags: '["B-PER"]' }], lines: [] };
    expect(() => taggedFile(table, 'training')).toThrow('ner.parquet, row 1: has 2 words but 1 tag; each word needs exactly one tag.');
    const plain = parseText('ner.jsonl', '{"tokens": ["Ada"], "ner_tags": ["O"]}\n').table;
    expect(() => taggedFile(plain, 'training')).toThrow('ner.jsonl: every word is tagged O: there is no entity to learn.');
    expect(taggedFile(plain, 'validation').examples).toHaveLength(1);
  });
});
