import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { Graph } from '../onnx/graph.ts';
import { encodeModel } from '../onnx/encode.ts';
import { adamWScalarInputs, adamWScalarValues, adamWUpdate, decaysParameter, trainerAdamW } from './adamw.ts';
import { clipByGlobalNorm } from './clip.ts';

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
  it('matches torch.optim.AdamW over three steps, with and without decay', async () => {
    for (const decay of [true, false]) {
      const g = new Graph('adamw');
      const slot = { param: g.param('p', [4]), grad: g.input('g', 'float32', [4]), m: g.input('m', 'float32', [4]), v: g.input('v', 'float32', [4]), decay };
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
        const out = await session.run({ p: ours.p, g: t32(grad), m: ours.m, v: ours.v, ...scalars });
        ours = { p: out.p_next!, m: out.m_next!, v: out.v_next! };
        state = referenceAdamW(state.p, grad, state.m, state.v, t, lr, decay);
      }
      const got = [...(ours.p.data as Float32Array)];
      got.forEach((x, i) => expect(Math.abs(x - state.p[i]!)).toBeLessThan(1e-6));
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
  async function clip(a: number[], b: number[], maxNorm: number) {
    const g = new Graph('clip');
    const ga = g.input('a', 'float32', [a.length]);
    const gb = g.input('b', 'float32', [b.length]);
    const { grads, norm } = clipByGlobalNorm([ga, gb], maxNorm);
    g.output(grads[0]!, 'a_out');
    g.output(grads[1]!, 'b_out');
    g.output(norm, 'norm');
    const session = await ort.InferenceSession.create(encodeModel(g));
    const out = await session.run({ a: t32(a), b: t32(b) });
    return { a: [...(out.a_out!.data as Float32Array)], b: [...(out.b_out!.data as Float32Array)], norm: (out.norm!.data as Float32Array)[0]! };
  }

  it('scales by max_norm / (norm + 1e-6) when the norm is larger', async () => {
    const r = await clip([3, 0], [0, 4], 1);
    expect(r.norm).toBeCloseTo(5, 6);
    const coef = 1 / (5 + 1e-6);
    expect(r.a[0]).toBeCloseTo(3 * coef, 6);
    expect(r.b[1]).toBeCloseTo(4 * coef, 6);
  });

  it('leaves small gradients alone and reports the norm', async () => {
    const r = await clip([0.3, 0], [0, 0.4], 1);
    expect(r.a).toEqual([Math.fround(0.3), 0]);
    expect(r.norm).toBeCloseTo(0.5, 6);
  });
});
