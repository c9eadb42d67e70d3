import { describe, expect, it } from 'vitest';
import type { Graph } from '../../onnx/graph.ts';
import * as op from '../../onnx/ops.ts';
import type { Shape } from '../../onnx/shape.ts';
import { expectGradientsMatch, uniform } from '../gradcheck.ts';

const gradNodes = (graph: Graph, opType: string) => graph.nodes.filter((n) => n.op === opType && n.name.startsWith('grad/'));

describe('gradient of MatMul', () => {
  const cases: readonly { name: string; a: Shape; aDims: number[]; b: Shape; bDims: number[] }[] = [
    { name: '2-D × 2-D', a: [3, 4], aDims: [3, 4], b: [4, 5], bDims: [4, 5] },
    { name: '3-D × 2-D with symbolic batch and sequence', a: ['batch', 'seq', 4], aDims: [2, 3, 4], b: [4, 5], bDims: [4, 5] },
    { name: '4-D × 2-D with static and symbolic leading axes', a: ['batch', 2, 3, 4], aDims: [2, 2, 3, 4], b: [4, 5], bDims: [4, 5] },
    { name: '4-D × 4-D attention scores', a: ['batch', 2, 'seq', 4], aDims: [2, 2, 3, 4], b: ['batch', 2, 4, 'seq'], bDims: [2, 2, 4, 3] },
    { name: 'broadcast batch axes', a: [2, 1, 4, 5], aDims: [2, 1, 4, 5], b: [3, 5, 2], bDims: [3, 5, 2] },
    { name: '2-D × 3-D', a: [4, 5], aDims: [4, 5], b: [2, 5, 3], bDims: [2, 5, 3] },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      await expectGradientsMatch({
        build: (g) => {
          const a = g.input('a', 'float32', c.a);
          const b = g.input('b', 'float32', c.b);
          return { output: op.matMul(a, b), wrt: [a, b] };
        },
        feeds: { a: uniform(c.aDims, 1), b: uniform(c.bDims, 2) },
      });
    });
  }

  it('computes the weight gradient of [batch, seq, K] × [K, N] as one Gemm over batch*seq rows', async () => {
    const { graph } = await expectGradientsMatch({
      build: (g) => {
        const x = g.input('x', 'float32', ['batch', 'seq', 4]);
        const w = g.param('w', [4, 5]);
        return { output: op.matMul(x, w), wrt: [w] };
      },
      feeds: { x: uniform([2, 3, 4], 3), w: uniform([4, 5], 4) },
    });
    const [gemm] = gradNodes(graph, 'Gemm');
    expect(gemm?.attrs['transA']).toEqual({ int: 1 });
    expect(gemm?.inputs.map((v) => v?.shape)).toEqual([
      ['batch*seq', 4],
      ['batch*seq', 5],
    ]);
    expect(gradNodes(graph, 'Transpose')).toEqual([]);
    expect(gradNodes(graph, 'ReduceSum')).toEqual([]);
  });

  for (const xShape of [['batch', 4], ['batch', 'seq', 4]] as const) {
    it(`transposes nothing for [${xShape.join(', ')}] × Transpose(w): dw comes out in w's layout`, async () => {
      const { graph } = await expectGradientsMatch({
        build: (g) => {
          const x = g.input('x', 'float32', xShape);
          const w = g.param('w', [5, 4]);
          return { output: op.matMul(x, op.transpose(w, [1, 0])), wrt: [x, w] };
        },
        feeds: { x: uniform(xShape.length === 2 ? [2, 4] : [2, 3, 4], 5), w: uniform([5, 4], 6) },
      });
      const dw = graph.outputs.find((v) => v.name === 'grad_w')?.producer?.inputs[0];
      expect(dw?.producer?.op).toBe('Gemm');
      expect(dw?.shape).toEqual([5, 4]);
      // dx multiplies by w (or reads Transpose(w) with Gemm's flag); the one Transpose recorded for dw
      // cancels against the Transpose rule, so nothing reads it.
      const live = new Set(graph.nodes.flatMap((n) => n.inputs));
      expect(gradNodes(graph, 'Transpose').filter((n) => live.has(n.outputs[0]!))).toEqual([]);
    });
  }

  it('differentiates Q·Kᵀ with Kᵀ from a Transpose without transposing K back', async () => {
    const { graph } = await expectGradientsMatch({
      build: (g) => {
        const q = g.input('q', 'float32', ['batch', 2, 'seq', 4]);
        const k = g.input('k', 'float32', ['batch', 2, 'seq', 4]);
        return { output: op.softmax(op.matMul(q, op.transpose(k, [0, 1, 3, 2]))), wrt: [q, k] };
      },
      feeds: { q: uniform([2, 2, 3, 4], 7), k: uniform([2, 2, 3, 4], 8) },
    });
    const matMuls = gradNodes(graph, 'MatMul');
    expect(matMuls.some((n) => n.inputs[1]?.name === 'k')).toBe(true);
  });
});

describe('gradient of Gemm', () => {
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      it(`transA=${transA} transB=${transB}, without any Transpose`, async () => {
        const aDims = transA ? [4, 3] : [3, 4];
        const bDims = transB ? [5, 4] : [4, 5];
        const { graph } = await expectGradientsMatch({
          build: (g) => {
            const a = g.input('a', 'float32', aDims);
            const b = g.input('b', 'float32', bDims);
            return { output: op.gemm(a, b, { transA, transB }), wrt: [a, b] };
          },
          feeds: { a: uniform(aDims, 9), b: uniform(bDims, 10) },
        });
        expect(gradNodes(graph, 'Transpose')).toEqual([]);
      });
    }
  }
});
