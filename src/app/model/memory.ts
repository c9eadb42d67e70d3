/**
 * A rough figure for the memory a training run needs, so people pick a model their machine
 * can hold before waiting for it to download. Parameters, gradients and the two Adam
 * moments take 4 float32 copies of the weights; activations kept for the backward pass take
 * what each encoder layer stores per token (about 10 hidden-wide and 2 intermediate-wide
 * tensors) plus the attention scores, probabilities and dropout mask per head.
 */
import type { ModelSummary } from '../../../workers/protocol.ts';

export interface MemoryEstimate {
  readonly parameters: number;
  /** Weights, gradients and Adam's two moments. */
  readonly weightsBytes: number;
  readonly activationBytes: number;
  readonly totalBytes: number;
}

const FLOAT = 4;

export function parameterCount(model: ModelSummary, numLabels: number): number {
  return model.parametersWithoutLabels + numLabels * (model.hiddenSize + 1);
}

export function trainingMemory(model: ModelSummary, numLabels: number, batchSize: number, seqLength: number): MemoryEstimate {
  const parameters = parameterCount(model, numLabels);
  const weightsBytes = 4 * parameters * FLOAT;
  const tokens = batchSize * seqLength;
  const perLayer = tokens * (10 * model.hiddenSize + 2 * model.intermediateSize) + 3 * batchSize * model.heads * seqLength * seqLength;
  const activationBytes = (model.layers * perLayer + 3 * tokens * model.hiddenSize) * FLOAT;
  return { parameters, weightsBytes, activationBytes, totalBytes: weightsBytes + activationBytes };
}
