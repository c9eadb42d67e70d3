/**
 * AdamW as graph ops, the update `torch.optim.AdamW` makes (decoupled weight decay first,
 * then the bias-corrected Adam step). Per-step scalars that depend only on the step number
 * (bias corrections, the scheduled learning rate) are computed on the CPU in float64 and fed
 * as scalar inputs: that is more exact than Pow on the device and costs four floats a step.
 */
import type { Graph, Value } from '../onnx/graph.ts';
import * as op from '../onnx/ops.ts';

export interface AdamWHyper {
  /** Trainer defaults: β1 0.9, β2 0.999, ε 1e-8. */
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
}

export const trainerAdamW: Omit<AdamWHyper, 'weightDecay'> = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

export interface AdamWScalars {
  /** lr / (1 − β1^t) */
  readonly stepSize: Value;
  /** sqrt(1 − β2^t) */
  readonly biasCorrection2Sqrt: Value;
  /** 1 − lr · weight_decay, applied to decayed parameters only */
  readonly decayFactor: Value;
}

export const adamWInputNames = {
  stepSize: 'adam.step_size',
  biasCorrection2Sqrt: 'adam.bias_correction2_sqrt',
  decayFactor: 'adam.decay_factor',
} as const;

export function adamWScalarInputs(g: Graph): AdamWScalars {
  return {
    stepSize: g.input(adamWInputNames.stepSize, 'float32', []),
    biasCorrection2Sqrt: g.input(adamWInputNames.biasCorrection2Sqrt, 'float32', []),
    decayFactor: g.input(adamWInputNames.decayFactor, 'float32', []),
  };
}

/** The scalar feeds for update number `t` (1-based, as torch counts) at learning rate `lr`. */
export function adamWScalarValues(hyper: AdamWHyper, t: number, lr: number): Record<string, number> {
  return {
    [adamWInputNames.stepSize]: lr / (1 - hyper.beta1 ** t),
    [adamWInputNames.biasCorrection2Sqrt]: Math.sqrt(1 - hyper.beta2 ** t),
    [adamWInputNames.decayFactor]: 1 - lr * hyper.weightDecay,
  };
}

export interface AdamWSlot {
  readonly param: Value;
  readonly grad: Value;
  readonly m: Value;
  readonly v: Value;
  /** Trainer skips weight decay for biases and LayerNorm weights. */
  readonly decay: boolean;
  /** A scalar the gradient is multiplied by first (clipping, accumulation mean); null for none. */
  readonly gradScale: Value | null;
}

export function adamWUpdate(slot: AdamWSlot, hyper: AdamWHyper, s: AdamWScalars): { param: Value; m: Value; v: Value } {
  const { beta1, beta2, epsilon } = hyper;
  // The gradient's scale rides on the scalar coefficients: (1−β1)·c·g and (1−β2)·c²·g².
  const scale = slot.gradScale;
  const mCoef = scale ? op.mul(scale, 1 - beta1) : 1 - beta1;
  const vCoef = scale ? op.mul(op.mul(scale, scale), 1 - beta2) : 1 - beta2;
  const m = op.add(op.mul(slot.m, beta1), op.mul(slot.grad, mCoef));
  const v = op.add(op.mul(slot.v, beta2), op.mul(op.mul(slot.grad, slot.grad), vCoef));
  const denom = op.add(op.div(op.sqrt(v), s.biasCorrection2Sqrt), epsilon);
  const decayed = slot.decay && hyper.weightDecay !== 0 ? op.mul(slot.param, s.decayFactor) : slot.param;
  const param = op.sub(decayed, op.mul(op.div(m, denom), s.stepSize));
  return { param, m, v };
}

/** Trainer's parameter groups: no decay on any bias or LayerNorm weight. */
export function decaysParameter(name: string): boolean {
  if (name.endsWith('.bias')) return false;
  return !/(LayerNorm|layer_norm|layernorm)\.weight$/.test(name);
}
