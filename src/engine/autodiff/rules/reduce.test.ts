import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { encodeModel } from '../../onnx/encode.ts';
import { Graph, type Value } from '../../onnx/graph.ts';
import * as op from '../../onnx/ops.ts';
import { backward } from '../backward.ts';
import { expectGradientsMatch, floats, uniform } from '../gradcheck.ts';

function checkUnary(shape: readonly (number | string)[], dims: number[], fn: (x: Value) => Value, seed = 21) {
  return expectGradientsMatch({
    build: (g) => {
      const x = g.input('x', 'float32', shape);
      return { output: fn(x), wrt: [x] };
    },
    feeds: { x: uniform(dims, seed) },
  });
}

describe('gradients of reductions', () => {
  for (const [name, reduce] of [
    ['ReduceSum', op.reduceSum],
    ['ReduceMean', op.reduceMean],
  ] as const) {
    it(`${name} over static axes, keeping them`, () => checkUnary(['batch', 3, 4], [2, 3, 4], (x) => reduce(x, [2], true)));
    it(`${name} over static axes, dropping them`, () => checkUnary(['batch', 3, 4], [2, 3, 4], (x) => reduce(x, [1, 2])));
    it(`${name} over a symbolic axis`, () => checkUnary(['batch', 'seq', 4], [2, 3, 4], (x) => reduce(x, [1])));
    it(`${name} over symbolic and static axes to a scalar`, () => checkUnary(['batch', 3], [5, 3], (x) => reduce(x, [0, 1])));
  }

  it('ReduceMean over a symbolic axis counts its size at run time from one slice of x', async () => {
    const { graph } = await checkUnary(['batch', 'seq', 4], [2, 3, 4], (x) => op.reduceMean(x, [1]));
    const slices = graph.nodes.filter((n) => n.op === 'Slice' && n.name.startsWith('grad/'));
    expect(slices.map((n) => n.outputs[0]!.shape)).toEqual([
      [1, 'seq', 4],
      [1, 'seq', 1],
    ]);
  });

  it('ReduceMax with distinct values', () => checkUnary(['batch', 3, 4], [2, 3, 4], (x) => op.reduceMax(x, [2])));
  it('ReduceMax keeping the reduced axes', () => checkUnary(['batch', 3, 4], [2, 3, 4], (x) => op.reduceMax(x, [1, 2], true)));

  it('ReduceMax shares the gradient equally between tied maxima', async () => {
    const g = new Graph('ties');
    const x = g.input('x', 'float32', [2, 3]);
    const loss = op.reduceSum(op.mul(op.reduceMax(x, [1]), g.constant({ dtype: 'float32', shape: [2], data: Float32Array.of(1, 10) })), [0]);
    g.output(op.identity(backward(loss, [x]).get(x)!), 'dx');
    const session = await ort.InferenceSession.create(encodeModel(g));
    const { dx } = await session.run({ x: floats([2, 5, 5, 7, 7, 7], [2, 3]) });
    expect([...(dx!.data as Float32Array)]).toEqual([0, 0.5, 0.5, 10 / 3, 10 / 3, 10 / 3].map(Math.fround));
  });

  it('CumSum', () => checkUnary(['batch', 5], [2, 5], (x) => op.cumSum(x, 1)));
  it('CumSum reversed and exclusive', () => checkUnary(['batch', 5], [2, 5], (x) => op.cumSum(x, 1, { reverse: true, exclusive: true })));
});
