import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { completeTokenizerFiles } from './tokenizer-files.ts';
import { createTokenizer, longestFirstLengths, type TextTokenizer } from './tokenizer.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const shared = path.resolve(here, '../../../shared');
const hasShared = existsSync(path.join(shared, 'tokenizers')) && existsSync(path.join(shared, 'data/sst2/train.csv'));
const skipReason = hasShared ? '' : ` (skipped: ${shared}/tokenizers or data/sst2 does not exist)`;

interface ReferenceCase {
  text: string;
  pair?: string;
  maxLength: number;
  ids: number[];
  typeIds: number[];
}
/** Outputs of Hugging Face's Rust tokenizers; see fixtures/generate-hf-reference.mjs. */
const reference = JSON.parse(readFileSync(path.join(here, 'fixtures/hf-reference.json'), 'utf8')) as {
  bert: ReferenceCase[];
  roberta: ReferenceCase[];
};

function readShared(file: string): string {
  return readFileSync(path.join(shared, file), 'utf8');
}

/** The shared CSVs are RFC 4180 with one record per line: a quoted or plain text, then the label. */
function sst2Texts(count: number): string[] {
  return readShared('data/sst2/train.csv')
    .split('\n')
    .slice(1, count + 1)
    .map((line) => {
      const text = line.slice(0, line.lastIndexOf(','));
      return text.startsWith('"') ? text.slice(1, -1).replaceAll('""', '"') : text;
    });
}

const BERT_CONFIG = { model_type: 'bert', max_position_embeddings: 512 };
const CLS = 101;
const SEP = 102;

function ids(encoded: { inputIds: Int32Array }): number[] {
  return Array.from(encoded.inputIds);
}

describe.skipIf(!hasShared)(`createTokenizer on the shared tokenizers${skipReason}`, () => {
  let bertFromJson: TextTokenizer;
  let bertFromVocab: TextTokenizer;
  let roberta: TextTokenizer;

  beforeAll(async () => {
    const tokenizerJson = JSON.parse(readShared('tokenizers/bert-base-uncased/tokenizer.json')) as Record<string, unknown>;
    bertFromJson = await createTokenizer(completeTokenizerFiles({ tokenizerJson }, BERT_CONFIG));
    const vocabTxt = readShared('tokenizers/bert-base-uncased/vocab.txt');
    bertFromVocab = await createTokenizer(completeTokenizerFiles({ vocabTxt }, BERT_CONFIG));
    const vocabJson = JSON.parse(readShared('tokenizers/roberta-base/vocab.json')) as Record<string, number>;
    const mergesTxt = readShared('tokenizers/roberta-base/merges.txt');
    roberta = await createTokenizer(
      completeTokenizerFiles({ vocabJson, mergesTxt }, { model_type: 'roberta', max_position_embeddings: 514 }),
    );
  });

  it('encodes the example of the bert-base-uncased documentation from tokenizer.json and from vocab.txt', () => {
    const expected = [CLS, 7592, 1010, 2026, 3899, 2003, 10140, SEP];
    expect(ids(bertFromJson.encode('Hello, my dog is cute', undefined, 512))).toEqual(expected);
    expect(ids(bertFromVocab.encode('Hello, my dog is cute', undefined, 512))).toEqual(expected);
    expect(bertFromVocab.tokenize('Hello, my dog is cute')).toEqual(['hello', ',', 'my', 'dog', 'is', 'cute']);
  });

  it('gives the same ids from tokenizer.json and from vocab.txt on 200 SST-2 rows', () => {
    for (const text of sst2Texts(200)) {
      const fromJson = bertFromJson.encode(text, undefined, 512);
      const fromVocab = bertFromVocab.encode(text, undefined, 512);
      expect(ids(fromVocab), text).toEqual(ids(fromJson));
      expect(Array.from(fromVocab.tokenTypeIds ?? [])).toEqual(Array.from(fromJson.tokenTypeIds ?? []));
    }
  });

  it('matches Hugging Face tokenizers on BERT singles, pairs and truncation', () => {
    for (const tokenizer of [bertFromJson, bertFromVocab]) {
      for (const { text, pair, maxLength, ids: expectedIds, typeIds } of reference.bert) {
        const encoded = tokenizer.encode(text, pair, maxLength);
        expect(ids(encoded), `${text} | ${pair} @${maxLength}`).toEqual(expectedIds);
        expect(Array.from(encoded.tokenTypeIds ?? [])).toEqual(typeIds);
      }
    }
  });

  it('matches Hugging Face tokenizers on RoBERTa singles, pairs and truncation', () => {
    for (const { text, pair, maxLength, ids: expectedIds } of reference.roberta) {
      const encoded = roberta.encode(text, pair, maxLength);
      expect(ids(encoded), `${text} | ${pair} @${maxLength}`).toEqual(expectedIds);
      expect(encoded.tokenTypeIds).toBeNull();
    }
  });

  it('gives pairs segment ids 0 up to the first [SEP] and 1 after it', () => {
    const encoded = bertFromVocab.encode('Hello, my dog is cute', 'my cat is too', 512);
    expect(ids(encoded)).toEqual([CLS, 7592, 1010, 2026, 3899, 2003, 10140, SEP, 2026, 4937, 2003, 2205, SEP]);
    expect(Array.from(encoded.tokenTypeIds ?? [])).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
  });

  it('truncates before adding special tokens, so [SEP] stays last', () => {
    const single = bertFromVocab.encode('Hello, my dog is cute', undefined, 5);
    expect(ids(single)).toEqual([CLS, 7592, 1010, 2026, SEP]);
    expect(single.untruncatedLength).toBe(8);

    const pair = bertFromVocab.encode('Hello, my dog is cute', 'my cat is too', 9);
    // longest_first with 6 tokens of budget: keeping the 4-token pair whole would leave the longer text fewer, so both get 3.
    expect(ids(pair)).toEqual([CLS, 7592, 1010, 2026, SEP, 2026, 4937, 2003, SEP]);
    expect(Array.from(pair.tokenTypeIds ?? [])).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1]);
    expect(pair.untruncatedLength).toBe(13);
  });

  it('gives the odd leftover token to the sequence that tokenizers stopped tokenizing later', () => {
    // 19 and 15 tokens; tokenizers stops them word by word at 13 (the word "une ##nte ##rta ##ining" straddles
    // 12) and 12 tokens, so the first counts as the longer one and keeps 5 of the 9 tokens left.
    const encoded = bertFromVocab.encode(
      'it is supremely unfunny and unentertaining to watch middle-age and',
      'a lively and engaging examination of how similar obsessions can dominate a family .',
      12,
    );
    expect(ids(encoded)).toEqual([CLS, 2009, 2003, 4259, 2135, 4895, SEP, 1037, 17133, 1998, 11973, SEP]);
  });

  it('keeps the leading-space distinction of byte-level BPE as roberta-base does', () => {
    expect(ids(roberta.encode('Hello world', undefined, 512))).toEqual([0, 31414, 232, 2]);
    expect(ids(roberta.encode(' Hello', undefined, 512))).toEqual([0, 20920, 2]);
    expect(ids(roberta.encode('Hello', undefined, 512))).toEqual([0, 31414, 2]);
    expect(roberta.tokenize(' Hello world')).toEqual(['ĠHello', 'Ġworld']);
  });

  it('reports the pad token and the model length', () => {
    expect([bertFromVocab.padTokenId, bertFromVocab.maxLength]).toEqual([0, 512]);
    expect([roberta.padTokenId, roberta.maxLength]).toEqual([1, 512]);
  });

  it('rejects a maxLength that leaves no room for the special tokens', () => {
    expect(() => bertFromVocab.encode('hello', 'world', 2)).toThrow(/at least 3/);
    expect(() => bertFromVocab.encode('hello', undefined, 12.5)).toThrow(/integer/);
  });
});

describe('createTokenizer token type ids by tokenizer class', () => {
  const vocabTxt = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'hello', 'world'].join('\n');

  it('returns them for BERT, and not for DistilBERT nor an unknown class, like their Python tokenizers', async () => {
    const typeIdsFor = async (modelType: string, tokenizerClass?: string) => {
      const files = completeTokenizerFiles(
        { vocabTxt, ...(tokenizerClass === undefined ? {} : { tokenizerConfig: { tokenizer_class: tokenizerClass } }) },
        { model_type: modelType },
      );
      return (await createTokenizer(files)).encode('hello', 'world', 16).tokenTypeIds;
    };
    expect(Array.from((await typeIdsFor('bert')) ?? [])).toEqual([0, 0, 0, 1, 1]);
    expect(await typeIdsFor('distilbert')).toBeNull();
    expect(await typeIdsFor('bert', 'SomeOtherTokenizerFast')).toBeNull();
  });
});

describe('longestFirstLengths', () => {
  // Expectations checked against tokenizers 0.23.2 on bert-base-uncased with one-token words.
  it('keeps the shorter sequence whole when the longer can keep as many, else splits the budget', () => {
    expect(longestFirstLengths(5, 4, 9)).toEqual([5, 4]);
    expect(longestFirstLengths(20, 0, 7)).toEqual([7, 0]);
    expect(longestFirstLengths(3, 20, 10)).toEqual([3, 7]);
    expect(longestFirstLengths(20, 3, 10)).toEqual([7, 3]);
    expect(longestFirstLengths(10, 10, 15)).toEqual([7, 8]);
    expect(longestFirstLengths(11, 10, 9)).toEqual([5, 4]);
    expect(longestFirstLengths(30, 2, 3)).toEqual([2, 1]);
  });
});
