import { describe, expect, it } from 'vitest';
import { completeTokenizerFiles } from './tokenizer-files.ts';
import { requireTokenizerFitsModel, unknownTokenShare } from './vocabulary-check.ts';

const special = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
const bert = { model_type: 'bert', vocab_size: 30 };
const wordPiece = (tokens: string[]) => completeTokenizerFiles({ vocabTxt: tokens.join('\n'), tokenizerConfig: { do_lower_case: true } }, bert);

describe('requireTokenizerFitsModel', () => {
  it('accepts a vocabulary that fits the embedding table', () => {
    expect(() => requireTokenizerFitsModel(wordPiece([...special, 'good', 'bad']), bert, 'models/tiny')).not.toThrow();
  });

  it('refuses an empty vocabulary, or one of special tokens only', () => {
    for (const vocab of [[''], special]) {
      expect(() => requireTokenizerFitsModel(wordPiece(vocab), bert, 'models/tiny')).toThrow(
        "models/tiny/vocab.txt holds no tokens besides the special ones: every word would be unknown to the model. The file is empty or cut short; copy it again from the model's source.",
      );
    }
  });

  it('refuses ids past vocab_size before onnxruntime meets them in a Gather', () => {
    const tokens = [...special, ...Array.from({ length: 40 }, (_, i) => `w${i}`)];
    expect(() => requireTokenizerFitsModel(wordPiece(tokens), bert, 'models/tiny')).toThrow(
      "models/tiny: the tokenizer (vocab.txt) has ids up to 44, but config.json's vocab_size is 30, so the embedding table has no row for 15 of them. " +
        'Use the tokenizer files that came with this model, or a config.json whose vocab_size is at least 45.',
    );
  });

  it('counts the share of unknown tokens among the words', () => {
    const rows = [{ inputIds: Int32Array.of(2, 1, 1, 7, 3) }, { inputIds: Int32Array.of(2, 8, 3, 0) }];
    expect(unknownTokenShare(rows, 1, new Set([0, 1, 2, 3]))).toBeCloseTo(2 / 4);
    expect(unknownTokenShare(rows, null, new Set())).toBe(0);
  });
});
