import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { backward } from '../autodiff/backward.ts';
import { encodeModel } from '../onnx/encode.ts';
import { Graph, type Value } from '../onnx/graph.ts';
import type { Shape } from '../onnx/shape.ts';
import * as op from '../onnx/ops.ts';
import { createHashDropout, dropoutSeedFor, type DropoutSite, recordDropoutSites } from './dropout.ts';

const batch = 8;
const seq = 125;
const hidden = 100; // 8·125·100 = 100,000 elements

interface Site {
  readonly p: number;
  readonly site: string;
  readonly shape: Shape;
}

/** Runs dropout on all-ones inputs, so each output is 0 or 1/(1−p): the mask itself. */
async function masks(sites: readonly Site[], seed: number): Promise<Float32Array[]> {
  const g = new Graph('dropout');
  const mask = g.input('attention_mask', 'float32', ['batch', 'seq']);
  const dropout = createHashDropout(g, g.input('seed', 'float32', []), mask, sites);
  sites.forEach((s, i) => {
    const x = g.input(`x${i}`, 'float32', s.shape);
    g.output(dropout.apply(x, s.p, s.site), `y${i}`);
  });
  const session = await ort.InferenceSession.create(encodeModel(g));
  const dims = (shape: Shape) => shape.map((d) => (d === 'batch' ? batch : d === 'seq' ? seq : (d as number)));
  const feeds: Record<string, ort.Tensor> = {
    attention_mask: new ort.Tensor('float32', new Float32Array(batch * seq).fill(1), [batch, seq]),
    seed: new ort.Tensor('float32', Float32Array.of(seed), []),
  };
  sites.forEach((s, i) => {
    const d = dims(s.shape);
    feeds[`x${i}`] = new ort.Tensor('float32', new Float32Array(d.reduce((a, b) => a * b, 1)).fill(1), d);
  });
  const out = await session.run(feeds);
  return sites.map((_, i) => out[`y${i}`]!.data as Float32Array);
}

const keep = (y: Float32Array) => Float64Array.from(y, (v) => (v !== 0 ? 1 : 0));

function correlation(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]! / n;
    mb += b[i]! / n;
  }
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < n; i++) {
    cov += (a[i]! - ma) * (b[i]! - mb);
    va += (a[i]! - ma) ** 2;
    vb += (b[i]! - mb) ** 2;
  }
  return cov / Math.sqrt(va * vb);
}

/** Keep bits of consecutive blocks of `stride` elements, paired with the next block. */
function neighbourCorrelation(bits: Float64Array, stride: number, blockCount: number): number {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i + stride < bits.length; i++) {
    if (Math.floor(i / stride) % blockCount === blockCount - 1) continue; // do not pair across the enclosing axis
    a.push(bits[i]!);
    b.push(bits[i + stride]!);
  }
  return correlation(Float64Array.from(a), Float64Array.from(b));
}

const hiddenShape: Shape = ['batch', 'seq', hidden];
// 1/√n ≈ 0.003 for 10⁵ independent bits: 0.02 is far outside chance.
const uncorrelated = 0.02;

describe('hash dropout', () => {
  it.each([0.1, 0.5])('p = %s: keeps a fraction 1−p ± 0.01 of 10⁵ elements and scales them by 1/(1−p)', async (p) => {
    const [y] = await masks([{ p, site: 'rate', shape: hiddenShape }], 0.3141);
    const kept = y!.filter((v) => v !== 0);
    expect(Math.abs(kept.length / y!.length - (1 - p))).toBeLessThan(0.01);
    expect(kept.every((v) => v === Math.fround(1 / (1 - p)))).toBe(true);
  });

  it('gives the same mask for the same seed and site', async () => {
    const [a] = await masks([{ p: 0.1, site: 'same', shape: hiddenShape }], 0.5);
    const [b] = await masks([{ p: 0.1, site: 'same', shape: hiddenShape }], 0.5);
    expect(Buffer.from(a!.buffer).equals(Buffer.from(b!.buffer))).toBe(true);
  });

  it('gives uncorrelated masks for different seeds, even close ones', async () => {
    const site: Site = { p: 0.5, site: 'layer.0.attention.self.dropout', shape: hiddenShape };
    const [a] = await masks([site], 0.25);
    const [b] = await masks([site], 0.75);
    expect(Math.abs(correlation(keep(a!), keep(b!)))).toBeLessThan(uncorrelated);
    for (const near of [0.25 + 2 ** -24, 0.25 + 2 ** -12, 0.25 + 2 ** -6]) {
      const [c] = await masks([site], near);
      expect(Math.abs(correlation(keep(a!), keep(c!)))).toBeLessThan(uncorrelated);
    }
  });

  it('gives uncorrelated masks for different sites of one graph', async () => {
    const [a, b] = await masks(
      [
        { p: 0.5, site: 'bert.encoder.layer.0.output.dropout', shape: hiddenShape },
        { p: 0.5, site: 'bert.encoder.layer.1.output.dropout', shape: hiddenShape },
      ],
      0.125,
    );
    expect(Math.abs(correlation(keep(a!), keep(b!)))).toBeLessThan(uncorrelated);
  });

  it('has no structure along any axis: neighbouring rows, tokens and features are uncorrelated', async () => {
    const [y] = await masks([{ p: 0.5, site: 'structure', shape: hiddenShape }], 0.6);
    const bits = keep(y!);
    expect(Math.abs(neighbourCorrelation(bits, 1, hidden))).toBeLessThan(uncorrelated); // feature j vs j+1
    expect(Math.abs(neighbourCorrelation(bits, hidden, seq))).toBeLessThan(uncorrelated); // token s vs s+1
    expect(Math.abs(neighbourCorrelation(bits, hidden * seq, batch))).toBeLessThan(uncorrelated); // row b vs b+1
  });

  it('draws attention-probability masks [batch, heads, seq, seq] at the right rate without repeated rows', async () => {
    const heads = 4;
    const [y] = await masks([{ p: 0.1, site: 'attention', shape: ['batch', heads, 'seq', 'seq'] }], 0.9);
    const bits = keep(y!);
    const rate = bits.reduce((a, b) => a + b, 0) / bits.length;
    expect(Math.abs(rate - 0.9)).toBeLessThan(0.01);
    const rows = new Set<string>();
    for (let r = 0; r < bits.length / seq; r++) rows.add(bits.subarray(r * seq, (r + 1) * seq).join(''));
    expect(rows.size).toBe(bits.length / seq);
  });

  it('uses the forward mask in the backward pass: the gradient of sum(dropout(x)) is the mask itself', async () => {
    const g = new Graph('backward');
    const mask = g.input('attention_mask', 'float32', [2, 16]);
    const dropout = createHashDropout(g, g.input('seed', 'float32', []), mask, [{ site: 'site', shape: [2, 16, 32], p: 0.3 }]);
    const x = g.param('x', [2, 16, 32]);
    const y = dropout.apply(x, 0.3, 'site');
    const grad = backward(op.reduceSum(y, [0, 1, 2]), [x]).get(x)!;
    g.output(y, 'y');
    g.output(grad, 'grad');
    const session = await ort.InferenceSession.create(encodeModel(g));
    const out = await session.run({
      attention_mask: new ort.Tensor('float32', new Float32Array(32).fill(1), [2, 16]),
      seed: new ort.Tensor('float32', Float32Array.of(0.7), []),
      x: new ort.Tensor('float32', new Float32Array(2 * 16 * 32).fill(1), [2, 16, 32]),
    });
    const forward = out.y!.data as Float32Array;
    expect(forward.some((v) => v === 0)).toBe(true);
    expect(Array.from(out.grad!.data as Float32Array)).toEqual(Array.from(forward));
  });

  it('returns x itself for p = 0, and refuses a site used twice, one it was not made for, or p outside [0, 1)', () => {
    const g = new Graph('checks');
    const mask = g.input('mask', 'float32', ['batch', 'seq']);
    const x: Value = g.input('x', 'float32', ['batch', 'seq', 4]);
    const sites = recordDropoutSites((d) => {
      d.apply(x, 0, 'off');
      d.apply(x, 0.1, 'on');
    });
    expect(sites).toEqual([
      { site: 'off', shape: ['batch', 'seq', 4], p: 0 },
      { site: 'on', shape: ['batch', 'seq', 4], p: 0.1 },
    ]);
    expect(() => recordDropoutSites((d) => [d.apply(x, 0.1, 'twice'), d.apply(x, 0.1, 'twice')])).toThrow(/used twice/);
    expect(() => recordDropoutSites((d) => d.apply(x, 1, 'one'))).toThrow(/\[0, 1\)/);
    const dropout = createHashDropout(g, g.input('seed', 'float32', []), mask, sites);
    expect(dropout.apply(x, 0, 'off')).toBe(x);
    dropout.apply(x, 0.1, 'on');
    expect(() => dropout.apply(x, 0.1, 'on')).toThrow(/used twice/);
    expect(() => dropout.apply(x, 0.2, 'elsewhere')).toThrow(/not among the sites/);
    const other = g.input('y', 'float32', ['other', 4]);
    expect(() => createHashDropout(g, g.input('seed2', 'float32', []), mask, [{ site: 'other', shape: other.shape, p: 0.1 }])).toThrow(/neither static/);
  });

  it('draws the masks of every site of one shape from one hash: it is built once per shape, not per site', () => {
    const build = (siteCount: number) => {
      const g = new Graph('stacked');
      const mask = g.input('mask', 'float32', ['batch', 'seq']);
      const x = g.input('x', 'float32', ['batch', 'seq', 8]);
      const pooled = g.input('pooled', 'float32', ['batch', 8]);
      const sites: DropoutSite[] = Array.from({ length: siteCount }, (_, i) => ({ site: `layer.${i}`, shape: x.shape, p: 0.1 }));
      sites.push({ site: 'head', shape: pooled.shape, p: 0.2 });
      const dropout = createHashDropout(g, g.input('seed', 'float32', []), mask, sites);
      for (const s of sites) g.output(dropout.apply(s.site === 'head' ? pooled : x, s.p, s.site), `y.${s.site}`);
      return g.nodes.length;
    };
    // Each further site costs its own field (row gather, MatMul, fract, compare) and its
    // scale-and-select, none of the hash.
    expect(build(12) - build(2)).toBe(10 * 7);
  });

  it('makes the mask in the graph from ops that stay on the GPU: no Shape, no RandomUniformLike', () => {
    const g = new Graph('ops');
    const mask = g.input('mask', 'float32', ['batch', 'seq']);
    const x = g.input('x', 'float32', ['batch', 2, 'seq', 'seq']);
    const dropout = createHashDropout(g, g.input('seed', 'float32', []), mask, [{ site: 'probs', shape: x.shape, p: 0.1 }]);
    g.output(dropout.apply(x, 0.1, 'probs'), 'y');
    const ops = new Set(g.nodes.map((n) => n.op));
    for (const banned of ['Shape', 'RandomUniformLike', 'RandomUniform', 'ConstantOfShape', 'Expand']) expect(ops.has(banned)).toBe(false);
    expect(g.inputs.every((v) => ['mask', 'seed', 'x'].includes(v.name))).toBe(true);
  });
});

describe('dropoutSeedFor', () => {
  it('is a reproducible uniform number per (run seed, micro-step)', () => {
    expect(dropoutSeedFor(42, 7)).toBe(dropoutSeedFor(42, 7));
    const seeds = Array.from({ length: 1000 }, (_, step) => dropoutSeedFor(42, step));
    expect(new Set(seeds).size).toBe(1000);
    for (const s of seeds) expect(s >= 0 && s < 1).toBe(true);
    const mean = seeds.reduce((a, b) => a + b, 0) / seeds.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
    expect(dropoutSeedFor(43, 7)).not.toBe(dropoutSeedFor(42, 7));
    expect(dropoutSeedFor(42, 2 ** 21 + 7)).not.toBe(dropoutSeedFor(42, 7));
    expect(() => dropoutSeedFor(-1, 0)).toThrow(RangeError);
  });
});
