import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { expectGradientsMatch, uniform } from './autodiff/gradcheck.ts';
import { crossEntropy } from './loss.ts';
import { crossEntropyOf } from './metrics.ts';
import { encodeModel } from './onnx/encode.ts';
import { Graph } from './onnx/graph.ts';

const X = -100;
/** Two sentences of 4 positions: special tokens, later word pieces and padding are -100. */
const tokenLabels = new ort.Tensor('int32', Int32Array.of(X, 2, X, 0, X, 1, 3, X), [2, 4]);

describe('cross-entropy over token logits, as CrossEntropyLoss(ignore_index=-100)', () => {
  it('is the mean over the labelled positions only', async () => {
    const g = new Graph('token-loss');
    const logits = g.input('logits', 'float32', ['batch', 'seq', 4]);
    const labels = g.input('labels', 'int32', ['batch', 'seq']);
    g.output(crossEntropy(logits, labels).loss, 'loss');
    const session = await ort.InferenceSession.create(encodeModel(g));
    const logitValues = uniform([2, 4, 4], 5, -3, 3);
    const out = await session.run({ logits: logitValues, labels: tokenLabels });
    const data = logitValues.data as Float32Array;
    const ids = tokenLabels.data as Int32Array;
    const labelled = [...ids.keys()].filter((i) => ids[i] !== X);
    const expected = labelled.reduce((sum, i) => sum + crossEntropyOf(data.subarray(i * 4, i * 4 + 4), ids[i]!), 0) / labelled.length;
    expect(labelled).toHaveLength(4);
    expect(Math.abs((out.loss!.data as Float32Array)[0]! - expected)).toBeLessThan(1e-6);
    await session.release();
  });

  it('has a gradient that matches finite differences and is zero at ignored positions', async () => {
    const result = await expectGradientsMatch({
      build: (g) => {
        const logits = g.input('logits', 'float32', [2, 4, 4]);
        const labels = g.input('labels', 'int32', [2, 4]);
        const { loss, stopGradient } = crossEntropy(logits, labels);
        return { output: loss, wrt: [logits], stopGradient };
      },
      feeds: { logits: uniform([2, 4, 4], 9, -2, 2), labels: tokenLabels },
    });
    const gradient = result.analytic.get('logits')!;
    const ids = tokenLabels.data as Int32Array;
    for (const [position, id] of ids.entries()) {
      const row = Array.from(gradient.subarray(position * 4, position * 4 + 4));
      if (id === X) expect(row).toEqual([0, 0, 0, 0]);
      else expect(Math.max(...row.map(Math.abs))).toBeGreaterThan(1e-3);
    }
  });

  it('refuses labels whose shape is not the logits’ without the class axis', () => {
    const g = new Graph('bad');
    expect(() => crossEntropy(g.input('logits', 'float32', ['batch', 'seq', 4]), g.input('labels', 'int32', ['batch']))).toThrow('crossEntropy: labels must be int32 [batch, seq]');
  });
});
