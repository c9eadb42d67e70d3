/** The gradient rule of every differentiable op the graph builder records, by ONNX op type. */
import type { GradientRule } from '../rule.ts';
import * as elementwise from './elementwise.ts';
import * as indexing from './indexing.ts';
import * as layout from './layout.ts';
import * as matmul from './matmul.ts';
import * as normalization from './normalization.ts';
import * as reduce from './reduce.ts';

export const gradientRules: ReadonlyMap<string, GradientRule> = new Map([
  ['Add', elementwise.add],
  ['Sub', elementwise.sub],
  ['Mul', elementwise.mul],
  ['Div', elementwise.div],
  ['Pow', elementwise.pow],
  ['Neg', elementwise.neg],
  ['Sqrt', elementwise.sqrt],
  ['Exp', elementwise.exp],
  ['Log', elementwise.log],
  ['Erf', elementwise.erf],
  ['Tanh', elementwise.tanh],
  ['Gelu', elementwise.gelu],
  ['Relu', elementwise.relu],
  ['Sin', elementwise.sin],
  ['Floor', elementwise.floor],
  ['Identity', elementwise.passThrough],
  ['Cast', elementwise.passThrough],
  ['Where', elementwise.where],
  ['MatMul', matmul.matMul],
  ['Gemm', matmul.gemm],
  ['Transpose', layout.transpose],
  ['Reshape', layout.reshape],
  ['Unsqueeze', layout.unsqueeze],
  ['Squeeze', layout.squeeze],
  ['Concat', layout.concat],
  ['Slice', layout.slice],
  ['Gather', indexing.gather],
  ['ScatterND', indexing.scatterNDAdd],
  ['ReduceSum', reduce.reduceSum],
  ['ReduceMean', reduce.reduceMean],
  ['ReduceMax', reduce.reduceMax],
  ['CumSum', reduce.cumSum],
  ['Softmax', normalization.softmax],
  ['LayerNormalization', normalization.layerNormalization],
]);

/**
 * Ops the graphs record that the backward pass never differentiates through, each for its reason.
 * op-coverage.test.ts fails on an op in neither this set nor gradientRules, so a new op gets a
 * rule or a decision; backward.ts still refuses to differentiate one of these if asked to.
 */
export const notDifferentiable: ReadonlySet<string> = new Set([
  // Comparisons: bool outputs (masks, one-hot rows, the dropout draw).
  'Equal',
  'Less',
  'Greater',
  // Only recorded by gradient rules, to broadcast a gradient or a zero: never on the forward pass.
  'Expand',
  // onnxruntime's fused GELU, only the backward pass's recomputation of a GELU input (models/layers.ts).
  'com.microsoft.Gelu',
  'com.microsoft.FastGelu',
]);
