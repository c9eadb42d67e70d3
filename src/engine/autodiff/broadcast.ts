/**
 * Moving gradients between a broadcast result and its operands, with shapes known statically
 * (symbolic dimensions included) so no runtime Shape op is ever needed.
 */
import type { Value } from '../onnx/graph.ts';
import * as op from '../onnx/ops.ts';
import { type Shape, isStatic, sameShape } from '../onnx/shape.ts';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/**
 * Sums a gradient over the axes along which an operand of shape `shape` was broadcast:
 * the leading axes it lacked and the axes where it had a 1. Returns exactly `shape`.
 */
export function sumToShape(grad: Value, shape: Shape): Value {
  if (sameShape(grad.shape, shape)) return grad;
  const leading = grad.rank - shape.length;
  const leadingAxes = range(leading);
  const stretched = range(shape.length)
    .filter((i) => shape[i] === 1 && grad.shape[i + leading] !== 1)
    .map((i) => i + leading);
  if (stretched.length === 0) return op.reduceSum(grad, leadingAxes);
  const summed = op.reduceSum(grad, [...leadingAxes, ...stretched], true);
  return leading > 0 ? op.squeeze(summed, leadingAxes) : summed;
}

/**
 * Broadcasts `grad` to like's shape, numpy style (aligned on the right, a 1 or a missing leading
 * axis stretches). A static Expand writes the result without reading anything of that size; an
 * axis whose size is symbolic has no static target, so then the runtime size comes from
 * broadcasting against zeros shaped like `like`.
 */
export function broadcastLike(grad: Value, like: Value): Value {
  if (sameShape(grad.shape, like.shape)) return grad;
  const missing = like.rank - grad.rank;
  const target = like.shape.map((d, i) => (i >= missing && grad.shape[i - missing] === d ? 1 : d));
  if (isStatic(target)) return op.expand(grad, target);
  return op.add(op.zerosLike(like), grad);
}

/**
 * Zeros shaped like `like`, written at run time. A static shape is written by Expand from a
 * zero that depends on `source` (max(source·0): a run-time value, though a non-finite source
 * gives NaN, which a non-finite gradient brings anyway): Expand from a constant zero would be
 * folded by onnxruntime into a constant as large as `like`, kept on the device for the life of
 * the session — the size of the word-embedding table for its gradient.
 */
export function zerosAtRunTime(like: Value, source: Value): Value {
  if (!isStatic(like.shape)) return op.zerosLike(like);
  const zero = op.reduceMax(op.mul(source, 0), source.shape.map((_, i) => i));
  return op.expand(zero, like.shape);
}
