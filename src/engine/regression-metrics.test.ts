import { describe, expect, it } from 'vitest';
import { ranks, regressionMetrics } from './regression-metrics.ts';

describe('regressionMetrics', () => {
  it('gives scipy.stats pearsonr and spearmanr (ties share their mean rank) and the mean squared error', () => {
    // Values from scipy 1.17: pearsonr 0.9026049491731774, spearmanr 0.8406680016960504.
    const m = regressionMetrics([1.0, 2.5, 2.5, 4.0, 3.0, 0.5], [0.8, 2.0, 3.1, 3.9, 3.0, 1.5]);
    expect(m.pearson).toBeCloseTo(0.9026049491731774, 12);
    expect(m.spearman).toBeCloseTo(0.8406680016960504, 12);
    expect(m.mse).toBeCloseTo(0.27666666666666667, 12);
    expect(m.loss).toBe(m.mse);
    expect(m.examples).toBe(6);
  });

  it('ranks ties by their mean rank', () => {
    expect(Array.from(ranks([10, 20, 20, 5]))).toEqual([2, 3.5, 3.5, 1]);
  });

  it('has no correlation for a constant prediction', () => {
    expect(regressionMetrics([1, 1, 1], [1, 2, 3]).pearson).toBeNaN();
  });
});
