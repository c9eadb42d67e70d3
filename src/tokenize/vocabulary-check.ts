/**
 * Checks of a tokenizer against the model it feeds, run by the studio and the CLI when a model is
 * loaded, before any training: an empty vocabulary (a vocab.txt cut to nothing) is refused, and so
 * is a tokenizer whose ids reach past config.json's vocab_size, which onnxruntime would otherwise
 * report from inside a Gather kernel once training had started.
 */
import type { CompleteTokenizerFiles } from './tokenizer-files.ts';

interface VocabularyFacts {
  /** Which file the vocabulary came from, for messages. */
  readonly file: string;
  /** Tokens that are not added (special) tokens. */
  readonly regularTokens: number;
  /** The highest id the tokenizer can produce, or -1 when it has none. */
  readonly highestId: number;
}

function vocabularyFacts(files: CompleteTokenizerFiles): VocabularyFacts {
  const file = files.vocabTxt !== undefined ? 'vocab.txt' : files.vocabJson !== undefined ? 'vocab.json' : 'tokenizer.json';
  const model = (files.tokenizerJson.model ?? {}) as { vocab?: unknown };
  const added = Array.isArray(files.tokenizerJson.added_tokens) ? (files.tokenizerJson.added_tokens as { id?: unknown; content?: unknown }[]) : [];
  const addedContents = new Set(added.map((t) => t.content));
  let ids: number[] = [];
  let regularTokens = 0;
  if (Array.isArray(model.vocab)) {
    // Unigram: [piece, score] pairs whose ids are their positions.
    ids = model.vocab.map((_, id) => id);
    regularTokens = model.vocab.filter((entry) => Array.isArray(entry) && !addedContents.has(entry[0]) && entry[0] !== '').length;
  } else if (model.vocab !== null && typeof model.vocab === 'object') {
    const entries = Object.entries(model.vocab as Record<string, unknown>);
    ids = entries.map(([, id]) => Number(id));
    regularTokens = entries.filter(([token]) => token !== '' && !addedContents.has(token)).length;
  }
  for (const token of added) if (typeof token.id === 'number') ids.push(token.id);
  return { file, regularTokens, highestId: ids.reduce((a, b) => Math.max(a, b), -1) };
}

/** Throws when the tokenizer cannot feed the model: no vocabulary, or ids past vocab_size. */
export function requireTokenizerFitsModel(files: CompleteTokenizerFiles, configJson: Readonly<Record<string, unknown>>, modelName: string): void {
  const facts = vocabularyFacts(files);
  if (facts.regularTokens === 0) {
    throw new Error(`${modelName}/${facts.file} holds no tokens besides the special ones: every word would be unknown to the model. The file is empty or cut short; copy it again from the model's source.`);
  }
  const vocabSize = configJson.vocab_size;
  if (typeof vocabSize === 'number' && facts.highestId >= vocabSize) {
    throw new Error(
      `${modelName}: the tokenizer (${facts.file}) has ids up to ${facts.highestId}, but config.json's vocab_size is ${vocabSize}, so the embedding table has no row for ${facts.highestId - vocabSize + 1} of them. ` +
        `Use the tokenizer files that came with this model, or a config.json whose vocab_size is at least ${facts.highestId + 1}.`,
    );
  }
}

/** Share of the rows' tokens that are the unknown token, special tokens aside; 0 when there is no unknown token. */
export function unknownTokenShare(rows: readonly { readonly inputIds: Int32Array }[], unknownId: number | null, specialIds: ReadonlySet<number>): number {
  if (unknownId === null) return 0;
  let unknown = 0;
  let total = 0;
  for (const row of rows) {
    for (const id of row.inputIds) {
      if (id === unknownId) unknown += 1;
      if (!specialIds.has(id) || id === unknownId) total += 1;
    }
  }
  return total === 0 ? 0 : unknown / total;
}
