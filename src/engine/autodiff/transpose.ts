/**
 * Transposes for gradient rules that cancel against a Transpose already in the graph: the
 * backward of MatMul(x, Transpose(w)) multiplies by w itself instead of transposing twice.
 */
import type { Value } from '../onnx/graph.ts';
import * as op from '../onnx/ops.ts';
import { intsAttr } from './rule.ts';

const isIdentity = (perm: readonly number[]) => perm.every((p, i) => p === i);

export function transposeFolded(x: Value, perm: readonly number[]): Value {
  if (isIdentity(perm)) return x;
  const producer = x.producer;
  if (producer?.op === 'Transpose') {
    const inner = intsAttr(producer, 'perm');
    // Transpose(Transpose(v, p), q) takes axis i from v's axis p[q[i]].
    if (isIdentity(perm.map((q) => inner[q]!))) return producer.inputs[0]!;
  }
  return op.transpose(x, perm);
}

export function inversePermutation(perm: readonly number[]): number[] {
  const inverse = new Array<number>(perm.length);
  perm.forEach((p, i) => (inverse[p] = i));
  return inverse;
}

/** Swaps the two matrix axes of a batched operand. */
export function matrixTranspose(x: Value): Value {
  const perm = Array.from({ length: x.rank }, (_, i) => i);
  perm[x.rank - 2] = x.rank - 1;
  perm[x.rank - 1] = x.rank - 2;
  return transposeFolded(x, perm);
}
