/**
 * Speed and time left, measured by the page from when steps arrive. The first step after a
 * start or a resume also compiles the GPU's kernels (a minute on some machines): measured
 * from a later step, the estimate is the run's real pace, and it is only given once a few
 * steps have been timed.
 */
import type { StepMark } from './types.ts';

/** Steps timed before the time left is shown. */
export const PACED_STEPS = 3;

export interface Pace {
  readonly etaMs: number;
  readonly samplesPerSecond: number;
}

export function paceBetween(from: StepMark, to: StepMark, totalSteps: number, rowsPerStep: number): Pace | null {
  const steps = to.step - from.step;
  const ms = to.at - from.at;
  if (steps < PACED_STEPS || ms <= 0) return null;
  const stepsPerMs = steps / ms;
  return { etaMs: Math.max(0, totalSteps - to.step) / stepsPerMs, samplesPerSecond: stepsPerMs * 1000 * rowsPerStep };
}
