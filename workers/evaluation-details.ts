/**
 * The validation rows behind an evaluation's numbers that are worth reading first, each task its
 * own way: the surest wrong label (single-label), the surest wrong label sets (multi-label), the
 * largest errors and every row's score for the scatter plot (regression), the sentences with the
 * most wrongly tagged words (token classification).
 */
import type { TokenizedExample } from '../src/engine/batching.ts';
import { argmax } from '../src/engine/metrics.ts';
import { binaryCrossEntropyOf, DEFAULT_THRESHOLD, sigmoid } from '../src/engine/multi-label-metrics.ts';
import type { AnyTask, TaskId } from '../src/engine/tasks/index.ts';
import type { MetricOptions } from '../src/engine/tasks/task.ts';
import { typedWords } from '../src/tokenize/typed-words.ts';
import { IGNORED_LABEL } from '../src/tokenize/word-labels.ts';
import { inspectRows } from './inspect-rows.ts';
import type { EvaluationDetails, LabelSetMistake, ScoredRow, TaggingMistake, WorstRow } from './protocol.ts';

/** Rows listed as the worst of an evaluation. */
export const WORST_ROWS = 12;
/** The most points the regression scatter plot draws: enough to see the fit, few enough to draw at once. */
export const SCATTER_POINTS = 2_000;

/** An evaluation's inputs, kept so its metrics and details can be recomputed with other options. */
export interface EvaluatedSplit {
  readonly task: AnyTask;
  /** In row order: K per row for a sequence head, K per token (unpadded) for a token head. */
  readonly logits: Float32Array;
  readonly rows: readonly TokenizedExample[];
  readonly labels: readonly string[];
  /** The rows as people read them (a tagged sentence's words joined by spaces). */
  readonly texts: readonly string[];
}

type DetailsOf<Id extends TaskId> = Extract<EvaluationDetails, { task: Id }>;

const detailsByTask: { readonly [Id in TaskId]: (split: EvaluatedSplit, options: MetricOptions) => DetailsOf<Id> } = {
  'single-label': (split) => ({ task: 'single-label', worst: worstRows(split.logits, split.rows.map((r) => r.target[0]!), split.labels, split.texts) }),
  'multi-label': (split, options) => ({ task: 'multi-label', worst: labelSetMistakes(split, options.threshold ?? DEFAULT_THRESHOLD) }),
  regression: (split) => {
    const scored = split.rows.map((row, index): ScoredRow => ({ index, truth: row.target[0]!, predicted: split.logits[index]! }));
    const worst = [...scored].sort((a, b) => Math.abs(b.predicted - b.truth) - Math.abs(a.predicted - a.truth)).slice(0, WORST_ROWS);
    const shown = Math.min(scored.length, SCATTER_POINTS);
    const points = Array.from({ length: shown }, (_, i) => scored[Math.floor((i * scored.length) / shown)]!);
    return { task: 'regression', worst: worst.map((r) => ({ ...r, text: split.texts[r.index] ?? '' })), points };
  },
  'token-classification': (split) => ({ task: 'token-classification', worst: taggingMistakes(split) }),
};

export function evaluationDetails(split: EvaluatedSplit, options: MetricOptions): EvaluationDetails {
  return detailsByTask[split.task.id](split, options);
}

/** The misclassified rows the model was most sure about: what to read first to see what it gets wrong. */
export function worstRows(logits: Float32Array, truth: readonly number[], labels: readonly string[], texts: readonly string[], limit = WORST_ROWS): WorstRow[] {
  const { rows } = inspectRows({ logits, truth, labels, texts }, { truth: null, predicted: null, errorsOnly: true }, limit);
  return rows.map((r) => ({ index: r.index, text: r.text, truth: labels[r.truth]!, predicted: labels[r.predicted]!, confidence: r.probabilities[r.predicted]! }));
}

/** Rows whose predicted label set differs from the true one, highest loss first. */
function labelSetMistakes({ logits, rows, labels, texts }: EvaluatedSplit, threshold: number): LabelSetMistake[] {
  const k = labels.length;
  const mistakes: LabelSetMistake[] = [];
  rows.forEach((row, index) => {
    const truth: string[] = [];
    const predicted: string[] = [];
    let loss = 0;
    labels.forEach((label, c) => {
      const logit = logits[index * k + c]!;
      if (row.target[c]! >= 0.5) truth.push(label);
      if (sigmoid(logit) >= threshold) predicted.push(label);
      loss += binaryCrossEntropyOf(logit, row.target[c]!);
    });
    if (truth.join('\u0000') !== predicted.join('\u0000')) mistakes.push({ index, text: texts[index] ?? '', truth, predicted, loss: loss / k });
  });
  return mistakes.sort((a, b) => b.loss - a.loss).slice(0, WORST_ROWS);
}

/** Sentences with wrongly tagged words, the most first; each tagged word read at its first token, as the metrics read it. */
function taggingMistakes({ logits, rows, labels, texts }: EvaluatedSplit): TaggingMistake[] {
  const k = labels.length;
  const mistakes: TaggingMistake[] = [];
  let offset = 0;
  rows.forEach((row, index) => {
    const truth: string[] = [];
    const predicted: string[] = [];
    row.target.forEach((id, position) => {
      if (id === IGNORED_LABEL) return;
      truth.push(labels[id]!);
      predicted.push(labels[argmax(logits.subarray((offset + position) * k, (offset + position + 1) * k))]!);
    });
    offset += row.inputIds.length;
    const wrongWords = truth.filter((tag, i) => predicted[i] !== tag).length;
    if (wrongWords === 0) return;
    // The data worker shows a sentence as its words joined by spaces.
    const words = typedWords(texts[index] ?? '').slice(0, truth.length);
    mistakes.push({ index, words, truth, predicted, wrongWords });
  });
  return mistakes.sort((a, b) => b.wrongWords - a.wrongWords || a.index - b.index).slice(0, WORST_ROWS);
}
