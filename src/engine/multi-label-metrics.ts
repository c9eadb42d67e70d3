/**
 * Multi-label classification metrics computed on the CPU from logits, as scikit-learn defines
 * them for a label-indicator matrix (zero_division=0): a label is predicted when its sigmoid
 * probability reaches the threshold.
 */
import type { ClassMetrics } from './metrics.ts';

export interface MultiLabelMetrics {
  /** Mean binary cross-entropy over every row and label (BCEWithLogitsLoss). */
  readonly loss: number;
  readonly examples: number;
  /** The probability at and above which a label counts as predicted. */
  readonly threshold: number;
  readonly microPrecision: number;
  readonly microRecall: number;
  readonly microF1: number;
  readonly macroF1: number;
  /** Rows whose predicted label set is exactly the true one. */
  readonly subsetAccuracy: number;
  readonly perLabel: ClassMetrics[];
  /** The threshold on THRESHOLD_GRID with the best micro-F1 on these rows: tuned on validation, used by predict. */
  readonly tuned: { readonly threshold: number; readonly microF1: number };
}

export const DEFAULT_THRESHOLD = 0.5;

/** The thresholds tuning tries: 0.05, 0.10 … 0.95. */
export const THRESHOLD_GRID: readonly number[] = Array.from({ length: 19 }, (_, i) => (i + 1) / 20);

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** max(x, 0) − x·y + log(1 + exp(−|x|)), in float64. */
export function binaryCrossEntropyOf(logit: number, target: number): number {
  return Math.max(logit, 0) - logit * target + Math.log1p(Math.exp(-Math.abs(logit)));
}

const f1Of = (tp: number, fp: number, fn: number) => (tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn));

function countsAt(logits: Float32Array, targets: ArrayLike<number>, k: number, threshold: number): { tp: number[]; fp: number[]; fn: number[]; exact: number } {
  const tp = new Array<number>(k).fill(0);
  const fp = new Array<number>(k).fill(0);
  const fn = new Array<number>(k).fill(0);
  let exact = 0;
  const n = logits.length / k;
  for (let i = 0; i < n; i++) {
    let same = true;
    for (let c = 0; c < k; c++) {
      const predicted = sigmoid(logits[i * k + c]!) >= threshold;
      const truth = targets[i * k + c]! >= 0.5;
      if (predicted && truth) tp[c]! += 1;
      else if (predicted) fp[c]! += 1;
      else if (truth) fn[c]! += 1;
      if (predicted !== truth) same = false;
    }
    if (same) exact += 1;
  }
  return { tp, fp, fn, exact };
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** `logits` and `targets` (0/1) hold one row of labels.length values per example, in order. */
export function multiLabelMetrics(logits: Float32Array, targets: ArrayLike<number>, labels: readonly string[], threshold = DEFAULT_THRESHOLD): MultiLabelMetrics {
  const k = labels.length;
  const n = logits.length / k;
  if (!Number.isInteger(n) || targets.length !== logits.length) throw new Error(`multiLabelMetrics: ${logits.length} logits and ${targets.length} targets for ${labels.length} labels`);
  let lossSum = 0;
  for (let i = 0; i < logits.length; i++) lossSum += binaryCrossEntropyOf(logits[i]!, targets[i]!);
  const { tp, fp, fn, exact } = countsAt(logits, targets, k, threshold);
  const perLabel = labels.map((label, c) => {
    const precision = tp[c]! + fp[c]! === 0 ? 0 : tp[c]! / (tp[c]! + fp[c]!);
    const recall = tp[c]! + fn[c]! === 0 ? 0 : tp[c]! / (tp[c]! + fn[c]!);
    return { label, precision, recall, f1: f1Of(tp[c]!, fp[c]!, fn[c]!), support: tp[c]! + fn[c]! };
  });
  const [TP, FP, FN] = [sum(tp), sum(fp), sum(fn)];
  let tuned = { threshold: DEFAULT_THRESHOLD, microF1: -1 };
  for (const t of THRESHOLD_GRID) {
    const c = countsAt(logits, targets, k, t);
    const f1 = f1Of(sum(c.tp), sum(c.fp), sum(c.fn));
    if (f1 > tuned.microF1) tuned = { threshold: t, microF1: f1 };
  }
  return {
    loss: n === 0 ? NaN : lossSum / (n * k),
    examples: n,
    threshold,
    microPrecision: TP + FP === 0 ? 0 : TP / (TP + FP),
    microRecall: TP + FN === 0 ? 0 : TP / (TP + FN),
    microF1: f1Of(TP, FP, FN),
    macroF1: sum(perLabel.map((p) => p.f1)) / Math.max(1, k),
    subsetAccuracy: n === 0 ? NaN : exact / n,
    perLabel,
    tuned: n === 0 ? { threshold: DEFAULT_THRESHOLD, microF1: 0 } : tuned,
  };
}
