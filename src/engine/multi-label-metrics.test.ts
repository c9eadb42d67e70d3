import { describe, expect, it } from 'vitest';
import { binaryCrossEntropyOf, multiLabelMetrics, sigmoid } from './multi-label-metrics.ts';

const logit = (p: number) => Math.log(p / (1 - p));

describe('multiLabelMetrics', () => {
  // Probabilities per row for labels a, b, c, and the true label sets.
  const probabilities = [
    [0.9, 0.6, 0.1], // predicts a, b; truth a, b
    [0.8, 0.2, 0.7], // predicts a, c; truth a
    [0.3, 0.32, 0.42], // predicts nothing; truth c
    [0.1, 0.9, 0.2], // predicts b; truth b
  ];
  const truth = [
    [1, 1, 0],
    [1, 0, 0],
    [0, 0, 1],
    [0, 1, 0],
  ];
  const logits = Float32Array.from(probabilities.flat().map(logit));
  const targets = Float32Array.from(truth.flat());

  it('counts micro and macro F1, per-label scores and subset accuracy as scikit-learn does', () => {
    const m = multiLabelMetrics(logits, targets, ['a', 'b', 'c']);
    // TP a 2, b 2, c 0; FP c 1; FN c 1: micro P 4/5, R 4/5.
    expect(m.microPrecision).toBeCloseTo(0.8, 6);
    expect(m.microRecall).toBeCloseTo(0.8, 6);
    expect(m.microF1).toBeCloseTo(0.8, 6);
    expect(m.perLabel.map((p) => [p.label, p.f1, p.support])).toEqual([
      ['a', 1, 2],
      ['b', 1, 2],
      ['c', 0, 1],
    ]);
    expect(m.macroF1).toBeCloseTo(2 / 3, 6);
    expect(m.subsetAccuracy).toBe(0.5);
    expect(m.threshold).toBe(0.5);
    const bce = probabilities.flat().reduce((sum, p, i) => sum - (targets[i]! * Math.log(p) + (1 - targets[i]!) * Math.log(1 - p)), 0) / 12;
    expect(m.loss).toBeCloseTo(bce, 5);
  });

  it('tunes the threshold for micro-F1 on the rows it is given, and applies a chosen one', () => {
    const m = multiLabelMetrics(logits, targets, ['a', 'b', 'c']);
    // At 0.35 and 0.40 row 3's c (0.42) is found and nothing else changes: TP 5, FP 1, FN 0; the lower one is taken first.
    expect(m.tuned.threshold).toBe(0.35);
    expect(m.tuned.microF1).toBeCloseTo(10 / 11, 12);
    const at = multiLabelMetrics(logits, targets, ['a', 'b', 'c'], m.tuned.threshold);
    expect(at.microF1).toBeCloseTo(m.tuned.microF1, 12);
    // At 0.75 row 1 loses b and row 2 its false c: TP 3, FP 0, FN 2.
    expect(multiLabelMetrics(logits, targets, ['a', 'b', 'c'], 0.75).microF1).toBeCloseTo(6 / 8, 12);
  });

  it('computes a stable sigmoid and binary cross-entropy for large logits', () => {
    expect(sigmoid(-800)).toBe(0);
    expect(sigmoid(800)).toBe(1);
    expect(binaryCrossEntropyOf(800, 1)).toBe(0);
    expect(binaryCrossEntropyOf(-800, 1)).toBe(800);
  });
});
