/**
 * The building blocks shared by every encoder and head: Linear, LayerNorm and activations as
 * builder ops, with parameters looked up by their Hugging Face names.
 */
import type { Value } from '../onnx/graph.ts';
import * as op from '../onnx/ops.ts';
import type { HiddenAct } from './config.ts';

/** The graph's parameters by Hugging Face name; a missing name is a bug in the model code. */
export class Params {
  constructor(private readonly byName: ReadonlyMap<string, Value>) {}

  get(name: string): Value {
    const value = this.byName.get(name);
    if (!value) throw new Error(`the model has no parameter ${name}`);
    return value;
  }
}

/**
 * torch.nn.Linear: x·Wᵀ + b. W keeps PyTorch's [out, in] layout so checkpoints load and export
 * without re-laying out, and the builder's MatMul takes the transposed view.
 */
export function linear(x: Value, params: Params, name: string): Value {
  const weight = params.get(`${name}.weight`);
  return op.add(op.matMul(x, op.transpose(weight, [1, 0])), params.get(`${name}.bias`));
}

export function layerNorm(x: Value, params: Params, name: string, eps: number): Value {
  return op.layerNorm(x, params.get(`${name}.weight`), params.get(`${name}.bias`), eps).y;
}

/** torch.nn.functional.gelu: x·Φ(x) with the exact erf. */
export function geluExact(x: Value): Value {
  const cdf = op.add(op.erf(op.mul(x, Math.SQRT1_2)), 1);
  return op.mul(op.mul(x, cdf), 0.5);
}

/** transformers' gelu_new: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
function geluTanh(x: Value): Value {
  // x·x·x rather than Pow: WGSL's pow is undefined for negative bases.
  const cube = op.mul(op.mul(x, x), x);
  const inner = op.mul(op.add(x, op.mul(cube, 0.044715)), Math.sqrt(2 / Math.PI));
  return op.mul(op.mul(x, op.add(op.tanh(inner), 1)), 0.5);
}

export function activation(x: Value, kind: HiddenAct): Value {
  switch (kind) {
    case 'gelu':
      return geluExact(x);
    case 'gelu_tanh':
      return geluTanh(x);
    case 'relu':
      return op.relu(x);
  }
}
