/**
 * Global-norm gradient clipping as `torch.nn.utils.clip_grad_norm_` computes it: the norm of
 * the per-tensor 2-norms, then every gradient scaled by min(1, max_norm / (norm + 1e-6)).
 */
import type { Value } from '../onnx/graph.ts';
import * as op from '../onnx/ops.ts';

export interface ClippingScale {
  /** The norm of the gradients the optimizer sees (before clipping), which Trainer logs as grad_norm. */
  readonly norm: Value;
  /** What to multiply every raw gradient by; null when that is 1. */
  readonly scale: Value | null;
}

function sumAll(values: readonly Value[]): Value {
  // A balanced tree keeps the dependency chain short (and rounding closer to torch.stack().sum()).
  if (values.length === 1) return values[0]!;
  const mid = Math.ceil(values.length / 2);
  return op.add(sumAll(values.slice(0, mid)), sumAll(values.slice(mid)));
}

export function globalNorm(grads: readonly Value[]): Value {
  if (grads.length === 0) throw new Error('globalNorm: no gradients');
  const squaredNorms = grads.map((g) => op.reduceSum(op.mul(g, g), g.shape.map((_, i) => i)));
  return op.sqrt(sumAll(squaredNorms));
}

/**
 * The clipping factor as one scalar, for gradients `preScale · grads` (preScale: the mean over
 * accumulated micro-batches, or null). AdamW multiplies it in with its own scalars, so no
 * clipped copy of any gradient is ever materialized: two full-size multiplies per parameter saved.
 */
export function clippingScale(grads: readonly Value[], maxNorm: number, preScale: Value | null): ClippingScale {
  const rawNorm = globalNorm(grads);
  const norm = preScale ? op.mul(rawNorm, preScale) : rawNorm;
  if (!(maxNorm > 0)) return { norm, scale: preScale };
  const coef = op.div(norm.graph.scalar(maxNorm), op.add(norm, 1e-6));
  const clamped = op.where(op.less(coef, 1), coef, 1);
  return { norm, scale: preScale ? op.mul(clamped, preScale) : clamped };
}
