/**
 * Gradients of ops that only move elements: each moves the gradient back where the element
 * came from, using the static arguments recorded on the forward node.
 */
import type { Value } from '../../onnx/graph.ts';
import * as op from '../../onnx/ops.ts';
import { formatShape, isStatic } from '../../onnx/shape.ts';
import { type GradientRule, constantInts, inputOf, intAttr, intsAttr, outputGrad } from '../rule.ts';
import { inversePermutation, transposeFolded } from '../transpose.ts';

export const transpose: GradientRule = (context) => [transposeFolded(outputGrad(context), inversePermutation(intsAttr(context.node, 'perm')))];

/**
 * The builder encodes a reshape target without a runtime Shape op: a symbolic dimension is either
 * copied from the same index or the single inferred one. Undoing a reshape that merged symbolic
 * dimensions (say [batch, seq, C] → [batch*seq, C]) would need two inferred dimensions, so it fails.
 */
export const reshape: GradientRule = (context) => {
  const dy = outputGrad(context);
  const x = inputOf(context.node, 0);
  const inferred = x.shape.filter((d, i) => typeof d === 'string' && dy.shape[i] !== d).length;
  if (inferred > 1) {
    throw new Error(
      `Reshape: cannot reshape the gradient ${formatShape(dy.shape)} back to ${formatShape(x.shape)} without a runtime Shape op; ` +
        'a differentiated reshape must keep its symbolic dimensions at their index (as [batch, seq, 768] ↔ [batch, seq, 12, 64] does)',
    );
  }
  return [op.reshape(dy, x.shape), null];
};

export const unsqueeze: GradientRule = (context) => [op.squeeze(outputGrad(context), constantInts(context.node, 1)), null];

export const squeeze: GradientRule = (context) => [op.unsqueeze(outputGrad(context), constantInts(context.node, 1)), null];

/** Each input gets the slice of the gradient at its offset along the concatenated (static) axis. */
export const concat: GradientRule = (context) => {
  const dy = outputGrad(context);
  const axis = intAttr(context.node, 'axis');
  let offset = 0;
  return context.node.inputs.map((input, i) => {
    const size = input!.shape[axis] as number;
    const start = offset;
    offset += size;
    return context.needed[i] ? op.slice(dy, axis, start, start + size) : null;
  });
};

/** The builder's Slice is static along one axis: the gradient is dy with zeros concatenated on either side. */
export const slice: GradientRule = (context) => {
  const dy = outputGrad(context);
  const x = inputOf(context.node, 0);
  const [start] = constantInts(context.node, 1);
  const [end] = constantInts(context.node, 2);
  const [axis] = constantInts(context.node, 3);
  const size = x.shape[axis!]!;
  if (typeof size !== 'number') {
    throw new Error(`Slice: the sliced axis ${axis} of ${formatShape(x.shape)} is symbolic, so the zeros around the slice have no static size`);
  }
  const parts: Value[] = [];
  if (start! > 0) parts.push(zerosBeside(x, axis!, 0, start!));
  parts.push(dy);
  if (end! < size) parts.push(zerosBeside(x, axis!, end!, size));
  return [parts.length === 1 ? dy : op.concat(parts, axis!), null, null, null];
};

/** Zeros with x's shape except [from, to) along `axis`; x's slice supplies any symbolic dimension. */
function zerosBeside(x: Value, axis: number, from: number, to: number): Value {
  const shape = x.shape.map((d, i) => (i === axis ? to - from : d));
  return isStatic(shape) ? op.expand(x.graph.scalar(0), shape) : op.zerosLike(op.slice(x, axis, from, to));
}
