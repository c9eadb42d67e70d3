import { describe, expect, it } from 'vitest';
import { Graph } from '../../onnx/graph.ts';
import * as op from '../../onnx/ops.ts';
import { backward } from '../backward.ts';
import { expectGradientsMatch, uniform } from '../gradcheck.ts';

describe('gradient of Softmax', () => {
  for (const axis of [-1, 1]) {
    it(`along axis ${axis}`, async () => {
      await expectGradientsMatch({
        build: (g) => {
          const x = g.input('x', 'float32', ['batch', 3, 4]);
          return { output: op.softmax(x, axis), wrt: [x] };
        },
        feeds: { x: uniform([2, 3, 4], 31, -2, 2) },
      });
    });
  }
});

describe('gradient of LayerNormalization', () => {
  it('for x, scale and bias over a symbolic batch and sequence', async () => {
    await expectGradientsMatch({
      build: (g) => {
        const x = g.input('x', 'float32', ['batch', 'seq', 5]);
        const scale = g.param('scale', [5]);
        const bias = g.param('bias', [5]);
        return { output: op.layerNorm(x, scale, bias, 1e-5).y, wrt: [x, scale, bias] };
      },
      feeds: { x: uniform([2, 3, 5], 32, -2, 2), scale: uniform([5], 33, 0.5, 1.5), bias: uniform([5], 34) },
      step: 3e-3,
    });
  });

  it('for a single row, where scale and bias see no batch axes', async () => {
    await expectGradientsMatch({
      build: (g) => {
        const x = g.input('x', 'float32', [6]);
        const scale = g.param('scale', [6]);
        const bias = g.param('bias', [6]);
        return { output: op.layerNorm(x, scale, bias, 1e-5).y, wrt: [x, scale, bias] };
      },
      feeds: { x: uniform([6], 35, -2, 2), scale: uniform([6], 36, 0.5, 1.5), bias: uniform([6], 37) },
      step: 3e-3,
    });
  });

  it('refuses a loss that depends on the saved statistics', () => {
    const g = new Graph('stats');
    const x = g.input('x', 'float32', [2, 4]);
    const { mean } = op.layerNorm(x, g.param('scale', [4]), g.param('bias', [4]), 1e-5);
    expect(() => backward(op.reduceSum(mean, [0, 1]), [x])).toThrow(/LayerNormalization.*Mean and InvStdDev outputs/);
  });
});
