import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { Graph } from './graph.ts';
import * as op from './ops.ts';
import { encodeModel } from './encode.ts';
import { ShapeError } from './shape.ts';

const f32 = (data: number[], dims: number[]) => new ort.Tensor('float32', Float32Array.from(data), dims);

async function run(g: Graph, feeds: Record<string, ort.Tensor>) {
  const session = await ort.InferenceSession.create(encodeModel(g));
  return session.run(feeds);
}

describe('graph builder', () => {
  it('checks shapes statically, symbolic dimensions included', () => {
    const g = new Graph('shapes');
    const x = g.input('x', 'float32', ['batch', 'seq', 8]);
    const w = g.param('w', [8, 4]);
    expect(op.matMul(x, w).shape).toEqual(['batch', 'seq', 4]);
    expect(() => op.matMul(x, g.param('bad', [4, 8]))).toThrow(ShapeError);
    expect(() => op.add(x, g.input('y', 'float32', ['seq', 'batch', 8]))).toThrow(/cannot broadcast/);
    expect(op.reshape(x, ['batch', 'seq', 2, 4]).shape).toEqual(['batch', 'seq', 2, 4]);
    expect(() => op.reshape(x, ['batch', 'seq', 3, 4])).toThrow(/does not have the size/);
    expect(op.reshape(x, ['batch*seq', 8]).shape).toEqual(['batch*seq', 8]);
    expect(() => op.add(x, g.input('ids', 'int32', ['batch', 'seq', 8]))).toThrow(/dtype mismatch/);
    expect(op.gather(g.param('emb', [10, 8]), g.input('i', 'int32', ['batch', 'seq'])).shape).toEqual(['batch', 'seq', 8]);
  });

  it('names nodes by scope and refuses duplicate names', () => {
    const g = new Graph('names');
    const x = g.input('x', 'float32', [2]);
    const y = g.scope('encoder.layer.0', () => op.tanh(x));
    expect(y.producer?.name).toMatch(/^encoder\.layer\.0\/Tanh_\d+$/);
    expect(() => g.input('x', 'float32', [2])).toThrow(/already used/);
  });

  it('encodes a model onnxruntime runs, dropping nodes and inputs the outputs do not need', async () => {
    const g = new Graph('run');
    const x = g.input('x', 'float32', ['batch', 3]);
    g.input('unused', 'float32', [1]);
    const w = g.param('w', [3, 2]);
    const h = op.add(op.matMul(x, w), 1);
    op.exp(h);
    const ln = op.layerNorm(h, g.param('scale', [2]), g.param('bias', [2]), 1e-5);
    g.output(op.reduceSum(ln.y, [1]), 'sum');
    g.output(op.reshape(op.unsqueeze(h, [1]), ['batch', 2]), 'h');
    const session = await ort.InferenceSession.create(encodeModel(g));
    expect([...session.inputNames].sort()).toEqual(['bias', 'scale', 'w', 'x']);
    const out = await session.run({
      x: f32([1, 0, 0, 0, 1, 1], [2, 3]),
      w: f32([1, 2, 3, 4, 5, 6], [3, 2]),
      scale: f32([1, 1], [2]),
      bias: f32([0.5, 0.5], [2]),
    });
    expect([...(out.h!.data as Float32Array)]).toEqual([2, 3, 9, 11]);
    expect([...(out.sum!.data as Float32Array)]).toEqual([1, 1]);
  });

  it('runs the integer and masking ops the models use', async () => {
    const g = new Graph('ints');
    const ids = g.input('ids', 'int32', [1, 4]);
    const isPad = op.equal(ids, 1);
    const notPad = op.where(isPad, g.scalar(0, 'int32'), 1);
    g.output(op.add(op.mul(op.cumSum(notPad, 1), notPad), 1), 'positions');
    const out = await run(g, { ids: new ort.Tensor('int32', Int32Array.from([0, 7, 1, 1]), [1, 4]) });
    expect([...(out.positions!.data as Int32Array)]).toEqual([2, 3, 1, 1]);
  });

  it('accumulates duplicate indices in ScatterND add', async () => {
    const g = new Graph('scatter');
    const table = g.param('table', [3, 2]);
    const idx = g.input('idx', 'int64', [3, 1]);
    const upd = g.input('upd', 'float32', [3, 2]);
    g.output(op.scatterNDAdd(op.zerosLike(table), idx, upd), 'grad');
    const out = await run(g, {
      table: f32([9, 9, 9, 9, 9, 9], [3, 2]),
      idx: new ort.Tensor('int64', BigInt64Array.from([2n, 0n, 2n]), [3, 1]),
      upd: f32([1, 2, 3, 4, 5, 6], [3, 2]),
    });
    expect([...(out.grad!.data as Float32Array)]).toEqual([3, 4, 0, 0, 6, 8]);
  });

  it('runs Gemm with transposed operands and Expand to a static shape', async () => {
    const g = new Graph('gemm-expand');
    const a = g.input('a', 'float32', [3, 2]);
    const b = g.input('b', 'float32', [4, 3]);
    expect(() => op.gemm(a, b)).toThrow(/inner dimensions/);
    g.output(op.gemm(a, b, { transA: true, transB: true }), 'ab');
    const x = g.input('x', 'float32', ['batch', 1]);
    const wide = op.expand(x, [1, 3]);
    expect(wide.shape).toEqual(['batch', 3]);
    g.output(wide, 'wide');
    const out = await run(g, {
      a: f32([1, 2, 3, 4, 5, 6], [3, 2]),
      b: f32([1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1], [4, 3]),
      x: f32([7, 8], [2, 1]),
    });
    // aᵀ = [[1,3,5],[2,4,6]], bᵀ = [[1,0,0,1],[0,1,0,1],[0,0,1,1]]
    expect([...(out.ab!.data as Float32Array)]).toEqual([1, 3, 5, 9, 2, 4, 6, 12]);
    expect([...(out.wide!.data as Float32Array)]).toEqual([7, 7, 7, 8, 8, 8]);
  });
});
