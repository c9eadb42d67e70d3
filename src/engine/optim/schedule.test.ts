import { describe, expect, it } from 'vitest';
import { learningRateAt, updatesPerEpoch, warmupStepsFor } from './schedule.ts';

describe('linear schedule with warmup', () => {
  it('matches transformers get_linear_schedule_with_warmup', () => {
    const s = { baseLr: 1e-3, warmupSteps: 4, totalSteps: 10 };
    // lr_lambda(step) = step/warmup below warmup, else (total-step)/(total-warmup)
    expect([0, 1, 2, 3, 4, 5, 9, 10, 11].map((t) => learningRateAt(s, t))).toEqual(
      [0, 0.25e-3, 0.5e-3, 0.75e-3, 1e-3, (5 / 6) * 1e-3, (1 / 6) * 1e-3, 0, 0],
    );
  });

  it('starts at the full rate without warmup', () => {
    expect(learningRateAt({ baseLr: 5e-5, warmupSteps: 0, totalSteps: 100 }, 0)).toBe(5e-5);
    expect(learningRateAt({ baseLr: 5e-5, warmupSteps: 0, totalSteps: 100 }, 50)).toBeCloseTo(2.5e-5, 12);
  });

  it('derives warmup and update counts as Trainer does', () => {
    expect(warmupStepsFor(1000, 0.06)).toBe(60);
    expect(warmupStepsFor(1001, 0.06)).toBe(61);
    expect(warmupStepsFor(1000, 0.06, 10)).toBe(10);
    expect(updatesPerEpoch(10, 4)).toBe(3);
    expect(updatesPerEpoch(12, 4)).toBe(3);
  });
});
