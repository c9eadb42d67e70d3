/**
 * Hugging Face Trainer's default schedule (`get_linear_schedule_with_warmup`): the learning
 * rate rises linearly from 0 over the warmup steps, then falls linearly to 0 at the last step.
 * `step` counts optimizer updates already taken, so the first update uses step 0 — with warmup
 * that first update has a learning rate of 0, exactly as in transformers.
 */
export interface LinearSchedule {
  readonly baseLr: number;
  readonly warmupSteps: number;
  readonly totalSteps: number;
}

export function learningRateAt(schedule: LinearSchedule, step: number): number {
  const { baseLr, warmupSteps, totalSteps } = schedule;
  if (step < warmupSteps) return (baseLr * step) / Math.max(1, warmupSteps);
  return baseLr * Math.max(0, (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
}

/** Trainer's rule: explicit warmup steps win, otherwise ceil(ratio × total). */
export function warmupStepsFor(totalSteps: number, warmupRatio: number, warmupSteps = 0): number {
  return warmupSteps > 0 ? warmupSteps : Math.ceil(totalSteps * warmupRatio);
}

/** Optimizer updates in one epoch: a trailing partial accumulation group still makes an update. */
export function updatesPerEpoch(batchesPerEpoch: number, gradAccumulation: number): number {
  return Math.max(1, Math.ceil(batchesPerEpoch / gradAccumulation));
}
