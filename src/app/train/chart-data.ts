/** The numbers behind the training charts, computed from the store's step and eval records. */
import { metricValue } from '../../engine/best-model.ts';
import type { EvalRecord, StepRecord } from '../../../workers/protocol.ts';

export interface LossPoint {
  readonly step: number;
  readonly loss: number;
  readonly smoothed: number;
}

/** More points than a chart's width in pixels only costs the page time. */
export const MAX_CHART_POINTS = 400;

/**
 * TensorBoard's smoothing: an exponential moving average, debiased so the curve does not
 * start at zero. `weight` 0 leaves the loss as it is; 0.99 is very smooth.
 */
export function smoothLoss(steps: readonly StepRecord[], weight: number, maxPoints = MAX_CHART_POINTS): LossPoint[] {
  const points: LossPoint[] = [];
  let ema = 0;
  let debias = 1;
  for (const s of steps) {
    ema = ema * weight + (1 - weight) * s.loss;
    debias *= weight;
    points.push({ step: s.step, loss: s.loss, smoothed: weight === 0 ? s.loss : ema / (1 - debias) });
  }
  return thin(points, maxPoints);
}

/** Every k-th point and always the last, so the newest step is on the chart. */
export function thin<T>(points: readonly T[], maxPoints: number): T[] {
  if (points.length <= maxPoints) return [...points];
  const stride = Math.ceil(points.length / maxPoints);
  const kept = points.filter((_, i) => i % stride === 0);
  if (kept.at(-1) !== points.at(-1)) kept.push(points.at(-1)!);
  return kept;
}

export interface EpochRow {
  readonly epoch: number;
  readonly step: number;
  readonly trainLoss: number | null;
  readonly validationLoss: number;
  readonly accuracy: number;
  readonly macroF1: number;
}

/** One row per evaluation: after each epoch, and every N steps when asked. */
export function epochRows(evals: readonly EvalRecord[]): EpochRow[] {
  return evals.map((e) => ({
    epoch: Math.round(e.epoch * 100) / 100,
    step: e.step,
    trainLoss: e.trainLoss,
    validationLoss: e.metrics.loss,
    // The two scores of the best-model choice (Pearson's r for both, for regression).
    accuracy: metricValue(e.metrics, 'accuracy'),
    macroF1: metricValue(e.metrics, 'macroF1'),
  }));
}

export interface LossAxis {
  readonly domain: readonly [number, number];
  /** Round values from one end to the other; recharts' own ticks would fall between them. */
  readonly ticks: readonly number[];
  /** Decimals the ticks need to tell their values apart. */
  readonly digits: number;
}

/** 1, 2 or 5 times a power of ten: steps people read tick labels in. */
function niceStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(rough));
  const scaled = rough / power;
  return (scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 5 ? 5 : 10) * power;
}

/**
 * A loss axis spanning the data with a margin, on round ticks: a loss moving between 0.69 and
 * 0.60 fills the chart instead of lying flat near its top, as it does on an axis from 0.
 */
export function lossAxis(values: readonly (number | null)[]): LossAxis {
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (finite.length === 0) return { domain: [0, 1], ticks: [0, 0.25, 0.5, 0.75, 1], digits: 2 };
  const low = Math.min(...finite);
  const high = Math.max(...finite);
  // A curve flat to rounding (a debiased average of equal values) gets an axis of its own size.
  const flat = high - low <= Math.max(1, Math.abs(high)) * 1e-9;
  const margin = flat ? Math.max(Math.abs(high) * 0.05, 0.01) : (high - low) * 0.1;
  const step = niceStep((high - low + 2 * margin) / 4);
  const digits = Math.max(0, -Math.floor(Math.log10(step)));
  const round = (x: number) => Number(x.toFixed(digits));
  const from = Math.max(0, Math.floor((low - margin) / step));
  const to = Math.ceil((high + margin) / step);
  const ticks = Array.from({ length: to - from + 1 }, (_, i) => round((from + i) * step));
  return { domain: [ticks[0]!, ticks.at(-1)!], ticks, digits };
}

export interface ChanceLevels {
  /** Accuracy of guessing each label equally often. */
  readonly uniform: number;
  /** Accuracy of always answering the most common label, and that label. */
  readonly majority: number;
  readonly majorityLabel: string;
}

/** The accuracy a model that learned nothing gets, from the validation rows per label; null without rows. */
export function chanceLevels(labels: readonly string[], validationCounts: readonly number[]): ChanceLevels | null {
  const total = validationCounts.reduce((a, b) => a + b, 0);
  if (total === 0 || labels.length === 0) return null;
  const most = validationCounts.reduce((best, n, i) => (n > validationCounts[best]! ? i : best), 0);
  return { uniform: 1 / labels.length, majority: validationCounts[most]! / total, majorityLabel: labels[most]! };
}
