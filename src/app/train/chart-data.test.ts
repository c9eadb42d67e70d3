import { describe, expect, it } from 'vitest';
import type { EvalRecord } from '../../../workers/protocol.ts';
import { chanceLevels, epochRows, lossAxis, smoothLoss, thin } from './chart-data.ts';

const steps = [1, 0.5, 1, 0.5].map((loss, i) => ({ step: i + 1, epoch: (i + 1) / 4, loss, learningRate: 1e-4, gradNorm: 1 }));

describe('smoothLoss', () => {
  it('leaves the loss as it is at smoothing 0', () => {
    expect(smoothLoss(steps, 0).map((p) => p.smoothed)).toEqual([1, 0.5, 1, 0.5]);
  });

  it('starts at the first loss (debiased) and evens out the zigzag', () => {
    const smoothed = smoothLoss(steps, 0.6).map((p) => p.smoothed);
    expect(smoothed[0]).toBeCloseTo(1);
    // Debiased EMA: (0.4·1·0.6 + 0.4·0.5) / (1 − 0.36) at step 2.
    expect(smoothed[1]).toBeCloseTo((0.24 + 0.2) / 0.64);
    expect(Math.max(...smoothed.slice(1)) - Math.min(...smoothed.slice(1))).toBeLessThan(0.5);
  });

  it('thins long runs to a drawable number of points, keeping the newest', () => {
    const long = Array.from({ length: 1001 }, (_, i) => ({ step: i + 1, epoch: 1, loss: 1, learningRate: 1, gradNorm: 1 }));
    const points = smoothLoss(long, 0.5, 100);
    expect(points.length).toBeLessThanOrEqual(102);
    expect(points.at(-1)!.step).toBe(1001);
    expect(thin([1, 2, 3], 5)).toEqual([1, 2, 3]);
  });
});

describe('epochRows', () => {
  it('gives one row per evaluation with its scores', () => {
    const record: EvalRecord = { step: 10, epoch: 0.99999, trainLoss: null, metrics: { task: 'single-label', loss: 0.3, accuracy: 0.8, macroF1: 0.75, examples: 5, perClass: [], confusion: [] } };
    expect(epochRows([record])).toEqual([{ epoch: 1, step: 10, trainLoss: null, validationLoss: 0.3, accuracy: 0.8, macroF1: 0.75 }]);
  });
});

describe('lossAxis', () => {
  it('spans the data on round ticks instead of starting at 0', () => {
    expect(lossAxis([0.69, 0.65, 0.6, null])).toEqual({ domain: [0.55, 0.7], ticks: [0.55, 0.6, 0.65, 0.7], digits: 2 });
    expect(lossAxis([2.3, 0.1])).toEqual({ domain: [0, 3], ticks: [0, 1, 2, 3], digits: 0 });
    expect(lossAxis([0.6932, 0.6929])).toMatchObject({ domain: [0.6928, 0.6933], digits: 4 });
  });

  it('gives a flat or empty curve an axis of its own', () => {
    const flat = lossAxis([0.6931, 0.6931]);
    expect(flat.domain[0]).toBeLessThan(0.6931);
    expect(flat.domain[1]).toBeGreaterThan(0.6931);
    expect(lossAxis([]).domain).toEqual([0, 1]);
    expect(lossAxis([0.7, 0.6999999999999998]).domain).toEqual([0.66, 0.74]);
  });
});

describe('chanceLevels', () => {
  it('gives the uniform guess and the most common label', () => {
    expect(chanceLevels(['neg', 'pos', 'neutral'], [10, 25, 15])).toEqual({ uniform: 1 / 3, majority: 0.5, majorityLabel: 'pos' });
    expect(chanceLevels(['neg', 'pos'], [0, 0])).toBeNull();
  });
});
