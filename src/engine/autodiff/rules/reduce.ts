/**
 * Gradients of reductions along axes: the gradient of each reduced slice is spread back over
 * the slice (evenly for a sum or mean, to the maxima for a max), and of cumulative sums.
 */
import type { Value } from '../../onnx/graph.ts';
import * as op from '../../onnx/ops.ts';
import { broadcastLike } from '../broadcast.ts';
import { type GradientContext, type GradientRule, constantInts, inputOf, intAttr, outputGrad } from '../rule.ts';

interface Reduction {
  readonly x: Value;
  readonly axes: readonly number[];
  /**
   * A reduced value (dy, or the forward result) shaped to broadcast against x: the reduced axes
   * back as 1s, except leading ones, which numpy broadcasting restores by itself.
   */
  readonly keep: (v: Value) => Value;
}

function reduction(context: GradientContext): Reduction {
  const x = inputOf(context.node, 0);
  const axes = constantInts(context.node, 1);
  const keptDims = intAttr(context.node, 'keepdims') === 1;
  const leadingOnly = axes.every((a, i) => a === i);
  return { x, axes, keep: (v) => (keptDims || leadingOnly ? v : op.unsqueeze(v, axes)) };
}

export const reduceSum: GradientRule = (context) => {
  const { x, keep } = reduction(context);
  return [broadcastLike(keep(outputGrad(context)), x), null];
};

/**
 * The number of elements each mean averaged. Symbolic axes have no static size, so it is counted
 * at run time without a Shape op: x cut down to its first element along every other axis, turned
 * into ones scaled by the static part, and summed. That touches one reduced slice, not all of x.
 */
function countOf(x: Value, axes: readonly number[]): Value | number {
  let known = 1;
  const symbolic: number[] = [];
  for (const a of axes) {
    const d = x.shape[a]!;
    if (typeof d === 'number') known *= d;
    else symbolic.push(a);
  }
  if (symbolic.length === 0) return known;
  let slice = x;
  x.shape.forEach((d, a) => {
    if (!symbolic.includes(a) && d !== 1) slice = op.slice(slice, a, 0, 1);
  });
  const ones = op.add(op.zerosLike(slice), known);
  return op.reduceSum(ones, x.shape.map((_, a) => a));
}

export const reduceMean: GradientRule = (context) => {
  const { x, axes, keep } = reduction(context);
  const count = countOf(x, axes);
  const dy = keep(outputGrad(context));
  // Scaling before broadcasting touches the reduced size, not x's.
  const scaled = typeof count === 'number' ? op.mul(dy, 1 / count) : op.div(dy, count);
  return [broadcastLike(scaled, x), null];
};

/** The gradient goes to the positions that attained the maximum; tied positions share it equally. */
export const reduceMax: GradientRule = (context) => {
  const { x, axes, keep } = reduction(context);
  const isMax = op.cast(op.equal(x, keep(context.node.outputs[0]!)), 'float32');
  const ties = op.reduceSum(isMax, axes, true);
  return [op.mul(isMax, op.div(keep(outputGrad(context)), ties)), null];
};

/** Each input element feeds every later output, so its gradient is the cumulative sum in the other direction. */
export const cumSum: GradientRule = (context) => {
  const [axis] = constantInts(context.node, 1);
  return [
    op.cumSum(outputGrad(context), axis!, {
      exclusive: intAttr(context.node, 'exclusive') === 1,
      reverse: intAttr(context.node, 'reverse') !== 1,
    }),
    null,
  ];
};
