import { describe, expect, it } from 'vitest';
import { CheckpointClock, defaultCheckpointCadence } from './checkpoint-cadence.ts';

describe('checkpoint cadence', () => {
  it('is due every N updates counted from the last save', () => {
    const clock = new CheckpointClock({ everyUpdates: 3, everyMs: 0 }, () => 0);
    clock.started(10);
    expect([11, 12, 13].map((s) => clock.due(s))).toEqual([false, false, true]);
    clock.saved(13);
    expect([14, 15, 16].map((s) => clock.due(s))).toEqual([false, false, true]);
  });

  it('is due once M minutes of training have passed, not counting time spent paused', () => {
    let now = 0;
    const clock = new CheckpointClock(defaultCheckpointCadence, () => now);
    clock.started(0);
    now = 9 * 60_000;
    expect(clock.due(40)).toBe(false);
    now = 10 * 60_000;
    expect(clock.due(45)).toBe(true);
    clock.saved(45);
    // Paused for an hour, then resumed: the ten minutes start again.
    now += 60 * 60_000;
    clock.started(45);
    now += 60_000;
    expect(clock.due(50)).toBe(false);
    // No update since the last save: nothing new to save.
    now += 20 * 60_000;
    expect(clock.due(45)).toBe(false);
  });

  it('refuses a cadence no run can keep', () => {
    expect(() => new CheckpointClock({ everyUpdates: 2.5, everyMs: 0 })).toThrow('checkpoint every N updates must be a whole number ≥ 0, got 2.5');
    expect(() => new CheckpointClock({ everyUpdates: 0, everyMs: -60_000 })).toThrow('checkpoint every M minutes must be a number ≥ 0, got -1');
  });
});
