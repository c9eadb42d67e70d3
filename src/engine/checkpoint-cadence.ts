/**
 * How often a run saves a checkpoint while it trains, so a killed process or a crashed tab
 * loses at most that much: every N updates, or once M minutes of training have passed since
 * the last save, whichever comes first (as Trainer's save_steps, plus a clock). Time counts
 * only while training: a run paused for an hour is not due the moment it resumes.
 */
export interface CheckpointCadence {
  /** Save after this many updates since the last save; 0 = not by count. */
  readonly everyUpdates: number;
  /** Save once this many milliseconds of training have passed since the last save; 0 = not by time. */
  readonly everyMs: number;
}

/** Every 10 minutes of training. */
export const defaultCheckpointCadence: CheckpointCadence = { everyUpdates: 0, everyMs: 10 * 60_000 };

export function validateCadence(c: CheckpointCadence): void {
  if (!Number.isInteger(c.everyUpdates) || c.everyUpdates < 0) throw new RangeError(`checkpoint every N updates must be a whole number ≥ 0, got ${c.everyUpdates}`);
  if (!(Number.isFinite(c.everyMs) && c.everyMs >= 0)) throw new RangeError(`checkpoint every M minutes must be a number ≥ 0, got ${c.everyMs / 60_000}`);
}

/** Says when the next periodic checkpoint is due; told when training starts and when one is saved. */
export class CheckpointClock {
  private lastStep = 0;
  private lastAt = 0;

  constructor(
    private readonly cadence: CheckpointCadence,
    /** Milliseconds, monotonic. */
    private readonly now: () => number = () => performance.now(),
  ) {
    validateCadence(cadence);
  }

  /** Training starts (or resumes) at `step`: both counts start again from here. */
  started(step: number): void {
    this.lastStep = step;
    this.lastAt = this.now();
  }

  /** Whether a checkpoint is due now that `step` updates are done. */
  due(step: number): boolean {
    const { everyUpdates, everyMs } = this.cadence;
    if (step <= this.lastStep) return false;
    return (everyUpdates > 0 && step - this.lastStep >= everyUpdates) || (everyMs > 0 && this.now() - this.lastAt >= everyMs);
  }

  /** A checkpoint of `step` was saved. */
  saved(step: number): void {
    this.started(step);
  }
}
