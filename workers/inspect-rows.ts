/**
 * The validation rows behind the evaluation's numbers: those in one confusion-matrix cell, or
 * the mistakes with a given true and/or predicted label, hardest first (highest loss), each
 * with the probability the model gave every label.
 */
import { argmax, crossEntropyOf, softmax } from '../src/engine/metrics.ts';
import type { InspectedRow, RowFilter } from './protocol.ts';

/** The rows of the last evaluation; the logits are one row of labels.length per validation row. */
export interface EvaluatedRows {
  readonly logits: Float32Array;
  readonly truth: readonly number[];
  readonly labels: readonly string[];
  readonly texts: readonly string[];
}

export function inspectRows(evaluated: EvaluatedRows, filter: RowFilter, limit: number): { rows: InspectedRow[]; total: number } {
  const { logits, truth, labels, texts } = evaluated;
  const k = labels.length;
  const matches: (InspectedRow & { loss: number })[] = [];
  truth.forEach((t, i) => {
    const row = logits.subarray(i * k, (i + 1) * k);
    const predicted = argmax(row);
    if (filter.errorsOnly && predicted === t) return;
    if (filter.truth !== null && filter.truth !== t) return;
    if (filter.predicted !== null && filter.predicted !== predicted) return;
    matches.push({ index: i, text: texts[i] ?? '', truth: t, predicted, probabilities: softmax(row), loss: crossEntropyOf(row, t) });
  });
  matches.sort((a, b) => b.loss - a.loss);
  return { rows: matches.slice(0, limit).map(({ loss: _loss, ...row }) => row), total: matches.length };
}
