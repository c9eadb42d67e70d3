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
  // The scaling goes on the rank-r product (r columns, not the output's): peft's
  // lora_B(lora_A(x))·scaling up to rounding, and no op at all for scaling 1 (alpha = r).
  const scaled = adapter.scale === 1 ? down : op.mul(down, x.graph.scalar(adapter.scale));
  return op.add(base, op.matMul(scaled, op.transpose(adapter.b, [1, 0])));
}

/**
 * torch.nn.LayerNorm over the last axis. Its gradient keeps x; where memory counts
 * (BackwardOptions.saveMemory) the output is recomputed from x by one more LayerNorm node rather
 * than kept too (a layer's output is the next layer's weight-gradient and LoRA input; its
 * attention block's is the feed-forward block's).
 */
export function layerNorm(x: Value, params: Params, name: string, eps: number): Value {
  const [scale, bias] = [params.get(`${name}.weight`), params.get(`${name}.bias`)];
  return x.graph.recomputeInBackward(op.layerNorm(x, scale, bias, eps).y, (read) => op.layerNormOutput(read(x), scale, bias, eps), 'to-save-memory');
}

/**
 * The feed-forward block's first half: a Linear into the intermediate size, then the activation.
 * Both results are intermediate-sized, the largest tensors of a layer, and the backward pass
 * needs neither kept: the activation's output is recomputed from its input (one elementwise
 * op), and where memory is worth a matrix product (BackwardOptions.saveMemory) the activation's
 * input is recomputed from x, which is 1/4 of its size when the expansion is 4×.
 * The recomputed product reads the weight through Unsqueeze → Transpose [1, in, out] where the
 * forward reads Transpose [in, out], so onnxruntime's common-subexpression elimination cannot
 * merge it into the forward product and keep that alive after all. An adapted Linear's LoRA
 * branch would merge that way, so a LoRA target keeps its output instead.
 */
export function expandAndActivate(x: Value, params: Params, name: string, kind: HiddenAct): Value {
  const expanded = linear(x, params, name);
  if (!params.adapterOf(name)) {
    const weight = params.get(`${name}.weight`);
    const recomputed = (read: (v: Value) => Value) => op.add(op.matMul(read(x), op.transpose(op.unsqueeze(weight, [0]), [0, 2, 1])), params.get(`${name}.bias`));
    x.graph.recomputeInBackward(expanded, recomputed, 'to-save-memory');
  }
  return activation(expanded, kind);
}

/** The activation, its output recomputed from its input in the backward pass rather than kept. */
function activation(x: Value, kind: HiddenAct): Value {
  if (kind === 'relu') return x.graph.recomputeInBackward(op.relu(x), (read) => op.reluByMax(read(x)));
  const approximate = kind === 'gelu' ? 'none' : 'tanh';
  return x.graph.recomputeInBackward(op.gelu(x, approximate), (read) => op.geluContrib(read(x), approximate));
}
