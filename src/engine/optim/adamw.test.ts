import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { Graph } from '../onnx/graph.ts';
import { encodeModel } from '../onnx/encode.ts';
import { adamWScalarInputs, adamWScalarValues, adamWUpdate, decaysParameter, trainerAdamW } from './adamw.ts';
import { clippingScale } from './clip.ts';

const hyper = { ...trainerAdamW, weightDecay: 0.01 };

/** torch.optim.AdamW's single-tensor update, in float64. */
function referenceAdamW(p: number[], g: number[], m: number[], v: number[], t: number, lr: number, decay: boolean) {
  const { beta1, beta2, epsilon, weightDecay } = hyper;
  const out = { p: [...p], m: [...m], v: [...v] };
  for (let i = 0; i < p.length; i++) {
    if (decay) out.p[i]! *= 1 - lr * weightDecay;
    out.m[i] = beta1 * m[i]! + (1 - beta1) * g[i]!;
    out.v[i] = beta2 * v[i]! + (1 - beta2) * g[i]! * g[i]!;
    const denom = Math.sqrt(out.v[i]!) / Math.sqrt(1 - beta2 ** t) + epsilon;
    out.p[i]! -= (lr / (1 - beta1 ** t)) * (out.m[i]! / denom);
  }
  return out;
}

const t32 = (xs: number[]) => new ort.Tensor('float32', Float32Array.from(xs), [xs.length]);

describe('AdamW graph', () => {
  it('matches torch.optim.AdamW over three steps, with and without decay, on scaled gradients', async () => {
    for (const decay of [true, false]) {
      for (const gradScale of [null, 0.25]) {
        const g = new Graph('adamw');
        const scale = gradScale === null ? null : g.input('c', 'float32', []);
        const slot = { param: g.param('p', [4]), grad: g.input('g', 'float32', [4]), m: g.input('m', 'float32', [4]), v: g.input('v', 'float32', [4]), decay, gradScale: scale };
        const next = adamWUpdate(slot, hyper, adamWScalarInputs(g));
        g.output(next.param, 'p_next');
        g.output(next.m, 'm_next');
        g.output(next.v, 'v_next');
        const session = await ort.InferenceSession.create(encodeModel(g));
        let state = { p: [0.5, -1, 2, 0.001], m: [0, 0, 0, 0], v: [0, 0, 0, 0] };
        let ours: Record<'p' | 'm' | 'v', ort.Tensor> = { p: t32(state.p), m: t32(state.m), v: t32(state.v) };
        for (let t = 1; t <= 3; t++) {
          const grad = [0.1 * t, -0.2, 3e-4, 5 - t];
          const lr = 1e-3 / t;
          const scalars = Object.fromEntries(Object.entries(adamWScalarValues(hyper, t, lr)).map(([k, x]) => [k, new ort.Tensor('float32', Float32Array.of(x), [])]));
          const scaleFeed: Record<string, ort.Tensor> = gradScale === null ? {} : { c: new ort.Tensor('float32', Float32Array.of(gradScale), []) };
          const out = await session.run({ p: ours.p, g: t32(grad), m: ours.m, v: ours.v, ...scalars, ...scaleFeed });
          ours = { p: out.p_next!, m: out.m_next!, v: out.v_next! };
          state = referenceAdamW(state.p, grad.map((x) => x * (gradScale ?? 1)), state.m, state.v, t, lr, decay);
        }
        const got = [...(ours.p.data as Float32Array)];
        got.forEach((x, i) => expect(Math.abs(x - state.p[i]!)).toBeLessThan(1e-6));
        [...(ours.m.data as Float32Array)].forEach((x, i) => expect(Math.abs(x - state.m[i]!)).toBeLessThan(1e-6));
      }
    }
  });

  it('follows Trainer parameter groups for weight decay', () => {
    expect(decaysParameter('bert.encoder.layer.0.attention.self.query.weight')).toBe(true);
    expect(decaysParameter('bert.embeddings.word_embeddings.weight')).toBe(true);
    expect(decaysParameter('bert.encoder.layer.0.output.LayerNorm.weight')).toBe(false);
    expect(decaysParameter('distilbert.transformer.layer.0.sa_layer_norm.weight')).toBe(false);
    expect(decaysParameter('classifier.bias')).toBe(false);
  });
});

describe('global-norm clipping', () => {
  /** The norm and the factor clip_grad_norm_ would scale gradients `preScale · [a, b]` by. */
  async function clip(a: number[], b: number[], maxNorm: number, preScale: number | null = null) {
    const g = new Graph('clip');
    const ga = g.input('a', 'float32', [a.length]);
    const gb = g.input('b', 'float32', [b.length]);
    const pre = preScale === null ? null : g.input('pre', 'float32', []);
    const { scale, norm } = clippingScale([ga, gb], maxNorm, pre);
    g.output(norm, 'norm');
    if (scale) g.output(scale, 'scale');
    const session = await ort.InferenceSession.create(encodeModel(g));
    const out = await session.run({ a: t32(a), b: t32(b), ...(preScale === null ? {} : { pre: new ort.Tensor('float32', Float32Array.of(preScale), []) }) });
    return { norm: (out.norm!.data as Float32Array)[0]!, scale: out.scale ? (out.scale.data as Float32Array)[0]! : null };
  }

  it('scales by max_norm / (norm + 1e-6) when the norm is larger', async () => {
    const r = await clip([3, 0], [0, 4], 1);
    expect(r.norm).toBeCloseTo(5, 6);
    expect(r.scale).toBeCloseTo(1 / (5 + 1e-6), 7);
  });

  it('leaves small gradients alone and reports the norm', async () => {
    const r = await clip([0.3, 0], [0, 0.4], 1);
    expect(r.scale).toBe(1);
    expect(r.norm).toBeCloseTo(0.5, 6);
  });

  it('clips the mean of accumulated gradients: the norm and factor include the pre-scale', async () => {
    const r = await clip([6, 0], [0, 8], 1, 0.5);
    expect(r.norm).toBeCloseTo(5, 6);
    expect(r.scale).toBeCloseTo(0.5 / (5 + 1e-6), 7);
    const g = new Graph('no-clip');
    const grads = [g.input('a', 'float32', [2])];
    const pre = g.input('pre', 'float32', []);
    expect(clippingScale(grads, 0, pre).scale).toBe(pre);
    expect(clippingScale(grads, 0, null).scale).toBeNull();
  });
});
