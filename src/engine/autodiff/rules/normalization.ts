/**
 * Gradients of Softmax and LayerNormalization, both from values the forward pass already
 * computed (the probabilities; the saved mean and inverse standard deviation).
 */
import type { Value } from '../../onnx/graph.ts';
import * as op from '../../onnx/ops.ts';
import { type GradientRule, inputOf, intAttr, outputGrad } from '../rule.ts';

/** dx = y·(dy − Σ dy·y) along the softmax axis, from the forward probabilities y. */
export const softmax: GradientRule = (context) => {
  const dy = outputGrad(context);
  const y = context.node.outputs[0]!;
  const axis = intAttr(context.node, 'axis');
  return [op.mul(y, op.sub(dy, op.reduceSum(op.mul(dy, y), [axis], true)))];
};

/**
 * With x̂ = (x − mean)·invStd over the last axis and y = x̂·scale + bias:
 *   dbias = Σ dy,  dscale = Σ dy·x̂  (over every axis but the last),
 *   dx = invStd·(g − mean(g) − x̂·mean(g·x̂))  with g = dy·scale (means over the last axis).
 */
export const layerNormalization: GradientRule = (context) => {
  const [dy, dMean, dInvStdDev] = context.outputGrads;
  if (dMean || dInvStdDev) throw new Error('LayerNormalization: its Mean and InvStdDev outputs are saved for backward and have no gradient rule');
  if (!dy) throw new Error('LayerNormalization: called without a gradient for its output');
  const [x, scale] = [inputOf(context.node, 0), inputOf(context.node, 1)];
  const [, mean, invStdDev] = context.node.outputs;
  const rowAxes = Array.from({ length: x.rank - 1 }, (_, i) => i);
  const last = x.rank - 1;
  const sumOverRows = (v: Value) => (rowAxes.length > 0 ? op.reduceSum(v, rowAxes) : v);
  const normalized = context.needed[0] || context.needed[1] ? op.mul(op.sub(x, mean!), invStdDev!) : null;
  let dx: Value | null = null;
  if (normalized && context.needed[0]) {
    const g = op.mul(dy, scale);
    const centered = op.sub(g, op.reduceMean(g, [last], true));
    dx = op.mul(op.sub(centered, op.mul(normalized, op.reduceMean(op.mul(g, normalized), [last], true))), invStdDev!);
  }
  return [dx, normalized && context.needed[1] ? sumOverRows(op.mul(dy, normalized)) : null, context.needed[2] ? sumOverRows(dy) : null];
};
