/**
 * Turns whatever tokenizer files a Hugging Face repo ships into the
 * `tokenizer.json` + `tokenizer_config.json` + `special_tokens_map.json` trio
 * that transformers.js loads, building them the way `transformers` converts a
 * slow tokenizer into a fast one (`convert_slow_tokenizer.BertConverter` /
 * `RobertaConverter`) and saves it (`save_pretrained`).
 */
import { type ModelType, parseModelConfig } from '../engine/models/config.ts';
import { modelFamilies } from '../engine/models/families/index.ts';
import { maxSequenceLength } from '../engine/models/positions.ts';

type JsonObject = Record<string, unknown>;

export interface TokenizerSourceFiles {
  tokenizerJson?: JsonObject;
  tokenizerConfig?: JsonObject;
  specialTokensMap?: JsonObject;
  vocabTxt?: string;
  vocabJson?: Record<string, number>;
  mergesTxt?: string;
}

export interface CompleteTokenizerFiles {
  tokenizerJson: JsonObject;
  tokenizerConfig: JsonObject;
  specialTokensMap: JsonObject;
  vocabTxt?: string;
  vocabJson?: Record<string, number>;
  mergesTxt?: string;
}

/** In transformers' `SPECIAL_TOKENS_ATTRIBUTES` order, the order in which it adds missing special tokens to a vocabulary. */
const SPECIAL_TOKEN_KEYS = [
  'bos_token',
  'eos_token',
  'unk_token',
  'sep_token',
  'pad_token',
  'cls_token',
  'mask_token',
] as const;
type SpecialTokenKey = (typeof SPECIAL_TOKEN_KEYS)[number];
type SpecialTokens = Partial<Record<SpecialTokenKey, string>>;

const BERT_SPECIAL_TOKENS: SpecialTokens = {
  unk_token: '[UNK]',
  sep_token: '[SEP]',
  pad_token: '[PAD]',
  cls_token: '[CLS]',
  mask_token: '[MASK]',
};

const ROBERTA_SPECIAL_TOKENS: SpecialTokens = {
  bos_token: '<s>',
  eos_token: '</s>',
  unk_token: '<unk>',
  sep_token: '</s>',
  pad_token: '<pad>',
  cls_token: '<s>',
  mask_token: '<mask>',
};

/** Default special tokens of each tokenizer class, as its Python `__init__` declares them. */
const SPECIAL_TOKENS_BY_TOKENIZER_CLASS = new Map([
  ['BertTokenizer', BERT_SPECIAL_TOKENS],
  ['DistilBertTokenizer', BERT_SPECIAL_TOKENS],
  ['ElectraTokenizer', BERT_SPECIAL_TOKENS],
  ['RobertaTokenizer', ROBERTA_SPECIAL_TOKENS],
  ['XLMRobertaTokenizer', ROBERTA_SPECIAL_TOKENS],
]);

/** Which layout the tokenizer comes from; decides the builder and the defaults. */
type TokenizerKind = 'tokenizer.json' | BuiltKind;
type BuiltKind = 'wordpiece' | 'byte-level-bpe';

/** A vocab.txt is BERT's WordPiece vocabulary, vocab.json + merges.txt RoBERTa's byte-level BPE. */
const BUILT_FAMILIES: Record<BuiltKind, { tokenizerClass: string; specialTokens: SpecialTokens }> = {
  wordpiece: { tokenizerClass: 'BertTokenizer', specialTokens: BERT_SPECIAL_TOKENS },
  'byte-level-bpe': { tokenizerClass: 'RobertaTokenizer', specialTokens: ROBERTA_SPECIAL_TOKENS },
};

interface AddedTokenEntry {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

export function completeTokenizerFiles(
  files: TokenizerSourceFiles,
  modelConfig: Record<string, unknown>,
): CompleteTokenizerFiles {
  const kind = tokenizerKind(files);
  const modelType = stringField(modelConfig, 'model_type');
  const givenConfig = files.tokenizerConfig ?? {};
  const givenMap = files.specialTokensMap ?? {};
  const tokenizerClass = stringField(givenConfig, 'tokenizer_class') ?? defaultTokenizerClass(kind, modelType);
  const specialTokens = resolveSpecialTokens(givenConfig, givenMap, tokenizerClass, kind);
  const config: JsonObject = { ...givenConfig };

  let tokenizerJson: JsonObject;
  if (kind === 'wordpiece') {
    const doLowerCase = resolveDoLowerCase(givenConfig, modelConfig);
    tokenizerJson = buildWordPieceTokenizerJson(files.vocabTxt ?? '', givenConfig, specialTokens, doLowerCase);
    config.do_lower_case = doLowerCase;
    config.strip_accents ??= null;
    config.tokenize_chinese_chars ??= true;
  } else if (kind === 'byte-level-bpe') {
    tokenizerJson = buildByteLevelBpeTokenizerJson(files.vocabJson ?? {}, files.mergesTxt ?? '', givenConfig, specialTokens);
    config.add_prefix_space ??= false;
    config.trim_offsets ??= true;
  } else {
    tokenizerJson = completeGivenTokenizerJson(files.tokenizerJson ?? {}, givenConfig);
    const lowercase = bertNormalizerLowercase(tokenizerJson);
    if (lowercase !== undefined) config.do_lower_case ??= lowercase;
  }

  if (tokenizerClass !== undefined) config.tokenizer_class = tokenizerClass;
  config.clean_up_tokenization_spaces ??= true;
  const modelMaxLength = modelMaxLengthFromConfig(modelConfig);
  if (config.model_max_length === undefined && modelMaxLength !== undefined) {
    config.model_max_length = modelMaxLength;
  }
  for (const [key, token] of Object.entries(specialTokens)) config[key] = token;

  return {
    tokenizerJson,
    tokenizerConfig: sortedKeys(config),
    specialTokensMap: buildSpecialTokensMap(givenMap, specialTokens, addedTokensOf(tokenizerJson)),
    ...(files.vocabTxt !== undefined ? { vocabTxt: files.vocabTxt } : {}),
    ...(files.vocabJson !== undefined ? { vocabJson: files.vocabJson } : {}),
    ...(files.mergesTxt !== undefined ? { mergesTxt: files.mergesTxt } : {}),
  };
}

function tokenizerKind(files: TokenizerSourceFiles): TokenizerKind {
  if (files.tokenizerJson !== undefined) return 'tokenizer.json';
  if (files.vocabTxt !== undefined) return 'wordpiece';
  if (files.vocabJson !== undefined && files.mergesTxt !== undefined) return 'byte-level-bpe';
  const found = [
    files.tokenizerConfig && 'tokenizer_config.json',
    files.specialTokensMap && 'special_tokens_map.json',
    files.vocabJson && 'vocab.json',
    files.mergesTxt !== undefined && 'merges.txt',
  ].filter((name): name is string => typeof name === 'string');
  throw new Error(
    `Cannot build a tokenizer from ${found.length > 0 ? found.join(' + ') : 'no tokenizer files'}: ` +
      'it needs tokenizer.json, or vocab.txt (WordPiece, BERT-style), or vocab.json + merges.txt ' +
      '(byte-level BPE, RoBERTa-style). A SentencePiece model file alone cannot be converted here; ' +
      'use a repo that also ships tokenizer.json.',
  );
}

function defaultTokenizerClass(kind: TokenizerKind, modelType: string | undefined): string | undefined {
  // The slow tokenizer class AutoTokenizer picks for the model type, as its family declares it.
  const byModelType = modelType !== undefined && Object.hasOwn(modelFamilies, modelType) ? modelFamilies[modelType as ModelType].tokenizerClass : undefined;
  if (kind === 'tokenizer.json') return byModelType;
  // A model type of another family than the files (a RoBERTa config beside a vocab.txt) would name a class whose
  // special tokens contradict the tokenizer being built, so the files' family decides then.
  const family = BUILT_FAMILIES[kind];
  const sameFamily = byModelType !== undefined && SPECIAL_TOKENS_BY_TOKENIZER_CLASS.get(byModelType) === family.specialTokens;
  return sameFamily ? byModelType : family.tokenizerClass;
}

/** Each special token as the slow tokenizer resolves it: tokenizer_config.json, then special_tokens_map.json, then the class defaults. */
function resolveSpecialTokens(
  config: JsonObject,
  specialTokensMap: JsonObject,
  tokenizerClass: string | undefined,
  kind: TokenizerKind,
): SpecialTokens {
  const defaults =
    kind === 'tokenizer.json'
      ? (SPECIAL_TOKENS_BY_TOKENIZER_CLASS.get(tokenizerClass?.replace(/Fast$/, '') ?? '') ?? {})
      : BUILT_FAMILIES[kind].specialTokens;
  const resolved: SpecialTokens = {};
  for (const key of SPECIAL_TOKEN_KEYS) {
    const token = tokenContent(config[key]) ?? tokenContent(specialTokensMap[key]) ?? defaults[key];
    if (token !== undefined) resolved[key] = token;
  }
  return resolved;
}

/** A special token is written either as its string or as a serialized `AddedToken` (`{ content, lstrip, … }`). */
function tokenContent(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (isJsonObject(value) && typeof value.content === 'string') return value.content;
  return undefined;
}

function resolveDoLowerCase(config: JsonObject, modelConfig: JsonObject): boolean {
  const explicit = config.do_lower_case;
  if (typeof explicit === 'boolean') return explicit;
  // Old transformers releases hard-coded do_lower_case per checkpoint name (…-cased → false); repos that
  // predate tokenizer_config.json still rely on that.
  const name = stringField(modelConfig, '_name_or_path') ?? stringField(config, 'name_or_path') ?? '';
  if (/(?:^|[^a-z])uncased(?:$|[^a-z])/i.test(name)) return true;
  if (/(?:^|[^a-z])cased(?:$|[^a-z])/i.test(name)) return false;
  return true;
}

/** The longest input the model's position table takes (RoBERTa-style positions reserve padding_idx + 1 of them). */
function modelMaxLengthFromConfig(modelConfig: JsonObject): number | undefined {
  const positions = modelConfig.max_position_embeddings;
  if (typeof positions !== 'number') return undefined;
  try {
    return maxSequenceLength(parseModelConfig(modelConfig));
  } catch {
    // A config the engine cannot build is refused where the model loads; its table's size is all there is to go on here.
    return positions;
  }
}

function buildWordPieceTokenizerJson(
  vocabTxt: string,
  config: JsonObject,
  specialTokens: SpecialTokens,
  doLowerCase: boolean,
): JsonObject {
  const vocab = parseVocabTxt(vocabTxt);
  const addedTokens = collectAddedTokens(vocab, config, specialTokens, new Set());
  const idOf = tokenIdLookup(vocab, addedTokens);
  const cls = requiredToken(specialTokens, 'cls_token', 'vocab.txt');
  const sep = requiredToken(specialTokens, 'sep_token', 'vocab.txt');
  const unk = requiredToken(specialTokens, 'unk_token', 'vocab.txt');
  const stripAccents = config.strip_accents;
  const tokenizeChineseChars = config.tokenize_chinese_chars;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: typeof tokenizeChineseChars === 'boolean' ? tokenizeChineseChars : true,
      strip_accents: typeof stripAccents === 'boolean' ? stripAccents : null,
      lowercase: doLowerCase,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [specialItem(cls, 0), sequenceItem('A', 0), specialItem(sep, 0)],
      pair: [specialItem(cls, 0), sequenceItem('A', 0), specialItem(sep, 0), sequenceItem('B', 1), specialItem(sep, 1)],
      special_tokens: Object.fromEntries(
        [cls, sep].map((token) => [token, { id: token, ids: [idOf(token)], tokens: [token] }]),
      ),
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: unk,
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab),
    },
  };
}

function specialItem(token: string, typeId: number): JsonObject {
  return { SpecialToken: { id: token, type_id: typeId } };
}

function sequenceItem(sequence: 'A' | 'B', typeId: number): JsonObject {
  return { Sequence: { id: sequence, type_id: typeId } };
}

function buildByteLevelBpeTokenizerJson(
  vocabJson: Record<string, number>,
  mergesTxt: string,
  config: JsonObject,
  specialTokens: SpecialTokens,
): JsonObject {
  const vocab = new Map(Object.entries(vocabJson));
  const mask = specialTokens.mask_token;
  // RobertaTokenizer declares its mask token with lstrip=True so that "hello <mask>" keeps the space in the mask.
  const leftStripped = new Set(mask === undefined ? [] : [mask]);
  const addedTokens = collectAddedTokens(vocab, config, specialTokens, leftStripped);
  const idOf = tokenIdLookup(vocab, addedTokens);
  const cls = requiredToken(specialTokens, 'cls_token', 'vocab.json');
  const sep = requiredToken(specialTokens, 'sep_token', 'vocab.json');
  const addPrefixSpace = config.add_prefix_space === true;
  const trimOffsets = config.trim_offsets !== false;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: addPrefixSpace, trim_offsets: true, use_regex: true },
    post_processor: {
      type: 'RobertaProcessing',
      sep: [sep, idOf(sep)],
      cls: [cls, idOf(cls)],
      trim_offsets: trimOffsets,
      add_prefix_space: addPrefixSpace,
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: vocabJson,
      merges: parseMergesTxt(mergesTxt),
    },
  };
}

function requiredToken(specialTokens: SpecialTokens, key: SpecialTokenKey, file: string): string {
  const token = specialTokens[key];
  if (token === undefined) throw new Error(`Cannot build tokenizer.json from ${file}: no ${key} is configured.`);
  return token;
}

/** Reads vocab.txt as `BertTokenizer.load_vocab` does: one token per line, its id the line index, a later duplicate winning. */
export function parseVocabTxt(vocabTxt: string): Map<string, number> {
  const lines = vocabTxt.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  const vocab = new Map<string, number>();
  lines.forEach((token, id) => vocab.set(token, id));
  return vocab;
}

/** Reads merges.txt as the `tokenizers` BPE loader does: a `#version` header, then one `left right` pair per line. */
export function parseMergesTxt(mergesTxt: string): [string, string][] {
  const merges: [string, string][] = [];
  mergesTxt.split(/\r?\n/).forEach((line, index) => {
    if (line === '' || line.startsWith('#version')) return;
    const parts = line.split(' ');
    if (parts.length !== 2) throw new Error(`merges.txt line ${index + 1} is not a pair of tokens: ${JSON.stringify(line)}`);
    merges.push([parts[0], parts[1]]);
  });
  return merges;
}

/**
 * The added vocabulary a converted fast tokenizer carries: the config's `added_tokens_decoder` (written by
 * transformers ≥ 4.34), then the special tokens — each with its vocabulary id, or appended after the vocabulary
 * when missing, as `_add_tokens` does — sorted by id as `tokenizers` serializes them.
 */
function collectAddedTokens(
  vocab: Map<string, number>,
  config: JsonObject,
  specialTokens: SpecialTokens,
  leftStripped: ReadonlySet<string>,
): AddedTokenEntry[] {
  const byContent = new Map<string, AddedTokenEntry>();
  const decoder = config.added_tokens_decoder;
  if (isJsonObject(decoder)) {
    for (const [id, entry] of Object.entries(decoder)) {
      if (!isJsonObject(entry) || typeof entry.content !== 'string') continue;
      byContent.set(entry.content, {
        id: Number(id),
        content: entry.content,
        single_word: entry.single_word === true,
        lstrip: entry.lstrip === true,
        rstrip: entry.rstrip === true,
        normalized: entry.normalized === true,
        special: entry.special === true,
      });
    }
  }
  const additional = Array.isArray(config.additional_special_tokens) ? config.additional_special_tokens : [];
  const specialContents = [
    ...SPECIAL_TOKEN_KEYS.map((key) => specialTokens[key]),
    ...additional.map((token) => tokenContent(token)),
  ].filter((token): token is string => token !== undefined);
  let nextId = vocab.size;
  for (const id of vocab.values()) nextId = Math.max(nextId, id + 1);
  for (const token of byContent.values()) nextId = Math.max(nextId, token.id + 1);
  for (const content of specialContents) {
    if (byContent.has(content)) continue;
    byContent.set(content, {
      id: vocab.get(content) ?? nextId++,
      content,
      single_word: false,
      lstrip: leftStripped.has(content),
      rstrip: false,
      normalized: false,
      special: true,
    });
  }
  return [...byContent.values()].sort((a, b) => a.id - b.id);
}

function tokenIdLookup(vocab: Map<string, number>, addedTokens: AddedTokenEntry[]): (token: string) => number {
  const added = new Map(addedTokens.map((token) => [token.content, token.id]));
  return (token) => {
    const id = added.get(token) ?? vocab.get(token);
    if (id === undefined) throw new Error(`Token ${JSON.stringify(token)} is in neither the vocabulary nor the added tokens.`);
    return id;
  };
}

function completeGivenTokenizerJson(given: JsonObject, config: JsonObject): JsonObject {
  const model = given.model;
  if (!isJsonObject(model)) throw new Error('tokenizer.json has no "model" object.');
  const completed: JsonObject = {
    ...given,
    // transformers.js requires every pipeline stage to be present, null when unused, as current `tokenizers` writes them.
    added_tokens: Array.isArray(given.added_tokens) ? given.added_tokens : [],
    normalizer: given.normalizer ?? null,
    pre_tokenizer: given.pre_tokenizer ?? null,
    post_processor: given.post_processor ?? null,
    decoder: given.decoder ?? null,
    model: typeof model.type === 'string' ? model : { type: inferModelType(model), ...model },
  };
  // BertTokenizerFast rebuilds its normalizer when tokenizer_config.json's do_lower_case disagrees with it.
  const normalizer = completed.normalizer;
  if (isJsonObject(normalizer) && normalizer.type === 'BertNormalizer' && typeof config.do_lower_case === 'boolean') {
    completed.normalizer = { ...normalizer, lowercase: config.do_lower_case };
  }
  return completed;
}

/** The 2020 tokenizer.json layout leaves out `model.type`; `tokenizers` tells the models apart by their fields. */
function inferModelType(model: JsonObject): string {
  if (Array.isArray(model.merges)) return 'BPE';
  if (Array.isArray(model.vocab)) return 'Unigram';
  const vocab = model.vocab;
  if (
    'continuing_subword_prefix' in model ||
    'max_input_chars_per_word' in model ||
    (isJsonObject(vocab) && Object.keys(vocab).some((token) => token.startsWith('##')))
  ) {
    return 'WordPiece';
  }
  throw new Error(
    `tokenizer.json's model has no "type" and its fields (${Object.keys(model).join(', ')}) ` +
      'match none of WordPiece, BPE or Unigram.',
  );
}

function bertNormalizerLowercase(tokenizerJson: JsonObject): boolean | undefined {
  const normalizer = tokenizerJson.normalizer;
  if (!isJsonObject(normalizer) || normalizer.type !== 'BertNormalizer') return undefined;
  return typeof normalizer.lowercase === 'boolean' ? normalizer.lowercase : undefined;
}

function addedTokensOf(tokenizerJson: JsonObject): JsonObject[] {
  const added = tokenizerJson.added_tokens;
  return Array.isArray(added) ? added.filter(isJsonObject) : [];
}

/**
 * special_tokens_map.json as `save_pretrained` writes it: the given entries kept, each special token as its
 * string, or as its AddedToken fields when those differ from a plain special token's (RoBERTa's lstrip mask).
 */
function buildSpecialTokensMap(given: JsonObject, specialTokens: SpecialTokens, addedTokens: JsonObject[]): JsonObject {
  const map: JsonObject = { ...given };
  for (const [key, token] of Object.entries(specialTokens)) {
    if (key in map) continue;
    const added = addedTokens.find((entry) => entry.content === token);
    const plain =
      added === undefined ||
      (added.lstrip !== true && added.rstrip !== true && added.single_word !== true && added.normalized !== true);
    map[key] = plain
      ? token
      : {
          content: token,
          lstrip: added.lstrip === true,
          normalized: added.normalized === true,
          rstrip: added.rstrip === true,
          single_word: added.single_word === true,
        };
  }
  return sortedKeys(map);
}

function sortedKeys(object: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function stringField(object: JsonObject, key: string): string | undefined {
  const value = object[key];
  return typeof value === 'string' ? value : undefined;
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
