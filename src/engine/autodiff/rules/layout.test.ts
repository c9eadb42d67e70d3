import { describe, expect, it } from 'vitest';
import { Graph, type Value } from '../../onnx/graph.ts';
import * as op from '../../onnx/ops.ts';
import { backward } from '../backward.ts';
import { expectGradientsMatch, uniform } from '../gradcheck.ts';

/** A one-input check: x of the declared shape fed with `dims`, output fn(x). */
function checkUnary(shape: readonly (number | string)[], dims: number[], fn: (x: Value) => Value) {
  return expectGradientsMatch({
    build: (g) => {
      const x = g.input('x', 'float32', shape);
      return { output: fn(x), wrt: [x] };
    },
    feeds: { x: uniform(dims, 11) },
  });
}

describe('gradients of layout ops', () => {
  it('Transpose', () => checkUnary(['batch', 3, 4], [2, 3, 4], (x) => op.transpose(x, [2, 0, 1])));

  it('Transpose of a Transpose whose gradient transposes cancel emits only one', async () => {
    const { graph } = await checkUnary([2, 3, 4], [2, 3, 4], (x) => op.transpose(op.transpose(x, [1, 0, 2]), [1, 0, 2]));
    expect(graph.nodes.filter((n) => n.op === 'Transpose' && n.name.startsWith('grad/'))).toHaveLength(1);
  });

  it('Reshape splitting heads, with symbolic dimensions kept in place', () =>
    checkUnary(['batch', 'seq', 6], [2, 3, 6], (x) => op.reshape(x, ['batch', 'seq', 2, 3])));

  it('Reshape merging one symbolic dimension with static ones', () => checkUnary(['batch', 2, 3], [2, 2, 3], (x) => op.reshape(x, ['batch', 6])));

  it('Reshape that merged two symbolic dimensions fails with a clear message', () => {
    const g = new Graph('flatten');
    const x = g.input('x', 'float32', ['batch', 'seq', 4]);
    const loss = op.reduceSum(op.reshape(x, ['batch*seq', 4]), [0, 1]);
    expect(() => backward(loss, [x])).toThrow(/Reshape_\d+.*cannot reshape the gradient \[batch\*seq, 4\] back to \[batch, seq, 4\]/);
  });

  it('Unsqueeze', () => checkUnary(['batch', 3], [2, 3], (x) => op.unsqueeze(x, [0, 2])));

  it('Squeeze', () => checkUnary(['batch', 1, 3, 1], [2, 1, 3, 1], (x) => op.squeeze(x, [1, 3])));

  it('Concat slices the gradient back to each input', async () => {
    await expectGradientsMatch({
      build: (g) => {
        const a = g.input('a', 'float32', ['batch', 2]);
        const b = g.input('b', 'float32', ['batch', 3]);
        const c = g.input('c', 'float32', ['batch', 1]);
        return { output: op.concat([a, b, c], 1), wrt: [a, b, c] };
      },
      feeds: { a: uniform([2, 2], 12), b: uniform([2, 3], 13), c: uniform([2, 1], 14) },
    });
  });

  for (const [start, end] of [
    [1, 3],
    [0, 2],
    [2, 5],
  ] as const) {
    it(`Slice [${start}, ${end}) of a static axis, other axes symbolic`, () => checkUnary(['batch', 5], [2, 5], (x) => op.slice(x, 1, start, end)));
  }

  it('Slice of a fully static tensor writes its zeros with Expand', async () => {
    const { graph } = await checkUnary([3, 5], [3, 5], (x) => op.slice(x, 1, 1, 3));
    const concat = graph.nodes.find((n) => n.op === 'Concat' && n.name.startsWith('grad/'));
    expect(concat?.inputs).toHaveLength(3);
    expect([concat?.inputs[0]?.producer?.op, concat?.inputs[2]?.producer?.op]).toEqual(['Expand', 'Expand']);
  });

  it('Slice along a symbolic axis fails with a clear message', () => {
    const g = new Graph('slice');
    const x = g.input('x', 'float32', ['seq', 2]);
    const loss = op.reduceSum(op.slice(x, 0, 0, 1), [0, 1]);
    expect(() => backward(loss, [x])).toThrow(/Slice_\d+.*sliced axis 0 of \[seq, 2\] is symbolic/);
  });
});
