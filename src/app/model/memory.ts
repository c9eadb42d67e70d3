/** The parameters of the model the run will train: the encoder's, and the head's for the data's labels. */
import type { ModelSummary } from '../../../workers/protocol.ts';

export function parameterCount(model: ModelSummary, numLabels: number): number {
  return model.parametersWithoutLabels + numLabels * (model.hiddenSize + 1);
}
