import { describe, expect, it } from 'vitest';
import { classificationMetrics, crossEntropyOf, softmax } from './metrics.ts';

describe('classification metrics', () => {
  it('computes accuracy, per-class precision/recall/F1, macro-F1 and the confusion matrix', () => {
    // truths: a a b b c ; predictions: a b b b a
    const onehot = (c: number) => [0, 1, 2].map((i) => (i === c ? 5 : 0));
    const logits = Float32Array.from([0, 1, 1, 1, 0].flatMap(onehot));
    const m = classificationMetrics(logits, [0, 0, 1, 1, 2], ['a', 'b', 'c']);
    expect(m.accuracy).toBeCloseTo(3 / 5);
    expect(m.confusion).toEqual([[1, 1, 0], [0, 2, 0], [1, 0, 0]]);
    expect(m.perClass[0]).toMatchObject({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
    expect(m.perClass[1]!.precision).toBeCloseTo(2 / 3);
    expect(m.perClass[1]!.recall).toBe(1);
    expect(m.perClass[2]).toMatchObject({ precision: 0, recall: 0, f1: 0, support: 1 });
    expect(m.macroF1).toBeCloseTo((0.5 + 0.8 + 0) / 3);
  });

  it('computes cross-entropy and softmax stably', () => {
    expect(crossEntropyOf([0, 0], 1)).toBeCloseTo(Math.log(2));
    expect(crossEntropyOf([1000, 0], 0)).toBeCloseTo(0);
    expect(softmax([1000, 1000])).toEqual([0.5, 0.5]);
  });
});
