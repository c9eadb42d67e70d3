import { describe, expect, it } from 'vitest';
import { Graph } from '../onnx/graph.ts';
import * as op from '../onnx/ops.ts';
import { liveNodes } from '../onnx/encode.ts';
import { bucketBytes, elementCount, executionOrder, simulateWorkingMemory } from './working-memory.ts';

describe('bucketBytes', () => {
  it("rounds a request up to onnxruntime's next cache bucket, and past the largest to 16 bytes", () => {
    expect(bucketBytes(1)).toBe(64);
    expect(bucketBytes(4096)).toBe(4096);
    expect(bucketBytes(4097)).toBe(8192);
    // 8×128×768 float32: a BERT-base hidden state at batch 8 takes the 4 MiB bucket.
    expect(bucketBytes(8 * 128 * 768 * 4)).toBe(4194304);
    expect(bucketBytes(200_000_001)).toBe(200_000_016);
  });
});

describe('elementCount', () => {
  it('multiplies static and symbolic dimensions, products of symbols included', () => {
    expect(elementCount(['batch', 'seq', 4], { batch: 2, seq: 3 })).toBe(24);
    expect(elementCount(['batch*seq', 4], { batch: 2, seq: 3 })).toBe(24);
    expect(() => elementCount(['other'], { batch: 2 })).toThrow(/other/);
  });
});

describe('simulateWorkingMemory', () => {
  it('reuses a released buffer of the same bucket and counts the cache as held', () => {
    const g = new Graph('chain');
    const x = g.input('x', 'float32', ['n']);
    const a = op.mul(x, 2);
    const b = op.add(a, 1);
    g.output(op.mul(a, b), 'y');
    // x, a, b and y live at once at the last node: four 4 KiB buffers (a second run reuses all of
    // them), and the scalars 2 and 1 are initializers of 64 bytes each.
    expect(simulateWorkingMemory(g, { n: 1024 }, new Set()).peakBytes).toBe(4 * 4096 + 2 * 64);
    // A buffer freed early is taken again by a later value of its bucket.
    const h = new Graph('reuse');
    const u = h.input('u', 'float32', ['n']);
    const c = op.exp(op.exp(op.exp(u)));
    h.output(c, 'c');
    expect(simulateWorkingMemory(h, { n: 1024 }, new Set()).peakBytes).toBe(3 * 4096);
  });

  it('lets reshapes share their input buffer, and keeps folded constants for the session', () => {
    const g = new Graph('alias');
    const x = g.input('x', 'float32', [8, 128]);
    const table = g.constant({ dtype: 'float32', shape: [1024], data: new Float32Array(1024) });
    const folded = op.mul(op.reshape(table, [8, 128]), 3);
    g.output(op.add(op.reshape(op.exp(x), [1024, 1]), op.reshape(folded, [1024, 1])), 'y');
    const memory = simulateWorkingMemory(g, {}, new Set());
    // The folded multiple of the table stays (4 KiB; the table itself is read by folded nodes only),
    // with the shape of the one reshape that runs (64 bytes); x, exp(x) and y take a buffer each.
    expect(memory.initializerBytes).toBe(4096 + 64);
    expect(memory.peakBytes).toBe(4096 + 64 + 3 * 4096);
  });

  it('costs nothing for inputs and outputs in buffers the caller owns', () => {
    const g = new Graph('external');
    const param = g.param('p', [1024]);
    const grad = g.output(op.mul(param, 2), 'grad');
    // Only the scalar 2 remains, an initializer.
    expect(simulateWorkingMemory(g, {}, new Set([param, grad])).peakBytes).toBe(64);
    expect(simulateWorkingMemory(g, {}, new Set([param])).peakBytes).toBe(64 + 4096);
  });
});

describe('executionOrder of an encoded graph', () => {
  it("runs a weight's Transpose just before its MatMul, not every layer's at the start", () => {
    const g = new Graph('layers');
    let h = g.input('x', 'float32', ['batch', 8]);
    const weights = [0, 1, 2].map((i) => g.param(`w${i}`, [8, 8]));
    for (const w of weights) h = op.matMul(h, op.transpose(w, [1, 0]));
    g.output(h, 'y');
    const order = executionOrder(liveNodes(g)).map((n) => n.op);
    expect(order).toEqual(['Transpose', 'MatMul', 'Transpose', 'MatMul', 'Transpose', 'MatMul']);
    // Each transposed weight is freed by its MatMul before the next one is made: x, one weight, two activations.
    expect(simulateWorkingMemory(g, { batch: 16 }, new Set(weights), 1).peakBytes).toBe(512 + 256 + 2 * 512);
  });
});
