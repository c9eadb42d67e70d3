import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { Graph } from '../../onnx/graph.ts';
import * as op from '../../onnx/ops.ts';
import { backward } from '../backward.ts';
import { expectGradientsMatch, uniform } from '../gradcheck.ts';

describe('gradient of Gather', () => {
  for (const dtype of ['int32', 'int64'] as const) {
    it(`along axis 0 with duplicate ${dtype} ids over a symbolic batch`, async () => {
      const ids = dtype === 'int64' ? BigInt64Array.of(4n, 1n, 4n, 0n, 4n, 1n) : Int32Array.of(4, 1, 4, 0, 4, 1);
      const { graph } = await expectGradientsMatch({
        build: (g) => {
          const table = g.param('table', [5, 3]);
          return { output: op.gather(table, g.input('ids', dtype, ['batch', 'seq'])), wrt: [table] };
        },
        feeds: { table: uniform([5, 3], 41), ids: new ort.Tensor(dtype, ids, [2, 3]) },
      });
      const casts = graph.nodes.filter((n) => n.op === 'Cast' && n.name.startsWith('grad/'));
      expect(casts).toHaveLength(dtype === 'int64' ? 0 : 1);
    });
  }

  it('refuses axes other than 0', () => {
    const g = new Graph('gather');
    const table = g.param('table', [2, 3]);
    const loss = op.reduceSum(op.gather(table, g.input('ids', 'int32', [2]), 1), [0, 1]);
    expect(() => backward(loss, [table])).toThrow(/Gather_\d+: Gather: only gathers along axis 0/);
  });
});

describe('gradient of ScatterND with reduction add', () => {
  it('passes dy to data and gathers it for the updates, duplicates included', async () => {
    await expectGradientsMatch({
      build: (g) => {
        const data = g.input('data', 'float32', [4, 3]);
        const updates = g.input('updates', 'float32', ['n', 3]);
        return { output: op.scatterNDAdd(data, g.input('indices', 'int64', ['n', 1]), updates), wrt: [data, updates] };
      },
      feeds: {
        data: uniform([4, 3], 42),
        updates: uniform([3, 3], 43),
        indices: new ort.Tensor('int64', BigInt64Array.of(2n, 0n, 2n), [3, 1]),
      },
    });
  });

  it('refuses the updates gradient when indices address more than the first axis', () => {
    const g = new Graph('scatter');
    const updates = g.input('updates', 'float32', [2]);
    const out = op.scatterNDAdd(g.input('data', 'float32', [3, 3]), g.input('indices', 'int64', [2, 2]), updates);
    expect(() => backward(op.reduceSum(out, [0, 1]), [updates])).toThrow(/ScatterND.*needs GatherND/);
  });
});
