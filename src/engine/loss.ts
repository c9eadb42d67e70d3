/**
 * Mean cross-entropy for single-label classification, as torch's CrossEntropyLoss. Built
 * from Softmax-free ops because LogSoftmax and OneHot fall back to the CPU on WebGPU: the
 * one-hot is Equal(labels, range) and log-softmax is z − log Σ exp(z) with z = logits − max.
 */
import type { Value } from './onnx/graph.ts';
import * as op from './onnx/ops.ts';

export interface CrossEntropy {
  readonly loss: Value;
  /** Values the backward pass must treat as constants (the max subtracted for stability). */
  readonly stopGradient: ReadonlySet<Value>;
}

export function crossEntropy(logits: Value, labels: Value): CrossEntropy {
  const g = logits.graph;
  const numLabels = logits.shape[1];
  if (logits.rank !== 2 || typeof numLabels !== 'number') throw new Error(`crossEntropy: logits must be [batch, labels], got ${logits.toString()}`);
  if (labels.dtype !== 'int32' || labels.rank !== 1 || labels.shape[0] !== logits.shape[0]) {
    throw new Error(`crossEntropy: labels must be int32 [${String(logits.shape[0])}], got ${labels.toString()}`);
  }
  const classIds = g.constant({ dtype: 'int32', shape: [numLabels], data: Int32Array.from({ length: numLabels }, (_, i) => i) }, 'loss.class_ids');
  const oneHot = op.cast(op.equal(op.unsqueeze(labels, [1]), classIds), 'float32');
  const max = op.reduceMax(logits, [1], true);
  const shifted = op.sub(logits, max);
  const logSumExp = op.log(op.reduceSum(op.exp(shifted), [1], true));
  const logProbs = op.sub(shifted, logSumExp);
  const total = op.neg(op.reduceSum(op.mul(oneHot, logProbs), [0, 1]));
  // Each row's one-hot sums to 1, so this is the batch size without a runtime Shape op.
  const rows = op.reduceSum(oneHot, [0, 1]);
  return { loss: op.div(total, rows), stopGradient: new Set([max]) };
}
