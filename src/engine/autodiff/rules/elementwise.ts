/**
 * Gradients of elementwise ops. Binary ops broadcast, so each operand's gradient is summed back
 * to its own shape. Where the derivative can be read off the forward result (Exp, Tanh, Sqrt,
 * Div) the rule reuses that result instead of recomputing it.
 */
import * as op from '../../onnx/ops.ts';
import { sumToShape } from '../broadcast.ts';
import { type GradientRule, constantFloat, inputOf, outputGrad, stringAttr } from '../rule.ts';

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

export const add: GradientRule = (context) => {
  const dy = outputGrad(context);
  const [a, b] = [inputOf(context.node, 0), inputOf(context.node, 1)];
  return [context.needed[0] ? sumToShape(dy, a.shape) : null, context.needed[1] ? sumToShape(dy, b.shape) : null];
};

export const sub: GradientRule = (context) => {
  const dy = outputGrad(context);
  const [a, b] = [inputOf(context.node, 0), inputOf(context.node, 1)];
  // Negating after the reduction touches the operand's size, not the output's.
  return [context.needed[0] ? sumToShape(dy, a.shape) : null, context.needed[1] ? op.neg(sumToShape(dy, b.shape)) : null];
};

export const mul: GradientRule = (context) => {
  const dy = outputGrad(context);
  const [a, b] = [inputOf(context.node, 0), inputOf(context.node, 1)];
  return [
    context.needed[0] ? sumToShape(op.mul(dy, b), a.shape) : null,
    context.needed[1] ? sumToShape(op.mul(dy, a), b.shape) : null,
  ];
};

/** d(a/b)/da = 1/b and d(a/b)/db = −(a/b)/b, so both share dy/b and the second reuses the quotient. */
export const div: GradientRule = (context) => {
  const dy = outputGrad(context);
  const [a, b] = [inputOf(context.node, 0), inputOf(context.node, 1)];
  const quotient = context.node.outputs[0]!;
  const dyOverB = op.div(dy, b);
  return [
    context.needed[0] ? sumToShape(dyOverB, a.shape) : null,
    context.needed[1] ? op.neg(sumToShape(op.mul(dyOverB, quotient), b.shape)) : null,
  ];
};

/** The builder's Pow always has a constant exponent c: d(xᶜ)/dx = c·xᶜ⁻¹. */
export const pow: GradientRule = (context) => {
  if (context.needed[1]) throw new Error('Pow: the exponent is a constant and has no gradient');
  const dy = outputGrad(context);
  const x = inputOf(context.node, 0);
  const exponent = constantFloat(context.node, 1);
  if (exponent === 0) return [null, null];
  if (exponent === 1) return [dy, null];
  const slope = exponent === 2 ? x : op.pow(x, exponent - 1);
  return [op.mul(dy, op.mul(slope, exponent)), null];
};

export const neg: GradientRule = (context) => [op.neg(outputGrad(context))];

/** d√x = 1/(2√x), from the forward result. */
export const sqrt: GradientRule = (context) => [op.div(outputGrad(context), op.mul(context.node.outputs[0]!, 2))];

export const exp: GradientRule = (context) => [op.mul(outputGrad(context), context.node.outputs[0]!)];

export const log: GradientRule = (context) => [op.div(outputGrad(context), inputOf(context.node, 0))];

/** d erf(x) = 2/√π · exp(−x²), with the constant folded into the exponent: exp(ln(2/√π) − x²). */
export const erf: GradientRule = (context) => {
  const x = inputOf(context.node, 0);
  return [op.mul(outputGrad(context), op.exp(op.sub(Math.log(TWO_OVER_SQRT_PI), op.mul(x, x))))];
};

/** d tanh = 1 − tanh², from the forward result. */
export const tanh: GradientRule = (context) => {
  const y = context.node.outputs[0]!;
  return [op.mul(outputGrad(context), op.sub(1, op.mul(y, y)))];
};

/**
 * GELU's derivative as torch's GeluBackward computes it, from x alone:
 *   exact: Φ(x) + x·φ(x), with Φ(x) = ½(1 + erf(x/√2)) and φ(x) = exp(−x²/2)/√(2π);
 *   tanh:  ½(1 + t) + ½x·(1 − t²)·β·(1 + 3κx²), with t = tanh(β(x + κx³)), β = √(2/π), κ = 0.044715.
 */
export const gelu: GradientRule = (context) => {
  const dy = outputGrad(context);
  const x = inputOf(context.node, 0);
  const approximate = stringAttr(context.node, 'approximate');
  const xx = op.mul(x, x);
  if (approximate === 'none') {
    const cdf = op.mul(op.add(op.erf(op.mul(x, Math.SQRT1_2)), 1), 0.5);
    const pdf = op.mul(op.exp(op.mul(xx, -0.5)), 1 / Math.sqrt(2 * Math.PI));
    return [op.mul(dy, op.add(cdf, op.mul(x, pdf)))];
  }
  if (approximate !== 'tanh') throw new Error(`Gelu: unknown approximate='${approximate}'`);
  const beta = Math.sqrt(2 / Math.PI);
  const kappa = 0.044715;
  const t = op.tanh(op.mul(op.add(x, op.mul(op.mul(xx, x), kappa)), beta));
  const left = op.mul(op.add(t, 1), 0.5);
  const right = op.mul(op.mul(op.mul(x, 0.5), op.sub(1, op.mul(t, t))), op.mul(op.add(op.mul(xx, 3 * kappa), 1), beta));
  return [op.mul(dy, op.add(left, right))];
};

export const relu: GradientRule = (context) => [op.where(op.greater(inputOf(context.node, 0), 0), outputGrad(context), 0)];

/** cos x = sin(x + π/2): the builder keeps to ops the WebGPU EP runs, and Cos is not among them. */
export const sin: GradientRule = (context) => [op.mul(outputGrad(context), op.sin(op.add(inputOf(context.node, 0), Math.PI / 2)))];

/** Floor is piecewise constant: its gradient is zero wherever it is defined. */
export const floor: GradientRule = () => [null];

/**
 * Identity, and Cast between float types (the backward pass only asks for a Cast's input
 * gradient when both sides are float32; from int or bool there is nothing to differentiate).
 */
export const passThrough: GradientRule = (context) => [outputGrad(context)];

/** Where(c, a, b) routes dy to whichever branch each element came from, then unbroadcasts. */
export const where: GradientRule = (context) => {
  const dy = outputGrad(context);
  const [condition, a, b] = [inputOf(context.node, 0), inputOf(context.node, 1), inputOf(context.node, 2)];
  return [
    null,
    context.needed[1] ? sumToShape(op.where(condition, dy, 0), a.shape) : null,
    context.needed[2] ? sumToShape(op.where(condition, 0, dy), b.shape) : null,
  ];
};
