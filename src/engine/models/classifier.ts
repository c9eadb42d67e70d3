/**
 * *ForSequenceClassification as one graph: parameters named as in the Hugging Face checkpoint,
 * the architecture's encoder, its head. Training graphs pass a Dropout; evaluation and
 * inference graphs pass null, which is eval mode.
 */
import { Graph, type Value } from '../onnx/graph.ts';
import type { EncoderConfig } from './config.ts';
import { type Dropout, type DropoutSite, recordDropoutSites } from './dropout.ts';
import { checkEncoderInputs, encodeSequence, type EncoderInputs } from './encoder.ts';
import { classificationHead } from './heads.ts';
import { Params } from './layers.ts';
import { classifierParamSpecs } from './params.ts';

export type ClassifierInputs = EncoderInputs;

const evalMode: Dropout = { apply: (x) => x };

/**
 * Records the model on `g`, creating one `g.param` per entry of classifierParamSpecs (same
 * names, same order). Returns logits [batch, numLabels].
 */
export function buildSequenceClassifier(g: Graph, config: EncoderConfig, numLabels: number, inputs: ClassifierInputs, dropout: Dropout | null): { logits: Value } {
  checkEncoderInputs(config, inputs);
  const params = new Params(new Map(classifierParamSpecs(config, numLabels).map((spec) => [spec.name, g.param(spec.name, spec.shape)])));
  const hidden = encodeSequence(g, config, params, inputs, dropout ?? evalMode);
  return { logits: classificationHead(g, config, params, hidden, inputs.attentionMask, dropout ?? evalMode) };
}

/**
 * The dropout sites of the classifier over [batch, seq] inputs, found by building it once on a
 * scratch graph: createHashDropout needs them before the real graph is built.
 */
export function classifierDropoutSites(config: EncoderConfig, numLabels: number): DropoutSite[] {
  const g = new Graph('dropout_sites');
  const dims = ['batch', 'seq'];
  const inputs: ClassifierInputs = {
    inputIds: g.input('input_ids', 'int32', dims),
    positionIds: g.input('position_ids', 'int32', dims),
    tokenTypeIds: config.typeVocabSize > 0 ? g.input('token_type_ids', 'int32', dims) : null,
    attentionMask: g.input('attention_mask', 'float32', dims),
  };
  return recordDropoutSites((dropout) => buildSequenceClassifier(g, config, numLabels, inputs, dropout));
}
