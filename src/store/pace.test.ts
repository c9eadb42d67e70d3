import { describe, expect, it } from 'vitest';
import { PACED_STEPS, paceBetween } from './pace.ts';

describe('paceBetween', () => {
  it('says nothing until a few steps are timed', () => {
    expect(paceBetween({ step: 1, at: 0 }, { step: PACED_STEPS, at: 1000 }, 100, 16)).toBeNull();
    expect(paceBetween({ step: 1, at: 0 }, { step: 1 + PACED_STEPS, at: 0 }, 100, 16)).toBeNull();
  });

  it('projects the steps left at the pace since the first timed step', () => {
    // 4 steps in 2 s: 2 steps a second, 32 rows a second at 16 rows a step; 90 steps left take 45 s.
    expect(paceBetween({ step: 6, at: 1000 }, { step: 10, at: 3000 }, 100, 16)).toEqual({ etaMs: 45_000, samplesPerSecond: 32 });
    expect(paceBetween({ step: 6, at: 1000 }, { step: 10, at: 3000 }, 10, 16)?.etaMs).toBe(0);
  });
});
