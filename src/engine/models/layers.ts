/**
 * The building blocks shared by every encoder and head: Linear, LayerNorm and activations as
 * builder ops, with parameters looked up by their Hugging Face names.
 */
import type { Value } from '../onnx/graph.ts';
import * as op from '../onnx/ops.ts';
import type { HiddenAct } from './config.ts';

/** A LoRA adapter's graph values on one Linear (models/fine-tune-method.ts). */
export interface LoraBranch {
  /** lora_A.weight [r, in] */
  readonly a: Value;
  /** lora_B.weight [out, r] */
  readonly b: Value;
  readonly scale: number;
  /** The adapter's own dropout (lora_dropout) on the Linear's input. */
  readonly dropInput: (x: Value) => Value;
}

/** The graph's parameters by Hugging Face name, and the LoRA adapters by module name; a missing name is a bug in the model code. */
export class Params {
  constructor(
    private readonly byName: ReadonlyMap<string, Value>,
    private readonly adapters: ReadonlyMap<string, LoraBranch> = new Map(),
  ) {}

  get(name: string): Value {
    const value = this.byName.get(name);
    if (!value) throw new Error(`the model has no parameter ${name}`);
    return value;
  }

  adapterOf(module: string): LoraBranch | null {
    return this.adapters.get(module) ?? null;
  }
}

/**
 * torch.nn.Linear: x·Wᵀ + b. W keeps PyTorch's [out, in] layout so checkpoints load and export
 * without re-laying out, and the builder's MatMul takes the transposed view. A LoRA adapter
 * adds peft's lora_B(lora_A(dropout(x))) · scaling.
 */
export function linear(x: Value, params: Params, name: string): Value {
  const weight = params.get(`${name}.weight`);
  const base = op.add(op.matMul(x, op.transpose(weight, [1, 0])), params.get(`${name}.bias`));
  const adapter = params.adapterOf(name);
  if (!adapter) return base;
  const down = op.matMul(adapter.dropInput(x), op.transpose(adapter.a, [1, 0]));
  const up = op.matMul(down, op.transpose(adapter.b, [1, 0]));
  return op.add(base, op.mul(up, x.graph.scalar(adapter.scale)));
}

export function layerNorm(x: Value, params: Params, name: string, eps: number): Value {
  return op.layerNorm(x, params.get(`${name}.weight`), params.get(`${name}.bias`), eps).y;
}

/**
 * The feed-forward activation. Its output (intermediate-sized, the largest tensor of a layer)
 * is recomputed from its input in the backward pass rather than kept: the input is kept anyway
 * for the activation's own gradient, and one elementwise op is cheap.
 */
export function activation(x: Value, kind: HiddenAct): Value {
  if (kind === 'relu') return x.graph.recomputeInBackward(op.relu(x), () => op.reluByMax(x));
  const approximate = kind === 'gelu' ? 'none' : 'tanh';
  return x.graph.recomputeInBackward(op.gelu(x, approximate), () => op.geluContrib(x, approximate));
}
