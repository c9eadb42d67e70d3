import { beforeAll, describe, expect, it } from 'vitest';
import { singleLabel } from '../engine/tasks/single-label.ts';
import { tokenClassification } from '../engine/tasks/token-classification.ts';
import { defaultLabelOptions } from '../engine/tasks/task.ts';
import { tokenizeExamples } from './tokenize-examples.ts';
import { completeTokenizerFiles } from './tokenizer-files.ts';
import { createTokenizer, type TextTokenizer } from './tokenizer.ts';

const encoding = (labels: string[]) => ({ task: singleLabel, labels, options: defaultLabelOptions, file: null });

// ids: [PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, [MASK] 4, good 5, bad 6, movie 7, plot 8
const VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'good', 'bad', 'movie', 'plot'].join('\n');

describe('tokenizeExamples', () => {
  let tokenizer: TextTokenizer;

  beforeAll(async () => {
    tokenizer = await createTokenizer(completeTokenizerFiles({ vocabTxt: VOCAB }, { model_type: 'bert' }));
  });

  it('encodes each example with its label index, counting truncations and untruncated lengths', () => {
    const result = tokenizeExamples(
      tokenizer,
      [
        { text: 'Good movie', label: 'pos' },
        { text: 'bad bad bad plot', label: 'neg' },
        { text: 'good', textPair: 'bad plot', label: 'neg' },
      ],
      encoding(['neg', 'pos']),
      5,
    );
    expect(result.rows.map((row) => [Array.from(row.inputIds), Array.from(row.target)])).toEqual([
      [[2, 5, 7, 3], [1]],
      [[2, 6, 6, 6, 3], [0]],
      [[2, 5, 3, 6, 3], [0]],
    ]);
    expect(Array.from(result.rows[2].tokenTypeIds ?? [])).toEqual([0, 0, 0, 1, 1]);
    expect(Array.from(result.lengths)).toEqual([4, 6, 6]);
    expect(result.truncated).toBe(2);
  });

  it('names the unknown label and its row', () => {
    expect(() =>
      tokenizeExamples(tokenizer, [{ text: 'good', label: 'pos' }, { text: 'bad', label: 'negative' }], encoding(['neg', 'pos']), 8),
    ).toThrow('Row 2 has the label "negative", which is not one of the 2 labels ("neg", "pos").');
  });

  it('reports progress every 500 rows and at the end', () => {
    const examples = Array.from({ length: 1200 }, () => ({ text: 'good plot', label: 'pos' }));
    const calls: [number, number][] = [];
    tokenizeExamples(tokenizer, examples, encoding(['pos']), 8, (done, total) => calls.push([done, total]));
    expect(calls).toEqual([
      [500, 1200],
      [1000, 1200],
      [1200, 1200],
    ]);
  });
});

describe('tokenizeExamples for token classification', () => {
  it('encodes the words cell word by word and aligns the tags to first word pieces', async () => {
    // ids: [PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, [MASK] 4, ada 5, ##lace 6, love 7, wrote 8
    const vocabTxt = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'ada', '##lace', 'love', 'wrote'].join('\n');
    const wordPieces = await createTokenizer(completeTokenizerFiles({ vocabTxt }, { model_type: 'bert' }));
    const tags = ['O', 'B-PER', 'I-PER'];
    const result = tokenizeExamples(
      wordPieces,
      [
        { text: '["Ada", "Lovelace", "wrote"]', label: '["B-PER", "I-PER", "O"]' },
        { text: 'Ada wrote', label: 'B-PER O' },
      ],
      { task: tokenClassification, labels: tags, options: defaultLabelOptions, file: 'ner.jsonl' },
      5,
    );
    expect(result.rows.map((row) => [Array.from(row.inputIds), Array.from(row.target)])).toEqual([
      [[2, 5, 7, 6, 3], [-100, 1, 2, -100, -100]],
      [[2, 5, 8, 3], [-100, 1, 0, -100]],
    ]);
    expect(Array.from(result.lengths)).toEqual([6, 4]);
    expect(result.truncated).toBe(1);
  });
});
