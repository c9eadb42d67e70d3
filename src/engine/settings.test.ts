import { describe, expect, it } from 'vitest';
import { defaultSettings, settingProblems, validateSettings } from './settings.ts';

describe('settings checks', () => {
  it('accepts the defaults', () => {
    expect(settingProblems(defaultSettings)).toEqual({});
    expect(() => validateSettings(defaultSettings)).not.toThrow();
  });

  it('names every impossible setting with its accepted range', () => {
    const problems = settingProblems({ ...defaultSettings, epochs: 2.5, batchSize: 0, learningRate: Number.NaN, maxLength: 4, warmupRatio: 1 });
    expect(problems).toEqual({
      epochs: 'epochs must be a whole number ≥ 1, got 2.5',
      batchSize: 'batch size must be a whole number ≥ 1, got 0',
      maxLength: 'max length must be a whole number ≥ 8, got 4',
      learningRate: 'learning rate must be in (0, 1), got NaN',
      warmupRatio: 'warmup ratio must be in [0, 1), got 1',
    });
  });

  it('throws the first problem', () => {
    expect(() => validateSettings({ ...defaultSettings, batchSize: -1, weightDecay: 2 })).toThrow('batch size must be a whole number ≥ 1, got -1');
  });
});
