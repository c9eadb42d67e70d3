/**
 * The losses transformers computes for its heads, as graph ops that stay on the GPU under
 * WebGPU (LogSoftmax and OneHot would fall back to the CPU there).
 */
import type { Value } from './onnx/graph.ts';
import * as op from './onnx/ops.ts';
import type { LossGraph } from './tasks/task.ts';

/**
 * Mean cross-entropy for single-label classification, as torch's CrossEntropyLoss: the one-hot
 * is Equal(labels, range) and log-softmax is z − log Σ exp(z) with z = logits − max.
 */
export function crossEntropy(logits: Value, labels: Value): LossGraph {
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

/**
 * torch's BCEWithLogitsLoss (mean over every row and label), multi-label classification's loss:
 * max(x, 0) − x·y + log(1 + exp(−|x|)), which never exponentiates a large positive number.
 */
export function bceWithLogits(logits: Value, labels: Value): LossGraph {
  if (logits.rank !== 2 || labels.dtype !== 'float32' || labels.rank !== 2 || labels.shape[1] !== logits.shape[1]) {
    throw new Error(`bceWithLogits: logits [batch, labels] and float32 labels of the same shape, got ${logits.toString()} and ${labels.toString()}`);
  }
  const positive = op.relu(logits);
  const magnitude = op.add(positive, op.relu(op.neg(logits)));
  const perElement = op.add(op.sub(positive, op.mul(logits, labels)), op.log(op.add(op.exp(op.neg(magnitude)), 1)));
  return { loss: op.reduceMean(perElement, [0, 1]), stopGradient: new Set() };
}

/** torch's MSELoss on the squeezed logits, regression's loss: mean (prediction − label)². */
export function meanSquaredError(logits: Value, labels: Value): LossGraph {
  if (logits.rank !== 2 || logits.shape[1] !== 1 || labels.dtype !== 'float32' || labels.rank !== 1) {
    throw new Error(`meanSquaredError: logits [batch, 1] and float32 labels [batch], got ${logits.toString()} and ${labels.toString()}`);
  }
  const difference = op.sub(op.squeeze(logits, [1]), labels);
  return { loss: op.reduceMean(op.mul(difference, difference), [0]), stopGradient: new Set() };
}
