import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseText } from './parse.ts';
import { classificationTable, readDataset } from './read-dataset.ts';
import { decodeTaggedCell, taggedColumnsOf } from './tagged-cells.ts';
import { looksLikeTaggedJsonLines, parseTaggedJsonLines, UnnamedTagIdsError } from './tagged-jsonl.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const wnut17 = path.resolve(here, '../../../shared/data/wnut17');
const hasWnut = existsSync(path.join(wnut17, 'train.jsonl'));

const named = '{"id": "0", "tokens": ["EU", "rejects", "New York"], "ner_tags": ["B-ORG", "O", "B-LOC"], "pos_tags": [22, 42, 16]}\n\n{"id": "1", "tokens": ["Peter"], "ner_tags": ["B-PER"]}\n';

describe('tagged JSON Lines', () => {
  it('reads one row per sentence with its words and tags as lists, keeping scalar columns and the line', () => {
    const table = parseTaggedJsonLines('train.jsonl', named);
    expect(table.columns).toEqual(['tokens', 'ner_tags', 'id']);
    expect(table.rows[0]).toEqual({ tokens: '["EU","rejects","New York"]', ner_tags: '["B-ORG","O","B-LOC"]', id: '0' });
    expect(table.lines).toEqual([1, 3]);
    expect(decodeTaggedCell(table.rows[0]!.tokens!, { file: 'x' })).toEqual(['EU', 'rejects', 'New York']);
    expect(taggedColumnsOf(table)).toEqual({ words: 'tokens', tags: 'ner_tags' });
  });

  it('names tag ids from the tag list, and asks for the list when it is missing', () => {
    const ids = '{"tokens": ["EU", "rejects"], "ner_tags": [3, 0]}\n';
    expect(parseTaggedJsonLines('ids.jsonl', ids, { tagNames: ['O', 'B-PER', 'I-PER', 'B-ORG'] }).rows[0]!.ner_tags).toBe('["B-ORG","O"]');
    expect(() => parseTaggedJsonLines('ids.jsonl', ids)).toThrow(
      'ids.jsonl, line 1: "ner_tags" holds tag ids (3 for word 1) but no tag list was given to name them. Give the tag names in id order (the dataset\'s ClassLabel names, such as O,B-PER,I-PER), or write the tags as names.',
    );
    // Each front end says where it takes the list.
    let unnamed: unknown = null;
    try {
      parseTaggedJsonLines('ids.jsonl', ids);
    } catch (error) {
      unnamed = error;
    }
    expect(unnamed).toBeInstanceOf(UnnamedTagIdsError);
    expect((unnamed as UnnamedTagIdsError).withTagNamesAt('with --tag-names').message).toBe(
      'ids.jsonl, line 1: "ner_tags" holds tag ids (3 for word 1) but no tag list was given to name them. Give the tag names in id order with --tag-names (the dataset\'s ClassLabel names, such as O,B-PER,I-PER), or write the tags as names.',
    );
    expect(() => parseTaggedJsonLines('ids.jsonl', ids, { tagNames: ['O', 'B-PER'] })).toThrow(
      'ids.jsonl, line 1: tag id 3 (word 1) is not in the tag list, which names ids 0 to 1.',
    );
  });

  it('says which line, and what was expected, for a malformed sentence', () => {
    const ok = '{"tokens": ["a"], "ner_tags": ["O"]}\n';
    expect(() => parseTaggedJsonLines('t.jsonl', `${ok}{"tokens": ["a", "b"], "ner_tags": ["O"]}\n`)).toThrow(
      't.jsonl, line 2: has 2 words in "tokens" but 1 tag in "ner_tags"; each word needs exactly one tag.',
    );
    expect(() => parseTaggedJsonLines('t.jsonl', `${ok}{"tokens": ["a"]}\n`)).toThrow('t.jsonl, line 2: has no "ner_tags" list.');
    expect(() => parseTaggedJsonLines('t.jsonl', `${ok}{"tokens": ["a", ""], "ner_tags": ["O", "O"]}\n`)).toThrow(
      't.jsonl, line 2: word 2 of "tokens" is ""; each word must be non-empty text.',
    );
    expect(() => parseTaggedJsonLines('t.jsonl', `${ok}{"tokens": ["a"], "ner_tags": ["B PER"]}\n`)).toThrow(
      't.jsonl, line 2: tag 1 of "ner_tags" is "B PER"; a tag is a name without spaces',
    );
    expect(() => parseTaggedJsonLines('t.jsonl', `${ok}{"tokens": ["a"], "ner_tags": ["O"]\n`)).toThrow('t.jsonl, line 2: this line is not valid JSON');
    expect(() => parseTaggedJsonLines('t.jsonl', `${ok}{"text": "a"}\n`)).toThrow('t.jsonl, line 2: has no "tokens" list.');
  });

  it('is what parseText and readDataset make of such a file, under .json and .jsonl, and a classifier refuses it', async () => {
    expect(looksLikeTaggedJsonLines(named)).toBe(true);
    expect(looksLikeTaggedJsonLines('{"text": "a", "label": "b"}\n')).toBe(false);
    expect(parseText('train.json', named).format).toEqual({ kind: 'tagged-jsonl' });
    const read = await readDataset('train.jsonl', new TextEncoder().encode(named));
    expect(read.readAs).toBe('JSON Lines of tagged sentences (words and a tag per word)');
    expect(() => classificationTable(read)).toThrow('train.jsonl: is JSON Lines of tagged sentences');
    expect(parseText('plain.jsonl', '{"text": "a", "label": "b"}\n').format).toEqual({ kind: 'jsonl' });
  });

  it.skipIf(!hasWnut)(`reads the shared WNUT-17 files${hasWnut ? '' : ' (skipped: ../shared/data/wnut17 is absent)'}`, () => {
    const table = parseText('train.jsonl', readFileSync(path.join(wnut17, 'train.jsonl'), 'utf8')).table;
    expect(table.rows).toHaveLength(3394);
    const words = table.rows.reduce((n, row) => n + decodeTaggedCell(row.tokens!, { file: 'train.jsonl' }).length, 0);
    expect(words).toBe(62730);
  });
});

describe('tagged cells', () => {
  it('reads CoNLL cells by spaces and JSON lists as lists, and names a broken list', () => {
    expect(decodeTaggedCell('EU rejects  German', { file: 'a' })).toEqual(['EU', 'rejects', 'German']);
    expect(decodeTaggedCell('[0, 3]', { file: 'a' })).toEqual(['0', '3']);
    expect(() => decodeTaggedCell('["EU", ', { file: 'a.parquet', row: 4 })).toThrow('a.parquet, row 4: expected a list like ["EU", "rejects"]');
    expect(taggedColumnsOf({ columns: ['tokens', 'tags'] })).toEqual({ words: 'tokens', tags: 'tags' });
    expect(taggedColumnsOf({ columns: ['text', 'label'] })).toBeNull();
  });
});
