/**
 * Gradients of matrix products: for Y = A·B, dA = dY·Bᵀ and dB = Aᵀ·dY, summed over broadcast
 * batch axes. 2-D products go through Gemm, whose transpose flags cost nothing; the weight
 * gradient of an activation [batch, seq, K] times a weight [K, N] is one Gemm over the
 * flattened rows instead of a batched product followed by a reduction.
 */
import type { Value } from '../../onnx/graph.ts';
import * as op from '../../onnx/ops.ts';
import type { Dim, Shape } from '../../onnx/shape.ts';
import { sumToShape } from '../broadcast.ts';
import { type GradientRule, inputOf, intAttr, outputGrad } from '../rule.ts';
import { matrixTranspose } from '../transpose.ts';

/**
 * The product of `dims` as one dimension the builder's reshape can check: a number, or symbols
 * joined by '*'. null when static and symbolic factors mix, which the builder cannot express.
 */
function flattened(dims: Shape): Dim | null {
  let known = 1;
  const symbols: string[] = [];
  for (const d of dims) {
    if (typeof d === 'number') known *= d;
    else symbols.push(d);
  }
  if (symbols.length === 0) return known;
  return known === 1 ? symbols.join('*') : null;
}

/** The rows of A as one [rows, K] matrix; null when its leading dimensions cannot be flattened. */
function asRows(v: Value): Value | null {
  if (v.rank === 2) return v;
  const rows = flattened(v.shape.slice(0, -1));
  return rows === null ? null : op.reshape(v, [rows, v.shape[v.rank - 1]!]);
}

/**
 * dB = Σᵢ Aᵢᵀ·dYᵢ for a 2-D B, as one Gemm over all rows. A weight stored [N, K] (the Hugging Face
 * layout) and used as B = Transpose(w) gets dYᵀ·A, already in w's layout: the Transpose wrapped
 * around it cancels against the Transpose rule for w and is never computed.
 */
function weightGrad(a: Value, b: Value, dy: Value): Value | null {
  const aRows = asRows(a);
  const dyRows = asRows(dy);
  if (!aRows || !dyRows) return null;
  if (b.producer?.op === 'Transpose') return op.transpose(op.gemm(dyRows, aRows, { transA: true }), [1, 0]);
  return op.gemm(aRows, dyRows, { transA: true });
}

export const matMul: GradientRule = (context) => {
  const dy = outputGrad(context);
  const [a, b] = [inputOf(context.node, 0), inputOf(context.node, 1)];
  let da: Value | null = null;
  if (context.needed[0]) {
    da = a.rank === 2 && b.rank === 2 ? op.gemm(dy, b, { transB: true }) : sumToShape(op.matMul(dy, matrixTranspose(b)), a.shape);
  }
  let db: Value | null = null;
  if (context.needed[1]) {
    db = (b.rank === 2 ? weightGrad(a, b, dy) : null) ?? sumToShape(op.matMul(matrixTranspose(a), dy), b.shape);
  }
  return [da, db];
};

/**
 * For Y = op(A)·op(B) each case is again a Gemm with flags, never a Transpose:
 *   Y = A·B:   dA = dY·Bᵀ,   dB = Aᵀ·dY
 *   Y = A·Bᵀ:  dA = dY·B,    dB = dYᵀ·A
 *   Y = Aᵀ·B:  dA = B·dYᵀ,   dB = A·dY
 *   Y = Aᵀ·Bᵀ: dA = Bᵀ·dYᵀ,  dB = dYᵀ·Aᵀ
 */
export const gemm: GradientRule = (context) => {
  const dy = outputGrad(context);
  const [a, b] = [inputOf(context.node, 0), inputOf(context.node, 1)];
  const transA = intAttr(context.node, 'transA') === 1;
  const transB = intAttr(context.node, 'transB') === 1;
  const da = !context.needed[0] ? null : transA ? op.gemm(b, dy, { transA: transB, transB: true }) : op.gemm(dy, b, { transB: !transB });
  const db = !context.needed[1] ? null : transB ? op.gemm(dy, a, { transA: true, transB: transA }) : op.gemm(a, dy, { transA: !transA });
  return [da, db];
};
