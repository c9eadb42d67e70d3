/** The numbers behind the training charts, computed from the store's step and eval records. */
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
    accuracy: e.metrics.accuracy,
    macroF1: e.metrics.macroF1,
  }));
}
