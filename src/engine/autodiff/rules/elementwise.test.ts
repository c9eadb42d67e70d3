import { describe, expect, it } from 'vitest';
import type { Value } from '../../onnx/graph.ts';
import * as op from '../../onnx/ops.ts';
import type { Shape } from '../../onnx/shape.ts';
import { expectGradientsMatch, floats, uniform } from '../gradcheck.ts';

const binaryOps: readonly [string, (a: Value, b: Value) => Value][] = [
  ['Add', op.add],
  ['Sub', op.sub],
  ['Mul', op.mul],
  ['Div', op.div],
];

const broadcasts: readonly { name: string; a: Shape; aDims: number[]; b: Shape; bDims: number[] }[] = [
  { name: 'equal shapes', a: [2, 3], aDims: [2, 3], b: [2, 3], bDims: [2, 3] },
  { name: 'an operand missing leading axes', a: [2, 3, 4], aDims: [2, 3, 4], b: [4], bDims: [4] },
  { name: 'an operand with size-1 axes', a: [2, 3, 4], aDims: [2, 3, 4], b: [2, 1, 4], bDims: [2, 1, 4] },
  { name: 'both operands broadcast', a: [2, 1, 4], aDims: [2, 1, 4], b: [3, 1], bDims: [3, 1] },
  { name: 'a symbolic batch', a: ['batch', 3, 4], aDims: [2, 3, 4], b: [1, 4], bDims: [1, 4] },
  { name: 'a scalar operand', a: [], aDims: [], b: [2, 3], bDims: [2, 3] },
];

/** Values with |v| ≥ 0.2, away from the kinks of Relu at 0. */
const awayFromZero = (dims: number[], seed: number) =>
  floats(Array.from(uniform(dims, seed).data as Float32Array, (v) => Math.sign(v) * (0.2 + Math.abs(v))), dims);

describe('gradients of binary elementwise ops', () => {
  for (const [name, fn] of binaryOps) {
    for (const shapes of broadcasts) {
      it(`${name} with ${shapes.name}`, async () => {
        await expectGradientsMatch({
          build: (g) => {
            const a = g.input('a', 'float32', shapes.a);
            const b = g.input('b', 'float32', shapes.b);
            return { output: fn(a, b), wrt: [a, b] };
          },
          // b stays away from zero for Div.
          feeds: { a: uniform(shapes.aDims, 1), b: uniform(shapes.bDims, 2, 0.5, 1.5) },
        });
      });
    }
  }

  it('accumulates both operand gradients when one value is used twice (Mul(x, x))', async () => {
    await expectGradientsMatch({
      build: (g) => {
        const x = g.input('x', 'float32', [2, 3]);
        return { output: op.mul(x, x), wrt: [x] };
      },
      feeds: { x: uniform([2, 3], 3) },
    });
  });

  it('differentiates against a scalar constant operand only on the tensor side', async () => {
    await expectGradientsMatch({
      build: (g) => {
        const x = g.input('x', 'float32', [2, 3]);
        return { output: op.div(op.sub(3, op.mul(x, 2)), 4), wrt: [x] };
      },
      feeds: { x: uniform([2, 3], 4) },
    });
  });
});

describe('gradients of unary elementwise ops', () => {
  const unary: readonly { name: string; fn: (x: Value) => Value; low?: number; high?: number; feed?: (dims: number[]) => ReturnType<typeof floats> }[] = [
    { name: 'Neg', fn: op.neg },
    { name: 'Sqrt', fn: op.sqrt, low: 0.5, high: 2 },
    { name: 'Exp', fn: op.exp },
    { name: 'Log', fn: op.log, low: 0.5, high: 2 },
    { name: 'Erf', fn: op.erf, low: -2, high: 2 },
    { name: 'Tanh', fn: op.tanh, low: -2, high: 2 },
    { name: 'Relu', fn: op.relu, feed: (dims) => awayFromZero(dims, 5) },
    { name: 'Gelu (exact)', fn: (x) => op.gelu(x, 'none'), low: -3, high: 3 },
    { name: 'Gelu (tanh)', fn: (x) => op.gelu(x, 'tanh'), low: -3, high: 3 },
    { name: 'Sin', fn: op.sin, low: -3, high: 3 },
    // Values in [k + 0.2, k + 0.8): the finite differences never cross an integer.
    { name: 'Floor', fn: op.floor, feed: (dims) => floats([0.3, 1.5, -0.7, 2.2, -1.4, 0.75], dims) },
    { name: 'Identity', fn: op.identity },
    { name: 'Pow 2', fn: (x) => op.pow(x, 2) },
    { name: 'Pow 3', fn: (x) => op.pow(x, 3) },
    { name: 'Pow 0.5', fn: (x) => op.pow(x, 0.5), low: 0.5, high: 2 },
    { name: 'Pow -1.5', fn: (x) => op.pow(x, -1.5), low: 0.5, high: 2 },
    {
      name: 'Cast float32 → float32',
      fn: (x) => x.graph.addNode('Cast', [x], [{ dtype: 'float32', shape: x.shape }], { to: { int: 1 } })[0]!,
    },
  ];
  for (const { name, fn, low, high, feed } of unary) {
    it(name, async () => {
      await expectGradientsMatch({
        build: (g) => {
          const x = g.input('x', 'float32', ['batch', 3]);
          return { output: fn(x), wrt: [x] };
        },
        feeds: { x: feed ? feed([2, 3]) : uniform([2, 3], 6, low ?? -1, high ?? 1) },
        step: 3e-3,
      });
    });
  }

  it('gives Floor no gradient nodes at all', async () => {
    const { graph } = await expectGradientsMatch({
      build: (g) => {
        const x = g.input('x', 'float32', [2]);
        return { output: op.add(op.floor(x), x), wrt: [x] };
      },
      feeds: { x: floats([0.5, 1.5], [2]) },
    });
    expect(graph.nodes.filter((n) => n.name.includes('Floor') && n.name.startsWith('grad/'))).toEqual([]);
  });
});

describe('gradient of Where', () => {
  it('routes the gradient to each branch and unbroadcasts it', async () => {
    await expectGradientsMatch({
      build: (g) => {
        const condition = op.greater(g.input('c', 'float32', ['batch', 1, 4]), 0);
        const a = g.input('a', 'float32', ['batch', 3, 4]);
        const b = g.input('b', 'float32', [4]);
        return { output: op.where(condition, a, b), wrt: [a, b] };
      },
      feeds: { c: uniform([2, 1, 4], 8), a: uniform([2, 3, 4], 9), b: uniform([4], 10) },
    });
  });
});
