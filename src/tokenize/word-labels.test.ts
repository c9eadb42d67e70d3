import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { completeTokenizerFiles } from './tokenizer-files.ts';
import { createTokenizer, type TextTokenizer } from './tokenizer.ts';
import { alignWordLabels, firstTokenOfWords, IGNORED_LABEL } from './word-labels.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const shared = path.resolve(here, '../../../shared');
const hasShared = existsSync(path.join(shared, 'tokenizers/bert-base-uncased')) && existsSync(path.join(shared, 'tokenizers/roberta-base'));
const skipReason = hasShared ? '' : ` (skipped: ${shared}/tokenizers does not exist)`;

interface WordCase {
  words: string[];
  maxLength: number;
  ids: number[];
  wordIds: (number | null)[];
}
/** Outputs of Hugging Face's Rust tokenizers for pre-split words; see fixtures/generate-hf-reference.mjs. */
const reference = JSON.parse(readFileSync(path.join(here, 'fixtures/hf-word-reference.json'), 'utf8')) as { bert: WordCase[]; roberta: WordCase[] };

const X = IGNORED_LABEL;

describe('word labels on word pieces', () => {
  it('gives the first token of each word its label and -100 to the rest and to special tokens', () => {
    // [CLS] @ paul ##walk lives [SEP], words "@paulwalk" (B-PER = 1) and "lives" (O = 0)
    expect(Array.from(alignWordLabels([null, 0, 0, 0, 1, null], [1, 0]))).toEqual([X, 1, X, X, 0, X]);
    expect(Array.from(alignWordLabels([null, null], [3]))).toEqual([X, X]);
  });

  it('finds each word’s first token, null for a word truncation cut', () => {
    expect(firstTokenOfWords([null, 0, 0, 1, 2, 2, null], 4)).toEqual([1, 3, 4, null]);
  });

  it('refuses word ids past the labels given', () => {
    expect(() => alignWordLabels([null, 0, 1, null], [0])).toThrow('token 2 belongs to word 1, but only 1 word labels were given');
  });
});

describe.skipIf(!hasShared)(`encodeWords as tokenizers with is_split_into_words${skipReason}`, () => {
  let bert: TextTokenizer;
  let roberta: TextTokenizer;
  beforeAll(async () => {
    const read = (file: string) => readFileSync(path.join(shared, 'tokenizers', file), 'utf8');
    const tokenizerJson = JSON.parse(read('bert-base-uncased/tokenizer.json')) as Record<string, unknown>;
    bert = await createTokenizer(completeTokenizerFiles({ tokenizerJson }, { model_type: 'bert', max_position_embeddings: 512 }));
    const vocabJson = JSON.parse(read('roberta-base/vocab.json')) as Record<string, number>;
    roberta = await createTokenizer(completeTokenizerFiles({ vocabJson, mergesTxt: read('roberta-base/merges.txt') }, { model_type: 'roberta', max_position_embeddings: 514 }));
  });

  it.each(['bert', 'roberta'] as const)('%s: ids and word ids of WNUT-17 sentences and edge cases, whole and truncated', (name) => {
    const tokenizer = name === 'bert' ? bert : roberta;
    const mismatches = reference[name].filter((c) => {
      const encoded = tokenizer.encodeWords(c.words, c.maxLength);
      return JSON.stringify([Array.from(encoded.inputIds), encoded.wordIds]) !== JSON.stringify([c.ids, c.wordIds]);
    });
    expect(reference[name].length).toBeGreaterThan(300);
    expect(mismatches.map((c) => c.words.join(' '))).toEqual([]);
  });

  it('counts the untruncated length and gives BERT segment ids', () => {
    const encoded = bert.encodeWords(['@paulwalk', 'lives', 'here'], 4);
    expect(encoded.untruncatedLength).toBe(7);
    expect(encoded.wordIds).toEqual([null, 0, 0, null]);
    expect(Array.from(encoded.tokenTypeIds!)).toEqual([0, 0, 0, 0]);
    expect(roberta.encodeWords(['Hello'], 8).tokenTypeIds).toBeNull();
  });
});
