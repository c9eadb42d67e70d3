/**
 * The contract between the backward pass and the per-op gradient rules, and the small
 * readers rules need to recover an op's static arguments (axes, perms, exponents) from
 * the recorded node.
 */
import type { Node, Value } from '../onnx/graph.ts';

export interface GradientContext {
  readonly node: Node;
  /** The gradient of the loss with respect to each output; null where the loss does not depend on it. */
  readonly outputGrads: readonly (Value | null)[];
  /** Which inputs need a gradient; a rule spends no nodes on the others. */
  readonly needed: readonly boolean[];
}

/**
 * One gradient per input, each with exactly that input's shape and dtype float32. null means
 * "not needed" or "identically zero": the backward pass treats both as no contribution.
 */
export type GradientRule = (context: GradientContext) => readonly (Value | null)[];

/** The gradient of a single-output op's result, which the backward pass guarantees exists. */
export function outputGrad(context: GradientContext): Value {
  const grad = context.outputGrads[0];
  if (!grad) throw new Error(`${context.node.op}: called without a gradient for its output`);
  return grad;
}

export function inputOf(node: Node, index: number): Value {
  const input = node.inputs[index];
  if (!input) throw new Error(`${node.op} ${node.name}: input ${index} is missing`);
  return input;
}

/** The values of an integer constant input, such as the axes of Squeeze or ReduceSum. */
export function constantInts(node: Node, index: number): number[] {
  const value = inputOf(node, index);
  const tensor = value.graph.constants.get(value);
  if (!tensor || !(tensor.data instanceof BigInt64Array || tensor.data instanceof Int32Array)) {
    throw new Error(`${node.op} ${node.name}: input ${index} must be an integer constant to differentiate through it`);
  }
  return Array.from(tensor.data, Number);
}

/** A scalar float constant input, such as Pow's exponent. */
export function constantFloat(node: Node, index: number): number {
  const value = inputOf(node, index);
  const tensor = value.graph.constants.get(value);
  if (!tensor || !(tensor.data instanceof Float32Array) || tensor.data.length !== 1) {
    throw new Error(`${node.op} ${node.name}: input ${index} must be a scalar float constant to differentiate through it`);
  }
  return tensor.data[0]!;
}

export function intAttr(node: Node, name: string): number {
  const attr = node.attrs[name];
  if (attr === undefined || !('int' in attr)) throw new Error(`${node.op} ${node.name}: attribute ${name} is missing`);
  return attr.int;
}

export function intsAttr(node: Node, name: string): readonly number[] {
  const attr = node.attrs[name];
  if (attr === undefined || !('ints' in attr)) throw new Error(`${node.op} ${node.name}: attribute ${name} is missing`);
  return attr.ints;
}

export function stringAttr(node: Node, name: string): string {
  const attr = node.attrs[name];
  if (attr === undefined || !('string' in attr)) throw new Error(`${node.op} ${node.name}: attribute ${name} is missing`);
  return attr.string;
}
