import { describe, expect, it } from 'vitest';
import { initialProgress, type TrainingCheckpoint } from './checkpoint.ts';
import { fixedSettingsChanged, plannedUpdates, resumedWith, ResumeSettingsError } from './run-plan.ts';
import { defaultSettings } from './settings.ts';

const finished: TrainingCheckpoint = {
  modelConfig: {},
  labels: ['neg', 'pos'],
  settings: { ...defaultSettings, epochs: 2 },
  progress: { ...initialProgress, step: 20, epoch: 2, finished: true },
  dataOrder: [],
  history: { steps: [], evals: [] },
  params: new Map(),
  paramShapes: new Map(),
  moments: null,
};

describe('run plan', () => {
  it('counts updates as Trainer does: whole epochs of (partial) accumulation groups, or max steps', () => {
    expect(plannedUpdates({ epochs: 3, batchSize: 16, gradAccumulation: 1, maxSteps: 0 }, 160)).toBe(30);
    expect(plannedUpdates({ epochs: 3, batchSize: 16, gradAccumulation: 1, maxSteps: 0 }, 161)).toBe(33);
    expect(plannedUpdates({ epochs: 2, batchSize: 8, gradAccumulation: 4, maxSteps: 0 }, 80)).toBe(6);
    expect(plannedUpdates({ epochs: 2, batchSize: 8, gradAccumulation: 1, maxSteps: 7 }, 80)).toBe(7);
  });

  it('reopens a finished run with more epochs and the new schedule settings', () => {
    const resumed = resumedWith(finished, { ...finished.settings, epochs: 3, learningRate: 1e-5, evalSteps: 5 });
    expect(resumed.progress).toEqual({ ...finished.progress, finished: false });
    expect(resumed.settings).toMatchObject({ epochs: 3, learningRate: 1e-5, evalSteps: 5 });
  });

  it('refuses to change what the saved state depends on, naming each setting and what may change', () => {
    const asked = { ...finished.settings, batchSize: 32, seed: 7, epochs: 4 };
    expect(fixedSettingsChanged(finished.settings, asked)).toEqual(['batchSize', 'seed']);
    expect(() => resumedWith(finished, asked)).toThrow(ResumeSettingsError);
    expect(() => resumedWith(finished, asked)).toThrow(
      'a resumed run keeps the settings it was trained with: batch size 16 (asked for 32), seed 42 (asked for 7). ' +
        'Only these can change when resuming: epochs, max steps, learning rate, warmup ratio, eval steps, eval batch size.',
    );
  });
});
