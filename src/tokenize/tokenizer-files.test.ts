import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { completeTokenizerFiles, parseMergesTxt, parseVocabTxt } from './tokenizer-files.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const sharedTokenizers = path.resolve(repoRoot, '../shared/tokenizers');
const hasShared = existsSync(sharedTokenizers);
const skipReason = hasShared ? '' : ` (skipped: ${sharedTokenizers} does not exist)`;

function readShared(file: string): string {
  return readFileSync(path.join(sharedTokenizers, file), 'utf8');
}

const BERT_CONFIG = { model_type: 'bert', max_position_embeddings: 512 };
const TINY_VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'hello', 'world', '##s', ''].join('\n');

describe('completeTokenizerFiles from the shared bert-base-uncased files', () => {
  it.skipIf(!hasShared)(`builds from vocab.txt the tokenizer.json Hugging Face ships${skipReason}`, () => {
    const shipped = JSON.parse(readShared('bert-base-uncased/tokenizer.json')) as Record<string, unknown>;
    const built = completeTokenizerFiles({ vocabTxt: readShared('bert-base-uncased/vocab.txt') }, BERT_CONFIG);
    // The shipped file is the 2020 layout, which only lacks model.type.
    const shippedModel = shipped.model as Record<string, unknown>;
    expect(built.tokenizerJson).toEqual({ ...shipped, model: { type: 'WordPiece', ...shippedModel } });
  });

  it.skipIf(!hasShared)(`adds the missing model.type to the old tokenizer.json layout and keeps the rest${skipReason}`, () => {
    const shipped = JSON.parse(readShared('bert-base-uncased/tokenizer.json')) as Record<string, unknown>;
    const snapshot = structuredClone(shipped);
    const completed = completeTokenizerFiles({ tokenizerJson: shipped }, BERT_CONFIG);
    expect(completed.tokenizerJson.model).toEqual({ type: 'WordPiece', ...(snapshot.model as object) });
    expect({ ...completed.tokenizerJson, model: null }).toEqual({ ...snapshot, model: null });
    expect(shipped).toEqual(snapshot);
  });

  it.skipIf(!hasShared)(`writes tokenizer_config.json and special_tokens_map.json as transformers saves them${skipReason}`, () => {
    const completed = completeTokenizerFiles({ vocabTxt: readShared('bert-base-uncased/vocab.txt') }, BERT_CONFIG);
    expect(completed.tokenizerConfig).toEqual({
      clean_up_tokenization_spaces: true,
      cls_token: '[CLS]',
      do_lower_case: true,
      mask_token: '[MASK]',
      model_max_length: 512,
      pad_token: '[PAD]',
      sep_token: '[SEP]',
      strip_accents: null,
      tokenize_chinese_chars: true,
      tokenizer_class: 'BertTokenizer',
      unk_token: '[UNK]',
    });
    expect(Object.keys(completed.tokenizerConfig)).toEqual(Object.keys(completed.tokenizerConfig).sort());
    expect(completed.specialTokensMap).toEqual({
      cls_token: '[CLS]',
      mask_token: '[MASK]',
      pad_token: '[PAD]',
      sep_token: '[SEP]',
      unk_token: '[UNK]',
    });
  });
});

describe('completeTokenizerFiles from the shared roberta-base files', () => {
  it.skipIf(!hasShared)(`builds the RoBERTa tokenizer.json from vocab.json + merges.txt${skipReason}`, () => {
    const vocabJson = JSON.parse(readShared('roberta-base/vocab.json')) as Record<string, number>;
    const completed = completeTokenizerFiles(
      { vocabJson, mergesTxt: readShared('roberta-base/merges.txt') },
      { model_type: 'roberta', max_position_embeddings: 514 },
    );
    const json = completed.tokenizerJson;
    const plain = { single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
    expect(json.added_tokens).toEqual([
      { id: 0, content: '<s>', ...plain },
      { id: 1, content: '<pad>', ...plain },
      { id: 2, content: '</s>', ...plain },
      { id: 3, content: '<unk>', ...plain },
      { id: 50264, content: '<mask>', ...plain, lstrip: true },
    ]);
    expect(json.normalizer).toBeNull();
    expect(json.pre_tokenizer).toEqual({ type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true });
    expect(json.post_processor).toEqual({
      type: 'RobertaProcessing',
      sep: ['</s>', 2],
      cls: ['<s>', 0],
      trim_offsets: true,
      add_prefix_space: false,
    });
    expect(json.decoder).toEqual({ type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true });
    const model = json.model as { type: string; vocab: unknown; merges: [string, string][] };
    expect(model.type).toBe('BPE');
    expect(model.vocab).toBe(vocabJson);
    expect(model.merges).toHaveLength(50_000);
    expect(model.merges[0]).toEqual(['Ġ', 't']);

    expect(completed.tokenizerConfig).toEqual({
      add_prefix_space: false,
      bos_token: '<s>',
      clean_up_tokenization_spaces: true,
      cls_token: '<s>',
      eos_token: '</s>',
      mask_token: '<mask>',
      model_max_length: 512,
      pad_token: '<pad>',
      sep_token: '</s>',
      tokenizer_class: 'RobertaTokenizer',
      trim_offsets: true,
      unk_token: '<unk>',
    });
    // As roberta-base's own special_tokens_map.json: the mask keeps its lstrip.
    expect(completed.specialTokensMap).toEqual({
      bos_token: '<s>',
      cls_token: '<s>',
      eos_token: '</s>',
      mask_token: { content: '<mask>', lstrip: true, normalized: false, rstrip: false, single_word: false },
      pad_token: '<pad>',
      sep_token: '</s>',
      unk_token: '<unk>',
    });
  });
});

describe('completeTokenizerFiles from vocab.txt', () => {
  function lowercaseOf(files: ReturnType<typeof completeTokenizerFiles>): unknown {
    return (files.tokenizerJson.normalizer as Record<string, unknown>).lowercase;
  }

  it('takes do_lower_case from tokenizer_config.json, then from an uncased/cased checkpoint name, else true', () => {
    const explicit = completeTokenizerFiles({ vocabTxt: TINY_VOCAB, tokenizerConfig: { do_lower_case: false } }, BERT_CONFIG);
    expect(lowercaseOf(explicit)).toBe(false);
    expect(explicit.tokenizerConfig.do_lower_case).toBe(false);

    const cased = completeTokenizerFiles({ vocabTxt: TINY_VOCAB }, { ...BERT_CONFIG, _name_or_path: 'bert-base-cased' });
    expect(lowercaseOf(cased)).toBe(false);
    const uncased = completeTokenizerFiles(
      { vocabTxt: TINY_VOCAB },
      { ...BERT_CONFIG, _name_or_path: 'google/bert-base-multilingual-uncased' },
    );
    expect(lowercaseOf(uncased)).toBe(true);
    const named = completeTokenizerFiles({ vocabTxt: TINY_VOCAB, tokenizerConfig: { name_or_path: 'dbmdz/bert-base-german-cased' } }, BERT_CONFIG);
    expect(lowercaseOf(named)).toBe(false);
    expect(lowercaseOf(completeTokenizerFiles({ vocabTxt: TINY_VOCAB }, {}))).toBe(true);
  });

  it('names the tokenizer class after the model type', () => {
    const classOf = (modelType: string) =>
      completeTokenizerFiles({ vocabTxt: TINY_VOCAB }, { model_type: modelType }).tokenizerConfig.tokenizer_class;
    expect(classOf('bert')).toBe('BertTokenizer');
    expect(classOf('distilbert')).toBe('DistilBertTokenizer');
    expect(classOf('electra')).toBe('ElectraTokenizer');
    // A vocab.txt is a WordPiece vocabulary whatever the config says, and gets a class that reads it so.
    expect(classOf('roberta')).toBe('BertTokenizer');
    expect(classOf('something-else')).toBe('BertTokenizer');
  });

  it('reads special tokens from tokenizer_config.json, then special_tokens_map.json, and appends those missing from the vocabulary', () => {
    const completed = completeTokenizerFiles(
      {
        vocabTxt: TINY_VOCAB,
        tokenizerConfig: { cls_token: { __type: 'AddedToken', content: '[CLS]', lstrip: false } },
        specialTokensMap: { mask_token: '[NEW_MASK]', unk_token: { content: '[UNK]', lstrip: false } },
      },
      BERT_CONFIG,
    );
    expect(completed.tokenizerConfig.cls_token).toBe('[CLS]');
    expect(completed.tokenizerConfig.mask_token).toBe('[NEW_MASK]');
    expect(completed.tokenizerConfig.unk_token).toBe('[UNK]');
    const added = completed.tokenizerJson.added_tokens as { id: number; content: string }[];
    expect(added.map(({ id, content }) => [id, content])).toEqual([
      [0, '[PAD]'],
      [1, '[UNK]'],
      [2, '[CLS]'],
      [3, '[SEP]'],
      // Appended after the 8 tokens of vocab.txt.
      [8, '[NEW_MASK]'],
    ]);
    expect(completed.specialTokensMap.unk_token).toEqual({ content: '[UNK]', lstrip: false });
  });

  it('keeps the tokens and ids of added_tokens_decoder', () => {
    const completed = completeTokenizerFiles(
      {
        vocabTxt: TINY_VOCAB,
        tokenizerConfig: {
          added_tokens_decoder: {
            '8': { content: '[ENT]', lstrip: false, normalized: true, rstrip: false, single_word: false, special: false },
          },
        },
      },
      BERT_CONFIG,
    );
    const added = completed.tokenizerJson.added_tokens as { id: number; content: string; normalized: boolean }[];
    expect(added.at(-1)).toMatchObject({ id: 8, content: '[ENT]', normalized: true });
    expect(added).toHaveLength(6);
  });

  it('honours strip_accents and tokenize_chinese_chars from tokenizer_config.json', () => {
    const completed = completeTokenizerFiles(
      { vocabTxt: TINY_VOCAB, tokenizerConfig: { strip_accents: true, tokenize_chinese_chars: false } },
      BERT_CONFIG,
    );
    expect(completed.tokenizerJson.normalizer).toMatchObject({ strip_accents: true, handle_chinese_chars: false });
  });

  it('keeps a given model_max_length and otherwise leaves it out when the config has no max_position_embeddings', () => {
    const given = completeTokenizerFiles({ vocabTxt: TINY_VOCAB, tokenizerConfig: { model_max_length: 128 } }, BERT_CONFIG);
    expect(given.tokenizerConfig.model_max_length).toBe(128);
    expect(completeTokenizerFiles({ vocabTxt: TINY_VOCAB }, {}).tokenizerConfig).not.toHaveProperty('model_max_length');
  });

  it('reads vocab.txt line by line, CRLF included, a later duplicate winning', () => {
    expect([...parseVocabTxt('a\r\nb\na\n')]).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
  });
});

describe('completeTokenizerFiles from a given tokenizer.json', () => {
  const wordPieceJson = (lowercase: boolean) => ({
    added_tokens: [],
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: null,
    decoder: null,
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', vocab: { '[UNK]': 0 } },
  });

  it("takes do_lower_case from the normalizer, and lets tokenizer_config.json's override it as BertTokenizerFast does", () => {
    expect(completeTokenizerFiles({ tokenizerJson: wordPieceJson(false) }, BERT_CONFIG).tokenizerConfig.do_lower_case).toBe(false);
    const overridden = completeTokenizerFiles(
      { tokenizerJson: wordPieceJson(true), tokenizerConfig: { do_lower_case: false } },
      BERT_CONFIG,
    );
    expect(overridden.tokenizerJson.normalizer).toMatchObject({ lowercase: false });
  });

  it('infers the model type of the old layout from its fields', () => {
    const typeOf = (model: Record<string, unknown>) =>
      (completeTokenizerFiles({ tokenizerJson: { model } }, {}).tokenizerJson.model as { type: string }).type;
    expect(typeOf({ vocab: { a: 0, b: 1, ab: 2 }, merges: ['a b'] })).toBe('BPE');
    expect(typeOf({ vocab: [['<unk>', 0]], unk_id: 0 })).toBe('Unigram');
    expect(typeOf({ vocab: { '[UNK]': 0, '##s': 1 }, unk_token: '[UNK]' })).toBe('WordPiece');
    expect(() => typeOf({ vocab: { a: 0 }, unk_token: 'a' })).toThrow(/has no "type".*vocab, unk_token/);
  });

  it('fills the pipeline stages transformers.js requires and the special tokens of the named class', () => {
    const completed = completeTokenizerFiles(
      { tokenizerJson: { model: { type: 'Unigram', vocab: [['<unk>', 0]], unk_id: 0 } } },
      { model_type: 'xlm-roberta', max_position_embeddings: 514 },
    );
    expect(completed.tokenizerJson).toMatchObject({
      added_tokens: [],
      normalizer: null,
      pre_tokenizer: null,
      post_processor: null,
      decoder: null,
    });
    expect(completed.tokenizerConfig).toMatchObject({
      tokenizer_class: 'XLMRobertaTokenizer',
      model_max_length: 512,
      cls_token: '<s>',
      pad_token: '<pad>',
    });
  });
});

describe('completeTokenizerFiles errors', () => {
  it('names the files found and what is needed', () => {
    expect(() =>
      completeTokenizerFiles({ tokenizerConfig: {}, specialTokensMap: {} }, { model_type: 'xlm-roberta' }),
    ).toThrow(/from tokenizer_config\.json \+ special_tokens_map\.json: it needs tokenizer\.json, or vocab\.txt.*SentencePiece/);
    expect(() => completeTokenizerFiles({ vocabJson: { a: 0 } }, {})).toThrow(
      /from vocab\.json: it needs .*vocab\.json \+ merges\.txt/,
    );
    expect(() => completeTokenizerFiles({ mergesTxt: '#version: 0.2\n' }, {})).toThrow(/from merges\.txt:/);
    expect(() => completeTokenizerFiles({}, {})).toThrow(/from no tokenizer files:/);
  });

  it('rejects a merges.txt line that is not a pair', () => {
    expect(parseMergesTxt('#version: 0.2\na b\n')).toEqual([['a', 'b']]);
    expect(() => parseMergesTxt('#version: 0.2\na b c\n')).toThrow(/line 2 is not a pair/);
  });
});
