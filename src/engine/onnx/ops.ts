/**
 * One function per ONNX op, each checking shapes and dtypes statically before recording the
 * node. Only ops that onnxruntime-web's WebGPU EP runs on the GPU for float32/int32 belong
 * here (see ARCHITECTURE.md's op table); LogSoftmax, OneHot, multi-input Sum and int64
 * elementwise ops are left out on purpose because they fall back to the CPU.
 */
import type { DType, Value } from './graph.ts';
import { type Dim, type Shape, broadcastShapes, formatShape, normalizeAxis, ShapeError } from './shape.ts';

function graphOf(op: string, ...values: Value[]) {
  const g = values[0]!.graph;
  for (const v of values) if (v.graph !== g) throw new Error(`${op}: operands come from different graphs`);
  return g;
}

function requireDtype(op: string, v: Value, allowed: readonly DType[]): void {
  if (!allowed.includes(v.dtype)) throw new ShapeError(`${op}: ${v.name} has dtype ${v.dtype}, expected ${allowed.join(' or ')}`);
}

function requireSameDtype(op: string, a: Value, b: Value): void {
  if (a.dtype !== b.dtype) throw new ShapeError(`${op}: dtype mismatch ${a.dtype} vs ${b.dtype}`);
}

/** Lets a plain number stand for a scalar constant of the other operand's dtype. */
export type Operand = Value | number;

function pair(op: string, a: Operand, b: Operand): [Value, Value] {
  if (typeof a === 'number' && typeof b === 'number') throw new Error(`${op}: at least one operand must be a tensor`);
  const va = typeof a === 'number' ? (b as Value).graph.scalar(a, (b as Value).dtype) : a;
  const vb = typeof b === 'number' ? va.graph.scalar(b, va.dtype) : b;
  return [va, vb];
}

function binary(op: string, a: Operand, b: Operand, numeric: readonly DType[]): Value {
  const [va, vb] = pair(op, a, b);
  graphOf(op, va, vb);
  requireSameDtype(op, va, vb);
  requireDtype(op, va, numeric);
  return va.graph.addNode(op, [va, vb], [{ dtype: va.dtype, shape: broadcastShapes(op, va.shape, vb.shape) }])[0]!;
}

const numeric: readonly DType[] = ['float32', 'int32'];
const float: readonly DType[] = ['float32'];

export const add = (a: Operand, b: Operand) => binary('Add', a, b, numeric);
export const sub = (a: Operand, b: Operand) => binary('Sub', a, b, numeric);
export const mul = (a: Operand, b: Operand) => binary('Mul', a, b, numeric);
export const div = (a: Operand, b: Operand) => binary('Div', a, b, numeric);

/** x raised to a constant float exponent (int32 exponents are wrong on JSEP). */
export function pow(x: Value, exponent: number): Value {
  requireDtype('Pow', x, float);
  return x.graph.addNode('Pow', [x, x.graph.scalar(exponent)], [{ dtype: 'float32', shape: x.shape }])[0]!;
}

function compare(op: string, a: Operand, b: Operand): Value {
  const [va, vb] = pair(op, a, b);
  graphOf(op, va, vb);
  requireSameDtype(op, va, vb);
  requireDtype(op, va, numeric);
  return va.graph.addNode(op, [va, vb], [{ dtype: 'bool', shape: broadcastShapes(op, va.shape, vb.shape) }])[0]!;
}

export const equal = (a: Operand, b: Operand) => compare('Equal', a, b);
export const greater = (a: Operand, b: Operand) => compare('Greater', a, b);
export const less = (a: Operand, b: Operand) => compare('Less', a, b);

function unary(op: string, x: Value, allowed: readonly DType[] = float): Value {
  requireDtype(op, x, allowed);
  return x.graph.addNode(op, [x], [{ dtype: x.dtype, shape: x.shape }])[0]!;
}

export const neg = (x: Value) => unary('Neg', x, numeric);
export const sqrt = (x: Value) => unary('Sqrt', x);
export const exp = (x: Value) => unary('Exp', x);
export const log = (x: Value) => unary('Log', x);
export const erf = (x: Value) => unary('Erf', x);
export const tanh = (x: Value) => unary('Tanh', x);
export const relu = (x: Value) => unary('Relu', x);
export const sin = (x: Value) => unary('Sin', x);
export const floor = (x: Value) => unary('Floor', x);
export const identity = (x: Value) => unary('Identity', x, ['float32', 'int32', 'int64', 'bool']);

/**
 * GELU as one op (opset 20): 'none' is x·Φ(x) with the exact erf, 'tanh' the tanh approximation
 * (transformers' gelu_new). One kernel instead of five, and backward keeps only x.
 */
export function gelu(x: Value, approximate: 'none' | 'tanh'): Value {
  requireDtype('Gelu', x, float);
  return x.graph.addNode('Gelu', [x], [{ dtype: 'float32', shape: x.shape }], { approximate: { string: approximate } })[0]!;
}

/**
 * The same GELU as com.microsoft's Gelu (exact) or FastGelu (tanh) op: onnxruntime computes
 * exactly the numbers of the Gelu op above (checked on the CPU, WASM and WebGPU EPs), through
 * another op, which its common-subexpression elimination cannot merge with a Gelu over the same
 * input. For recomputations (Graph.recomputeInBackward); no gradient rule.
 */
export function geluContrib(x: Value, approximate: 'none' | 'tanh'): Value {
  requireDtype('Gelu', x, float);
  return x.graph.addNode(approximate === 'none' ? 'Gelu' : 'FastGelu', [x], [{ dtype: 'float32', shape: x.shape }], {}, 'com.microsoft')[0]!;
}

/** max(x, 0) by Max: Relu's numbers through another op (see geluContrib). */
export function reluByMax(x: Value): Value {
  requireDtype('Max', x, float);
  return x.graph.addNode('Max', [x, x.graph.scalar(0)], [{ dtype: 'float32', shape: x.shape }])[0]!;
}

const onnxDtype: Record<DType, number> = { float32: 1, bool: 9, int32: 6, int64: 7 };

export function cast(x: Value, to: DType): Value {
  if (x.dtype === to) return x;
  return x.graph.addNode('Cast', [x], [{ dtype: to, shape: x.shape }], { to: { int: onnxDtype[to] } })[0]!;
}

export function where(condition: Value, a: Operand, b: Operand): Value {
  requireDtype('Where', condition, ['bool']);
  const [va, vb] = pair('Where', a, b);
  graphOf('Where', condition, va, vb);
  requireSameDtype('Where', va, vb);
  const shape = broadcastShapes('Where', condition.shape, broadcastShapes('Where', va.shape, vb.shape));
  return condition.graph.addNode('Where', [condition, va, vb], [{ dtype: va.dtype, shape }])[0]!;
}

/** Batched matrix product with numpy semantics for ranks ≥ 2. */
export function matMul(a: Value, b: Value): Value {
  graphOf('MatMul', a, b);
  requireDtype('MatMul', a, float);
  requireDtype('MatMul', b, float);
  if (a.rank < 2 || b.rank < 2) throw new ShapeError(`MatMul: operands need rank ≥ 2, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  const k1 = a.shape[a.rank - 1]!;
  const k2 = b.shape[b.rank - 2]!;
  if (k1 !== k2) throw new ShapeError(`MatMul: inner dimensions differ, ${formatShape(a.shape)} × ${formatShape(b.shape)}`);
  const batch = broadcastShapes('MatMul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  const shape = [...batch, a.shape[a.rank - 2]!, b.shape[b.rank - 1]!];
  return a.graph.addNode('MatMul', [a, b], [{ dtype: 'float32', shape }])[0]!;
}

/**
 * 2-D product op(a)·op(b) with optional transposes, which the kernel applies while reading:
 * gradients such as xᵀ·dy need no materialized Transpose this way.
 */
export function gemm(a: Value, b: Value, options: { transA?: boolean; transB?: boolean } = {}): Value {
  graphOf('Gemm', a, b);
  requireDtype('Gemm', a, float);
  requireDtype('Gemm', b, float);
  if (a.rank !== 2 || b.rank !== 2) throw new ShapeError(`Gemm: operands need rank 2, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  const [m, k1] = options.transA ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
  const [k2, n] = options.transB ? [b.shape[1]!, b.shape[0]!] : [b.shape[0]!, b.shape[1]!];
  if (k1 !== k2) throw new ShapeError(`Gemm: inner dimensions differ, ${formatShape(a.shape)} × ${formatShape(b.shape)}`);
  return a.graph.addNode('Gemm', [a, b], [{ dtype: 'float32', shape: [m, n] }], {
    transA: { int: options.transA ? 1 : 0 },
    transB: { int: options.transB ? 1 : 0 },
  })[0]!;
}

export function transpose(x: Value, perm: readonly number[]): Value {
  if (perm.length !== x.rank || [...perm].sort((p, q) => p - q).some((p, i) => p !== i)) {
    throw new ShapeError(`Transpose: perm [${perm.join(', ')}] is not a permutation of rank ${x.rank}`);
  }
  const shape = perm.map((p) => x.shape[p]!);
  return x.graph.addNode('Transpose', [x], [{ dtype: x.dtype, shape }], { perm: { ints: perm } })[0]!;
}

interface Factored {
  readonly known: number;
  readonly symbols: readonly string[];
}

/** Splits 'batch*seq' style symbolic dimensions into their factors so reshapes can be checked. */
function factor(shape: Shape): Factored {
  let known = 1;
  const symbols: string[] = [];
  for (const d of shape) {
    if (typeof d === 'number') known *= d;
    else symbols.push(...d.split('*'));
  }
  return { known, symbols: symbols.sort() };
}

/**
 * Reshape to a declared shape. Symbolic target dimensions are encoded as 0 (copy the input
 * dimension at the same index) or, for at most one of them, -1 (inferred), so no runtime
 * Shape op is needed. Sizes are checked by factoring symbolic dimensions.
 */
export function reshape(x: Value, target: Shape): Value {
  const fx = factor(x.shape);
  const ft = factor(target);
  if (fx.known !== ft.known || fx.symbols.join('*') !== ft.symbols.join('*')) {
    throw new ShapeError(`Reshape: ${formatShape(x.shape)} does not have the size of ${formatShape(target)}`);
  }
  let inferred = false;
  const encoded = target.map((d, i) => {
    if (typeof d === 'number') {
      if (d === 0) throw new ShapeError('Reshape: zero-sized dimensions are not supported');
      return d;
    }
    if (x.shape[i] === d) return 0;
    if (inferred) throw new ShapeError(`Reshape: ${formatShape(x.shape)} → ${formatShape(target)} needs more than one inferred dimension`);
    inferred = true;
    return -1;
  });
  return x.graph.addNode('Reshape', [x, x.graph.int64s(encoded)], [{ dtype: x.dtype, shape: target }])[0]!;
}

export function unsqueeze(x: Value, axes: readonly number[]): Value {
  const rank = x.rank + axes.length;
  const normalized = axes.map((a) => normalizeAxis('Unsqueeze', a, rank)).sort((p, q) => p - q);
  const shape: Dim[] = [];
  let src = 0;
  for (let i = 0; i < rank; i++) shape.push(normalized.includes(i) ? 1 : x.shape[src++]!);
  return x.graph.addNode('Unsqueeze', [x, x.graph.int64s(normalized)], [{ dtype: x.dtype, shape }])[0]!;
}

export function squeeze(x: Value, axes: readonly number[]): Value {
  const normalized = axes.map((a) => normalizeAxis('Squeeze', a, x.rank));
  for (const a of normalized) {
    if (x.shape[a] !== 1) throw new ShapeError(`Squeeze: axis ${a} of ${formatShape(x.shape)} is not 1`);
  }
  const shape = x.shape.filter((_, i) => !normalized.includes(i));
  return x.graph.addNode('Squeeze', [x, x.graph.int64s(normalized)], [{ dtype: x.dtype, shape }])[0]!;
}

function reduce(op: string, x: Value, axes: readonly number[], keepDims: boolean): Value {
  requireDtype(op, x, numeric);
  // ONNX reads empty axes as "reduce everything" (noop_with_empty_axes=0): make callers say which.
  if (axes.length === 0) throw new ShapeError(`${op}: name the axes to reduce (ONNX treats an empty list as all axes)`);
  const normalized = axes.map((a) => normalizeAxis(op, a, x.rank)).sort((p, q) => p - q);
  const shape = keepDims ? x.shape.map((d, i) => (normalized.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !normalized.includes(i));
  return x.graph.addNode(op, [x, x.graph.int64s(normalized)], [{ dtype: x.dtype, shape }], { keepdims: { int: keepDims ? 1 : 0 } })[0]!;
}

export const reduceSum = (x: Value, axes: readonly number[], keepDims = false) => reduce('ReduceSum', x, axes, keepDims);
export const reduceMean = (x: Value, axes: readonly number[], keepDims = false) => reduce('ReduceMean', x, axes, keepDims);
export const reduceMax = (x: Value, axes: readonly number[], keepDims = false) => reduce('ReduceMax', x, axes, keepDims);

export function softmax(x: Value, axis = -1): Value {
  requireDtype('Softmax', x, float);
  const a = normalizeAxis('Softmax', axis, x.rank);
  return x.graph.addNode('Softmax', [x], [{ dtype: 'float32', shape: x.shape }], { axis: { int: a } })[0]!;
}

export interface LayerNormResult {
  readonly y: Value;
  /** Saved statistics over the normalized (last) axis, shape x with that axis set to 1. */
  readonly mean: Value;
  readonly invStdDev: Value;
}

/** LayerNormalization over the last axis (opset 17), returning the statistics backward needs. */
/**
 * LayerNormalization's y alone, its axis given as the last axis's index rather than -1: for
 * recomputing a LayerNorm's output, a node onnxruntime's common-subexpression elimination does
 * not merge with the forward one (the attributes differ), with the same numbers.
 */
export function layerNormOutput(x: Value, scale: Value, bias: Value, epsilon: number): Value {
  return x.graph.addNode('LayerNormalization', [x, scale, bias], [{ dtype: 'float32', shape: x.shape }], { axis: { int: x.rank - 1 }, epsilon: { float: epsilon } })[0]!;
}

export function layerNorm(x: Value, scale: Value, bias: Value, epsilon: number): LayerNormResult {
  graphOf('LayerNormalization', x, scale, bias);
  requireDtype('LayerNormalization', x, float);
  const width = x.shape[x.rank - 1]!;
  for (const p of [scale, bias]) {
    if (p.rank !== 1 || p.shape[0] !== width) {
      throw new ShapeError(`LayerNormalization: ${p.name} ${formatShape(p.shape)} does not match last axis of ${formatShape(x.shape)}`);
    }
  }
  const statShape = [...x.shape.slice(0, -1), 1];
  const [y, mean, invStdDev] = x.graph.addNode(
    'LayerNormalization',
    [x, scale, bias],
    [
      { dtype: 'float32', shape: x.shape },
      { dtype: 'float32', shape: statShape },
      { dtype: 'float32', shape: statShape },
    ],
    { axis: { int: -1 }, epsilon: { float: epsilon } },
  );
  return { y: y!, mean: mean!, invStdDev: invStdDev! };
}

export function gather(data: Value, indices: Value, axis = 0): Value {
  graphOf('Gather', data, indices);
  requireDtype('Gather', indices, ['int32', 'int64']);
  const a = normalizeAxis('Gather', axis, data.rank);
  const shape = [...data.shape.slice(0, a), ...indices.shape, ...data.shape.slice(a + 1)];
  return data.graph.addNode('Gather', [data, indices], [{ dtype: data.dtype, shape }], { axis: { int: a } })[0]!;
}

/**
 * ScatterND with reduction 'add': data[indices[...]] += updates, duplicates accumulated.
 * Indices must be int64 (the spec's only type); the last index axis addresses data's leading axes.
 */
export function scatterNDAdd(data: Value, indices: Value, updates: Value): Value {
  graphOf('ScatterND', data, indices, updates);
  requireDtype('ScatterND', indices, ['int64']);
  requireSameDtype('ScatterND', data, updates);
  const k = indices.shape[indices.rank - 1];
  if (typeof k !== 'number') throw new ShapeError('ScatterND: the last axis of indices must be static');
  const expected = [...indices.shape.slice(0, -1), ...data.shape.slice(k)];
  if (expected.length !== updates.rank || expected.some((d, i) => d !== updates.shape[i])) {
    throw new ShapeError(`ScatterND: updates ${formatShape(updates.shape)} should be ${formatShape(expected)}`);
  }
  return data.graph.addNode('ScatterND', [data, indices, updates], [{ dtype: data.dtype, shape: data.shape }], { reduction: { string: 'add' } })[0]!;
}

export function cumSum(x: Value, axis: number, options: { exclusive?: boolean; reverse?: boolean } = {}): Value {
  requireDtype('CumSum', x, numeric);
  const a = normalizeAxis('CumSum', axis, x.rank);
  return x.graph.addNode('CumSum', [x, x.graph.scalar(a, 'int32')], [{ dtype: x.dtype, shape: x.shape }], {
    exclusive: { int: options.exclusive ? 1 : 0 },
    reverse: { int: options.reverse ? 1 : 0 },
  })[0]!;
}

export function concat(values: readonly Value[], axis: number): Value {
  const first = values[0];
  if (!first) throw new ShapeError('Concat: no inputs');
  graphOf('Concat', ...values);
  const a = normalizeAxis('Concat', axis, first.rank);
  let total: Dim = 0;
  for (const v of values) {
    requireSameDtype('Concat', first, v);
    if (v.rank !== first.rank || v.shape.some((d, i) => i !== a && d !== first.shape[i])) {
      throw new ShapeError(`Concat: ${formatShape(v.shape)} does not match ${formatShape(first.shape)} off axis ${a}`);
    }
    const d = v.shape[a]!;
    if (typeof d !== 'number' || typeof total !== 'number') throw new ShapeError('Concat: the concatenated axis must be static');
    total += d;
  }
  const shape = first.shape.map((d, i) => (i === a ? total : d));
  return first.graph.addNode('Concat', values, [{ dtype: first.dtype, shape }], { axis: { int: a } })[0]!;
}

/** Static slice [start, end) along one axis whose size is known. */
export function slice(x: Value, axis: number, start: number, end: number): Value {
  const a = normalizeAxis('Slice', axis, x.rank);
  const size = x.shape[a]!;
  if (start < 0 || end <= start || (typeof size === 'number' && end > size)) {
    throw new ShapeError(`Slice: [${start}, ${end}) out of range for axis ${a} of ${formatShape(x.shape)}`);
  }
  const shape = x.shape.map((d, i) => (i === a ? end - start : d));
  const g = x.graph;
  return g.addNode('Slice', [x, g.int64s([start]), g.int64s([end]), g.int64s([a])], [{ dtype: x.dtype, shape }])[0]!;
}

/**
 * Broadcasts x to a static target (numpy rules, so a 1 in `shape` keeps x's dimension, symbolic
 * ones included). Writes its output without reading a tensor of the target's size.
 */
export function expand(x: Value, shape: readonly number[]): Value {
  return x.graph.addNode('Expand', [x, x.graph.int64s(shape)], [{ dtype: x.dtype, shape: broadcastShapes('Expand', x.shape, shape) }])[0]!;
}

/** A float32 tensor of zeros shaped like x, without a runtime Shape op. */
export function zerosLike(x: Value): Value {
  return mul(x, 0);
}

