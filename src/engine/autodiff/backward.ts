/**
 * Reverse-mode automatic differentiation over a recorded graph. The gradient nodes are recorded
 * into the same graph, each under `grad/<forward node name>`, so one ONNX model computes the
 * forward pass, the backward pass and whatever consumes the gradients (the optimizer).
 */
import type { Graph, Node, Value } from '../onnx/graph.ts';
import * as op from '../onnx/ops.ts';
import { formatShape, sameShape } from '../onnx/shape.ts';
import { gradientRules } from './rules/index.ts';

export interface BackwardOptions {
  /** Values treated as constants: no gradient flows into or through them. */
  readonly stopGradient?: ReadonlySet<Value>;
  /**
   * Also recompute the values marked 'to-save-memory' (Graph.recomputeInBackward), trading
   * compute for memory: the WebGPU step, where memory is what limits the batch. Values marked
   * 'always' are recomputed either way.
   */
  readonly saveMemory?: boolean;
}

/**
 * The gradient of the float32 scalar `loss` with respect to each value of `wrt`, with that value's
 * shape. A float32 value the loss does not depend on gets explicit zeros. int and bool values, and
 * values in `stopGradient`, are not differentiable and are left out of the map.
 *
 * Only nodes on a path from a `wrt` value to the loss get gradient nodes. A returned gradient may be
 * a value shared with another gradient or with the forward graph (Add passes dy to both operands),
 * so give it a fresh node (op.identity) before naming it as a graph output.
 */
export function backward(loss: Value, wrt: readonly Value[], options: BackwardOptions = {}): Map<Value, Value> {
  const graph = loss.graph;
  if (loss.dtype !== 'float32' || loss.rank !== 0) throw new Error(`backward: the loss must be a float32 scalar, got ${loss.toString()}`);
  for (const v of wrt) if (v.graph !== graph) throw new Error(`backward: ${v.name} belongs to another graph`);
  const stop = options.stopGradient ?? new Set<Value>();
  const differentiable = (v: Value) => v.dtype === 'float32' && !stop.has(v);
  const sources = new Set(wrt.filter(differentiable));
  const dependsOnSources = valuesDependingOn(graph, sources, differentiable);

  const pending = new Map<Value, Value[]>();
  const totals = new Map<Value, Value>();
  const contribute = (v: Value, grad: Value) => {
    const list = pending.get(v);
    if (list) list.push(grad);
    else pending.set(v, [grad]);
  };
  // Sums a value's contributions once all of them are in: in reverse topological order that is
  // when its producer is reached, or after the walk for inputs and parameters.
  const total = (v: Value): Value | null => {
    const list = pending.get(v);
    if (!list) return null;
    pending.delete(v);
    const sum = list.reduce((acc, grad) => op.add(acc, grad));
    if (sources.has(v)) totals.set(v, sum);
    return sum;
  };

  const recompute = recomputer(graph, options.saveMemory ?? false);
  if (dependsOnSources.has(loss)) contribute(loss, graph.scalar(1));
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const node = graph.nodes[i]!;
    if (!node.outputs.some((o) => pending.has(o))) continue;
    graph.scope(`grad/${node.name}`, () => {
      const outputGrads = node.outputs.map(total);
      const needed = node.inputs.map((input) => input !== null && dependsOnSources.has(input));
      if (!needed.some(Boolean)) return;
      const inputGrads = applyRule(withRecomputed(node, recompute), outputGrads, needed);
      node.inputs.forEach((input, k) => {
        const grad = inputGrads[k];
        if (!input || !needed[k] || !grad) return;
        if (grad.dtype !== 'float32' || !sameShape(grad.shape, input.shape)) {
          throw new Error(`backward: the ${node.op} rule gave ${grad.toString()} as the gradient of ${input.toString()} (node ${node.name})`);
        }
        contribute(input, grad);
      });
    });
  }

  const grads = new Map<Value, Value>();
  for (const v of sources) {
    const grad = totals.get(v) ?? graph.scope(`grad/${v.name}`, () => total(v) ?? op.zerosLike(v));
    grads.set(v, grad);
  }
  return grads;
}

/** Values computed from `sources` along differentiable edges: the only ones worth a gradient. */
function valuesDependingOn(graph: Graph, sources: ReadonlySet<Value>, differentiable: (v: Value) => boolean): Set<Value> {
  const reached = new Set<Value>(sources);
  for (const node of graph.nodes) {
    if (!node.inputs.some((input) => input !== null && reached.has(input))) continue;
    for (const output of node.outputs) if (differentiable(output)) reached.add(output);
  }
  return reached;
}

/** For values marked with Graph.recomputeInBackward: their recomputation, recorded the first time a rule asks, then reused. */
function recomputer(graph: Graph, saveMemory: boolean): (v: Value) => Value {
  const copies = new Map<Value, Value>();
  const read = (v: Value): Value => {
    const marked = graph.recomputed.get(v);
    if (!marked || (marked.when === 'to-save-memory' && !saveMemory)) return v;
    let copy = copies.get(v);
    if (!copy) {
      copy = graph.scope(`recompute/${v.name}`, () => marked.recompute(read));
      const expected = `${v.dtype}${formatShape(v.shape)}`;
      if (`${copy.dtype}${formatShape(copy.shape)}` !== expected) throw new Error(`backward: the recomputation of ${v.name} gave ${copy.toString()}, expected ${expected}`);
      copies.set(v, copy);
    }
    return copy;
  };
  return read;
}

/** The node as its gradient rule sees it: a recomputed value is read from its copy, made when first read. */
function withRecomputed(node: Node, recompute: (v: Value) => Value): Node {
  const lazily = <T extends Value | null>(values: readonly T[]) =>
    new Proxy(values, { get: (target, key, receiver) => {
      const value = Reflect.get(target, key, receiver) as unknown;
      return typeof key === 'string' && /^\d+$/.test(key) && value !== null && typeof value === 'object' ? recompute(value as Value) : value;
    } }) as readonly T[];
  return { ...node, inputs: lazily(node.inputs), outputs: lazily(node.outputs) };
}

function applyRule(node: Node, outputGrads: readonly (Value | null)[], needed: readonly boolean[]): readonly (Value | null)[] {
  const rule = node.domain === '' ? gradientRules.get(node.op) : undefined;
  if (!rule) throw new Error(`backward: no gradient rule for op ${node.domain ? `${node.domain}.` : ''}${node.op} (node ${node.name})`);
  try {
    return rule({ node, outputGrads, needed });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`backward: node ${node.name}: ${message}`, { cause: error });
  }
}
