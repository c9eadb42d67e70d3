/**
 * The losses transformers computes for its heads, as graph ops that stay on the GPU under
 * WebGPU (LogSoftmax and OneHot would fall back to the CPU there).
 */
import type { Value } from './onnx/graph.ts';
import * as op from './onnx/ops.ts';
import type { LossGraph } from './tasks/task.ts';

/**
 * Mean cross-entropy as torch's CrossEntropyLoss(ignore_index=-100), over logits [..., K] and int32
 * labels [...]: [batch, K] with [batch] for single-label classification, [batch, seq, K] with
 * [batch, seq] for token classification, whose -100 positions (padding, special tokens, a word's
 * later pieces) are left out of the sum and of the count. The one-hot is Equal(labels, range), all
 * zeros for -100, and log-softmax is z − log Σ exp(z) with z = logits − max.
 */
export function crossEntropy(logits: Value, labels: Value): LossGraph {
  const g = logits.graph;
  const classAxis = logits.rank - 1;
  const numLabels = logits.shape[classAxis];
  if (logits.rank < 2 || typeof numLabels !== 'number') throw new Error(`crossEntropy: logits must be [batch, …, labels], got ${logits.toString()}`);
  const positions = logits.shape.slice(0, classAxis);
  if (labels.dtype !== 'int32' || labels.rank !== classAxis || positions.some((d, i) => labels.shape[i] !== d)) {
    throw new Error(`crossEntropy: labels must be int32 [${positions.join(', ')}], got ${labels.toString()}`);
  }
  const classIds = g.constant({ dtype: 'int32', shape: [numLabels], data: Int32Array.from({ length: numLabels }, (_, i) => i) }, 'loss.class_ids');
  const oneHot = op.cast(op.equal(op.unsqueeze(labels, [classAxis]), classIds), 'float32');
  const max = op.reduceMax(logits, [classAxis], true);
  const shifted = op.sub(logits, max);
  const logSumExp = op.log(op.reduceSum(op.exp(shifted), [classAxis], true));
  const logProbs = op.sub(shifted, logSumExp);
  const allAxes = logits.shape.map((_, i) => i);
  const total = op.neg(op.reduceSum(op.mul(oneHot, logProbs), allAxes));
  // A labelled position's one-hot sums to 1 and an ignored one's to 0: the count of positions that
  // take part, without a runtime Shape op.
  const counted = op.reduceSum(oneHot, allAxes);
  return { loss: op.div(total, counted), stopGradient: new Set([max]) };
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
