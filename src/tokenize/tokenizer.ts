/**
 * A text tokenizer over transformers.js that encodes the way a Hugging Face fast
 * tokenizer called with `truncation=True, max_length=N` does.
 *
 * Known difference, inside transformers.js: its byte-level pre-tokenizer uses JavaScript's `\s`, which leaves out
 * U+0085 (NEXT LINE) that Rust's Unicode `\s` includes, so RoBERTa splits " \u0085" differently from `tokenizers`.
 */

import type { PreTrainedTokenizer } from '@huggingface/transformers';
import type { CompleteTokenizerFiles } from './tokenizer-files.ts';

export interface EncodedText {
  /** Token ids with the special tokens, at most maxLength of them. */
  inputIds: Int32Array;
  /** Segment ids (0 for the text, 1 for the pair), or null where the tokenizer class does not return them (RoBERTa, DistilBERT). */
  tokenTypeIds: Int32Array | null;
  /** How many ids the text would have had without truncation, special tokens included. */
  untruncatedLength: number;
}

/** A sentence given as words, encoded as `tokenizer(words, is_split_into_words=True)` does. */
export interface EncodedWords {
  inputIds: Int32Array;
  tokenTypeIds: Int32Array | null;
  /** Each token's word index in the words given, null for the special tokens: the encoding's `word_ids()`. */
  wordIds: (number | null)[];
  /** How many ids the words would have had without truncation, special tokens included. */
  untruncatedLength: number;
}

export interface TextTokenizer {
  /** Truncates with the 'longest_first' strategy of `tokenizers`, before adding special tokens, so they survive it. */
  encode(text: string, textPair: string | undefined, maxLength: number): EncodedText;
  /**
   * Words already split (a CoNLL sentence), each run through the tokenizer alone, as
   * `is_split_into_words=True` does; a byte-level BPE tokenizer (RoBERTa) reads every word with a space
   * before it, as it must be loaded with `add_prefix_space=True` for such input. Truncated to maxLength.
   */
  encodeWords(words: readonly string[], maxLength: number): EncodedWords;
  /** The text's tokens without special tokens, as `tokenizer.tokenize` gives them. */
  tokenize(text: string): string[];
  readonly padTokenId: number;
  /** The id words outside the vocabulary get ([UNK]); null when the tokenizer has none (byte-level BPE). */
  readonly unknownTokenId: number | null;
  /** Ids of the special tokens ([CLS], [SEP], [PAD]…). */
  readonly specialTokenIds: ReadonlySet<number>;
  /** tokenizer_config.json's model_max_length; Infinity when it names none. */
  readonly maxLength: number;
  readonly files: CompleteTokenizerFiles;
}

type TokenizerClass = new (tokenizerJson: object, tokenizerConfig: object) => PreTrainedTokenizer;

interface WithSpecialTokens {
  tokens: string[];
  typeIds: number[];
}

/** Loads transformers.js on first use, so that bundles which never tokenize do not carry it. */
export async function createTokenizer(files: CompleteTokenizerFiles): Promise<TextTokenizer> {
  const TokenizerClass = await tokenizerClassFor(files.tokenizerConfig.tokenizer_class);
  return new TransformersTextTokenizer(new TokenizerClass(files.tokenizerJson, files.tokenizerConfig), files);
}

/** Picks the class as `AutoTokenizer.from_pretrained` does, falling back to the base class for an unknown name. */
async function tokenizerClassFor(tokenizerClassName: unknown): Promise<TokenizerClass> {
  const transformers = await import('@huggingface/transformers');
  const classes = new Map<string, TokenizerClass>([
    ['BertTokenizer', transformers.BertTokenizer],
    ['DistilBertTokenizer', transformers.DistilBertTokenizer],
    ['ElectraTokenizer', transformers.ElectraTokenizer],
    ['RobertaTokenizer', transformers.RobertaTokenizer],
    ['XLMRobertaTokenizer', transformers.XLMRobertaTokenizer],
  ]);
  const name = typeof tokenizerClassName === 'string' ? tokenizerClassName.replace(/Fast$/, '') : '';
  return classes.get(name) ?? transformers.PreTrainedTokenizer;
}

class TransformersTextTokenizer implements TextTokenizer {
  readonly padTokenId: number;
  readonly unknownTokenId: number | null;
  readonly specialTokenIds: ReadonlySet<number>;
  readonly maxLength: number;
  private readonly specialTokenCount: { single: number; pair: number };
  /** How many special tokens come before a single sequence's own ([CLS], <s>). */
  private readonly leadingSpecialTokens: number;
  private readonly wordPrefix: string;

  constructor(
    private readonly pretrained: PreTrainedTokenizer,
    readonly files: CompleteTokenizerFiles,
  ) {
    const padTokenId: number | undefined = pretrained.pad_token_id;
    if (padTokenId === undefined) {
      throw new Error('The tokenizer has no pad token (tokenizer_config.json names no pad_token or eos_token in its vocabulary).');
    }
    this.padTokenId = padTokenId;
    const unknownTokenId: number | undefined = pretrained.unk_token_id;
    this.unknownTokenId = unknownTokenId ?? null;
    this.specialTokenIds = new Set(pretrained.all_special_ids);
    const modelMaxLength: unknown = pretrained.model_max_length;
    this.maxLength = typeof modelMaxLength === 'number' ? modelMaxLength : Number.POSITIVE_INFINITY;
    this.specialTokenCount = {
      single: this.withSpecialTokens([], null).tokens.length,
      pair: this.withSpecialTokens([], []).tokens.length,
    };
    const marker = '\u0000sequence';
    this.leadingSpecialTokens = this.withSpecialTokens([marker], null).tokens.indexOf(marker);
    this.wordPrefix = isByteLevel(files.tokenizerJson.pre_tokenizer) ? ' ' : '';
  }

  encodeWords(words: readonly string[], maxLength: number): EncodedWords {
    const specialTokenCount = this.specialTokenCount.single;
    if (!Number.isInteger(maxLength) || maxLength < specialTokenCount) {
      throw new Error(`maxLength must be an integer of at least ${specialTokenCount} (the special tokens), got ${maxLength}.`);
    }
    const tokens: string[] = [];
    const tokenWords: number[] = [];
    words.forEach((word, index) => {
      for (const token of this.pretrained.tokenize(this.wordPrefix + word)) {
        tokens.push(token);
        tokenWords.push(index);
      }
    });
    const kept = Math.min(tokens.length, maxLength - specialTokenCount);
    const processed = this.withSpecialTokens(tokens.slice(0, kept), null);
    const wordIds = processed.tokens.map((_, position): number | null => {
      const inSequence = position - this.leadingSpecialTokens;
      return inSequence >= 0 && inSequence < kept ? tokenWords[inSequence]! : null;
    });
    return {
      inputIds: Int32Array.from(processed.tokens, (token) => this.tokenId(token)),
      tokenTypeIds: this.pretrained.return_token_type_ids ? Int32Array.from(processed.typeIds) : null,
      wordIds,
      untruncatedLength: tokens.length + specialTokenCount,
    };
  }

  encode(text: string, textPair: string | undefined, maxLength: number): EncodedText {
    const first = this.pretrained.tokenize(text);
    const second = textPair === undefined ? null : this.pretrained.tokenize(textPair);
    const specialTokenCount = second === null ? this.specialTokenCount.single : this.specialTokenCount.pair;
    if (!Number.isInteger(maxLength) || maxLength < specialTokenCount) {
      throw new Error(`maxLength must be an integer of at least ${specialTokenCount} (the special tokens), got ${maxLength}.`);
    }
    const budget = maxLength - specialTokenCount;
    // Alone, a sequence is cut to the budget whatever length tokenizers stopped at; in a pair that length decides
    // which sequence counts as the longer one.
    const [firstLength, secondLength] =
      textPair === undefined || second === null
        ? [Math.min(first.length, budget), 0]
        : longestFirstLengths(
            this.earlyStoppedLength(text, first, maxLength),
            this.earlyStoppedLength(textPair, second, maxLength),
            budget,
          );
    const { tokens, typeIds } = this.withSpecialTokens(first.slice(0, firstLength), second?.slice(0, secondLength) ?? null);
    return {
      inputIds: Int32Array.from(tokens, (token) => this.tokenId(token)),
      tokenTypeIds: this.pretrained.return_token_type_ids ? Int32Array.from(typeIds) : null,
      untruncatedLength: first.length + (second?.length ?? 0) + specialTokenCount,
    };
  }

  tokenize(text: string): string[] {
    return this.pretrained.tokenize(text);
  }

  /**
   * How many tokens `tokenizers` (0.23) has of a sequence when truncation stops it early: it runs the model word by
   * word and stops at the first word that starts at or past maxLength tokens. Replays that walk with the same
   * normalizer, pre-tokenizer and model; a text it does not replay exactly (one holding added tokens) counts as
   * stopped at maxLength, which can only change which sequence of a pair gets an odd leftover token.
   */
  private earlyStoppedLength(text: string, tokens: readonly string[], maxLength: number): number {
    if (tokens.length <= maxLength) return tokens.length;
    const { normalizer, pre_tokenizer: preTokenizer, model } = this.pretrained._tokenizer;
    if (model === null) return maxLength;
    const normalized = normalizer === null ? text : normalizer(text);
    const words = preTokenizer === null ? [normalized] : preTokenizer.pre_tokenize(normalized);
    let produced = 0;
    for (const word of words) {
      if (produced >= maxLength) break;
      for (const token of model([word])) {
        if (tokens[produced] !== token) return maxLength;
        produced++;
      }
    }
    return produced;
  }

  /**
   * transformers.js truncates after adding special tokens, cutting off the final [SEP]; `tokenizers` truncates the
   * sequences first and then runs the post-processor, which is what this reproduces through the same post-processor.
   */
  private withSpecialTokens(first: string[], second: string[] | null): WithSpecialTokens {
    const postProcessor = this.pretrained._tokenizer.post_processor;
    const processed = postProcessor?.post_process(first, second, true) ?? { tokens: first, tokens_pair: second ?? undefined };
    // A bare ByteLevel post-processor hands the pair back unmerged and without segment ids.
    const pair = processed.tokens_pair ?? [];
    return {
      tokens: [...processed.tokens, ...pair],
      typeIds: processed.token_type_ids ?? [...processed.tokens.map(() => 0), ...pair.map(() => 1)],
    };
  }

  private tokenId(token: string): number {
    const id = this.pretrained.convert_tokens_to_ids(token) ?? this.pretrained.unk_token_id;
    if (id === undefined) throw new Error(`Token ${JSON.stringify(token)} is not in the vocabulary and there is no unk token.`);
    return id;
  }
}

/** Whether a tokenizer.json pre_tokenizer is (or contains) ByteLevel, the GPT-2/RoBERTa one. */
function isByteLevel(preTokenizer: unknown): boolean {
  if (typeof preTokenizer !== 'object' || preTokenizer === null) return false;
  const { type, pretokenizers } = preTokenizer as { type?: unknown; pretokenizers?: unknown };
  return type === 'ByteLevel' || (type === 'Sequence' && Array.isArray(pretokenizers) && pretokenizers.some(isByteLevel));
}

/**
 * Lengths to keep of two sequences so that together they fit `budget`, by the LongestFirst rule of `tokenizers`
 * (utils/truncation.rs): the shorter one stays whole if the longer can keep at least as many tokens, and otherwise
 * both get half, the odd token going to the longer one (to the second one on a tie).
 */
export function longestFirstLengths(first: number, second: number, budget: number): [number, number] {
  if (first + second <= budget) return [first, second];
  const swapped = first > second;
  const shorter = swapped ? second : first;
  let keepShorter = shorter;
  let keepLonger = shorter > budget ? shorter : Math.max(shorter, budget - shorter);
  if (keepShorter + keepLonger > budget) {
    keepShorter = Math.floor(budget / 2);
    keepLonger = keepShorter + (budget % 2);
  }
  const [keepFirst, keepSecond] = swapped ? [keepLonger, keepShorter] : [keepShorter, keepLonger];
  return [Math.min(keepFirst, first), Math.min(keepSecond, second)];
}
