import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { encodeModel } from '../onnx/encode.ts';
import { Graph, type Value } from '../onnx/graph.ts';
import * as op from '../onnx/ops.ts';
import { backward } from './backward.ts';
import { expectGradientsMatch, floats, uniform } from './gradcheck.ts';

async function evaluate(g: Graph, outputs: Record<string, Value>, feeds: Record<string, ort.Tensor>): Promise<Record<string, number[]>> {
  for (const [name, v] of Object.entries(outputs)) g.output(op.identity(v), name);
  const session = await ort.InferenceSession.create(encodeModel(g));
  const results = await session.run(Object.fromEntries(session.inputNames.map((n) => [n, feeds[n]!])));
  return Object.fromEntries(Object.keys(outputs).map((name) => [name, [...(results[name]!.data as Float32Array)]]));
}

/** x·½(1 + erf(x/√2)): x feeds two paths whose gradients must add up. */
const gelu = (x: Value) => op.mul(op.mul(x, 0.5), op.add(op.erf(op.mul(x, Math.SQRT1_2)), 1));

describe('backward', () => {
  it('differentiates a mini network: LayerNorm → MatMul → GELU → MatMul + residual → Softmax → cross-entropy', async () => {
    const classes = 4;
    await expectGradientsMatch(
      {
        build: (g) => {
          const x = g.input('x', 'float32', ['batch', 'seq', 6]);
          const labels = g.input('labels', 'int32', ['batch', 'seq']);
          const scale = g.param('ln.scale', [6]);
          const bias = g.param('ln.bias', [6]);
          const w1 = g.param('w1', [6, 8]);
          const b1 = g.param('b1', [8]);
          const w2 = g.param('w2', [8, 6]);
          const w3 = g.param('w3', [6, classes]);
          const normed = op.layerNorm(x, scale, bias, 1e-5).y;
          const hidden = op.add(op.matMul(gelu(op.add(op.matMul(normed, w1), b1)), w2), normed);
          const probs = op.softmax(op.matMul(hidden, w3));
          const classIds = g.constant({ dtype: 'int32', shape: [classes], data: Int32Array.from({ length: classes }, (_, i) => i) });
          const oneHot = op.cast(op.equal(op.unsqueeze(labels, [2]), classIds), 'float32');
          const nll = op.neg(op.reduceSum(op.mul(op.log(probs), oneHot), [2]));
          return { output: op.reduceMean(nll, [0, 1]), wrt: [x, scale, bias, w1, b1, w2, w3] };
        },
        feeds: {
          x: uniform([2, 3, 6], 51, -2, 2),
          labels: new ort.Tensor('int32', Int32Array.of(0, 3, 1, 2, 2, 0), [2, 3]),
          'ln.scale': uniform([6], 52, 0.5, 1.5),
          'ln.bias': uniform([6], 53),
          w1: uniform([6, 8], 54),
          b1: uniform([8], 55),
          w2: uniform([8, 6], 56),
          w3: uniform([6, classes], 57),
        },
        step: 3e-3,
      },
      2e-2,
    );
  });

  it('records every gradient node under grad/<forward node name>', () => {
    const g = new Graph('names');
    const x = g.param('x', [3]);
    const tanh = g.scope('layer.0', () => op.tanh(x));
    const loss = op.reduceSum(tanh, [0]);
    const before = g.nodes.length;
    backward(loss, [x]);
    const added = g.nodes.slice(before);
    expect(added.length).toBeGreaterThan(0);
    for (const node of added) expect(node.name).toMatch(/^grad\//);
    expect(added.some((n) => n.name.startsWith(`grad/${tanh.producer!.name}/`))).toBe(true);
  });

  it('emits no gradient nodes for branches that cannot reach a requested value', async () => {
    const g = new Graph('prune');
    const x = g.input('x', 'float32', [3]);
    const frozen = g.param('frozen', [3]);
    const h = op.tanh(op.mul(x, 3));
    const loss = op.add(op.reduceSum(op.mul(h, h), [0]), op.reduceSum(op.exp(frozen), [0]));
    const before = g.nodes.length;
    const grads = backward(loss, [h]);
    // Only ReduceSum's Expand, Mul(h, h)'s two products and their sum: nothing for the frozen Exp branch
    // nor for the Tanh and Mul upstream of h.
    expect(g.nodes.slice(before).map((n) => n.op).sort()).toEqual(['Add', 'Expand', 'Mul', 'Mul']);
    expect([...grads.keys()]).toEqual([h]);
    const out = await evaluate(g, { h, dh: grads.get(h)! }, { x: floats([0.1, -0.2, 0.3], [3]), frozen: floats([0, 0, 0], [3]) });
    out.dh!.forEach((d, i) => expect(d).toBeCloseTo(2 * out.h![i]!, 6));
  });

  it('gives a parameter the loss does not depend on explicit zeros', async () => {
    const g = new Graph('unused');
    const used = g.param('used', [2]);
    const unused = g.param('unused', [2, 2]);
    const grads = backward(op.reduceSum(op.mul(used, used), [0]), [used, unused]);
    const dUnused = grads.get(unused)!;
    expect(dUnused.shape).toEqual([2, 2]);
    expect(dUnused.producer?.op).toBe('Mul');
    const out = await evaluate(g, { d: dUnused }, { used: floats([1, 2], [2]), unused: floats([5, 6, 7, 8], [2, 2]) });
    expect(out.d).toEqual([0, 0, 0, 0]);
  });

  it('leaves int values out of the map and gives no gradient through a cast from int', async () => {
    const g = new Graph('ints');
    const ids = g.input('ids', 'int32', [3]);
    const w = g.param('w', [3]);
    // w reaches the loss only through an int round trip, which carries no gradient.
    const roundTrip = op.cast(op.cast(w, 'int32'), 'float32');
    const loss = op.reduceSum(op.mul(op.cast(ids, 'float32'), roundTrip), [0]);
    const grads = backward(loss, [ids, w]);
    expect(grads.has(ids)).toBe(false);
    const out = await evaluate(g, { dw: grads.get(w)! }, { ids: new ort.Tensor('int32', Int32Array.of(1, 2, 3), [3]), w: floats([1, 2, 3], [3]) });
    expect(out.dw).toEqual([0, 0, 0]);
  });

  it('stops gradients at stopGradient values and leaves requested stopped values out', async () => {
    const g = new Graph('stop');
    const w = g.param('w', [2]);
    const doubled = op.mul(w, 2);
    const loss = op.reduceSum(op.mul(doubled, w), [0]);
    const before = g.nodes.length;
    const grads = backward(loss, [w, doubled], { stopGradient: new Set([doubled]) });
    expect(grads.has(doubled)).toBe(false);
    // d/dw of (2w)·w with 2w held constant is 2w, with no node differentiating the Mul by 2.
    const mulBy2 = doubled.producer!.name;
    expect(g.nodes.slice(before).filter((n) => n.name.startsWith(`grad/${mulBy2}/`))).toEqual([]);
    const out = await evaluate(g, { dw: grads.get(w)! }, { w: floats([1, 3], [2]) });
    expect(out.dw).toEqual([2, 6]);
  });

  it('returns the gradient of an intermediate value as the total over all its uses', async () => {
    const g = new Graph('intermediate');
    const x = g.input('x', 'float32', [2]);
    const h = op.exp(x);
    const loss = op.reduceSum(op.add(op.mul(h, 3), op.mul(h, h)), [0]);
    const grads = backward(loss, [h, x]);
    const out = await evaluate(g, { h, dh: grads.get(h)!, dx: grads.get(x)! }, { x: floats([0.5, -1], [2]) });
    out.h!.forEach((hv, i) => {
      expect(out.dh![i]).toBeCloseTo(3 + 2 * hv, 5);
      expect(out.dx![i]).toBeCloseTo((3 + 2 * hv) * hv, 5);
    });
  });

  it('recomputes a marked value where a gradient reads it, so the forward value is read by no gradient node', async () => {
    const build = (marked: boolean) => {
      const g = new Graph('recompute');
      const x = g.param('x', [2, 3]);
      const w = g.param('w', [3, 4]);
      // activation → matmul: the matmul's weight gradient reads the activation.
      const activated = op.gelu(x, 'none');
      if (marked) g.recomputeInBackward(activated, () => op.geluContrib(x, 'none'));
      const loss = op.reduceSum(op.mul(op.matMul(activated, w), op.matMul(activated, w)), [0, 1]);
      const grads = backward(loss, [x, w]);
      return { g, activated, dx: grads.get(x)!, dw: grads.get(w)! };
    };
    const feeds = { x: uniform([2, 3], 11), w: uniform([3, 4], 12) };
    const plain = build(false);
    const marked = build(true);
    const gradNodes = marked.g.nodes.filter((n) => n.name.startsWith('grad/'));
    expect(gradNodes.some((n) => n.inputs.includes(marked.activated))).toBe(false);
    // One recomputation, by another op than the forward one, shared by both matmuls' weight gradients.
    expect(marked.g.nodes.filter((n) => n.name.includes('recompute/') && n.op === 'Gelu' && n.domain === 'com.microsoft')).toHaveLength(1);
    const expected = await evaluate(plain.g, { dx: plain.dx, dw: plain.dw }, feeds);
    const actual = await evaluate(marked.g, { dx: marked.dx, dw: marked.dw }, feeds);
    expect(actual).toEqual(expected);
  });

  it('recomputes a value that costs a product only when asked to, and reads recomputed values in a recomputation', async () => {
    const build = (saveMemory: boolean) => {
      const g = new Graph('recompute-products');
      const x = g.param('x', [2, 3]);
      const w = g.param('w', [3, 4]);
      const expanded = op.matMul(x, w);
      g.recomputeInBackward(expanded, () => op.matMul(op.mul(x, 1), w), 'to-save-memory');
      const activated = op.gelu(expanded, 'none');
      g.recomputeInBackward(activated, (read) => op.geluContrib(read(expanded), 'none'));
      const loss = op.reduceSum(op.mul(activated, activated), [0, 1]);
      const grads = backward(loss, [x, w], { saveMemory });
      const readers = g.nodes.filter((n) => n.name.startsWith('grad/') && n.inputs.some((v) => v === expanded || v === activated));
      return { g, readers, dx: grads.get(x)!, dw: grads.get(w)! };
    };
    const kept = build(false);
    const recomputed = build(true);
    // Without products, the GELU gradient reads the forward product; with them, nothing reads the forward values.
    expect(kept.readers.length).toBeGreaterThan(0);
    expect(kept.g.nodes.filter((n) => n.name.includes('recompute/') && n.op === 'MatMul')).toHaveLength(0);
    expect(recomputed.readers.map((n) => n.name)).toEqual([]);
    expect(recomputed.g.nodes.filter((n) => n.name.includes('recompute/') && n.op === 'MatMul')).toHaveLength(1);
    const feeds = { x: uniform([2, 3], 13), w: uniform([3, 4], 14) };
    const expected = await evaluate(kept.g, { dx: kept.dx, dw: kept.dw }, feeds);
    const actual = await evaluate(recomputed.g, { dx: recomputed.dx, dw: recomputed.dw }, feeds);
    for (const key of ['dx', 'dw']) actual[key]!.forEach((v, i) => expect(v).toBeCloseTo(expected[key]![i]!, 6));
  });

  it('throws for an op without a gradient rule, naming the op and the node', () => {
    const g = new Graph('unknown');
    const x = g.param('x', [2]);
    const [y] = g.addNode('Mystery', [x], [{ dtype: 'float32', shape: [2] }]);
    expect(() => backward(op.reduceSum(y!, [0]), [x])).toThrow(/no gradient rule for op Mystery \(node Mystery_\d+\)/);
  });

  it('refuses a loss that is not a float32 scalar', () => {
    const g = new Graph('loss');
    const x = g.param('x', [2]);
    expect(() => backward(x, [x])).toThrow(/float32 scalar/);
  });
});
