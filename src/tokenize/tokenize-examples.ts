/**
 * Turns labelled examples into the id rows a model trains on. A token-classification example's
 * text is its sentence's words cell (tagged-cells.ts), encoded word by word so that the task can
 * put each word's tag on its first token.
 */

import { decodeTaggedCell } from '../data/tagged-cells.ts';
import type { TokenizedExample } from '../engine/batching.ts';
import type { AnyTask } from '../engine/tasks/index.ts';
import type { LabelOptions } from '../engine/tasks/task.ts';
import type { TextTokenizer } from './tokenizer.ts';

export interface LabelledText {
  text: string;
  textPair?: string;
  label: string;
}

/** How label cells become targets: the task, its label names and options, and the file for messages. */
export interface TargetEncoding {
  readonly task: AnyTask;
  readonly labels: readonly string[];
  readonly options: LabelOptions;
  readonly file: string | null;
}

export interface TokenizedExamples {
  rows: TokenizedExample[];
  /** How many examples lost tokens to maxLength. */
  truncated: number;
  /** Each example's length before truncation, special tokens included, to show how maxLength cuts the data. */
  lengths: Int32Array;
}

/** Often enough for a progress bar to move smoothly, rarely enough that posting progress from a worker costs nothing. */
const PROGRESS_INTERVAL = 500;

/**
 * One `encode` per example: transformers.js' batched call only loops over the same per-text encoding, and timed
 * no faster (14.6k SST-2 rows: 0.5–1.0 s per pass either way, on Node 20).
 */
export function tokenizeExamples(
  tokenizer: TextTokenizer,
  examples: readonly LabelledText[],
  targets: TargetEncoding,
  maxLength: number,
  onProgress?: (done: number, total: number) => void,
): TokenizedExamples {
  const rows: TokenizedExample[] = [];
  const lengths = new Int32Array(examples.length);
  let truncated = 0;
  const { task, labels, options, file } = targets;
  const byWords = task.head === 'token-classification';
  examples.forEach((example, index) => {
    const place = { file, row: index + 1 };
    const words = byWords ? tokenizer.encodeWords(decodeTaggedCell(example.text, { file: file ?? 'the data', row: index + 1 }), maxLength) : null;
    const encoded = words ?? tokenizer.encode(example.text, example.textPair, maxLength);
    const target = task.encodeTarget(example.label, labels, options, place, words?.wordIds ?? null);
    rows.push({ inputIds: encoded.inputIds, tokenTypeIds: encoded.tokenTypeIds, target });
    lengths[index] = encoded.untruncatedLength;
    if (encoded.untruncatedLength > maxLength) truncated++;
    if (onProgress !== undefined && ((index + 1) % PROGRESS_INTERVAL === 0 || index + 1 === examples.length)) {
      onProgress(index + 1, examples.length);
    }
  });
  return { rows, truncated, lengths };
}
