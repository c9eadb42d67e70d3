/**
 * A family's model with a task head as one graph: parameters named as in the Hugging Face
 * checkpoint, the family's encoder, the head's logits. Training graphs pass a Dropout;
 * evaluation and inference graphs pass null, which is eval mode.
 */
import { Graph, type Value } from '../onnx/graph.ts';
import { type EncoderConfig, familyOf } from './config.ts';
import { type Dropout, type DropoutSite, recordDropoutSites } from './dropout.ts';
import { checkEncoderInputs, encodeSequence, type EncoderInputs } from './encoder.ts';
import type { HeadKind } from './family.ts';
import { adapterParamSpecs, type LoraAdapter, loraAdapterParamNames } from './fine-tune-method.ts';
import { type LoraBranch, Params } from './layers.ts';
import { classifierParamSpecs } from './params.ts';

export type ClassifierInputs = EncoderInputs;

const evalMode: Dropout = { apply: (x) => x };

/**
 * Records the model on `g`, creating one `g.param` per entry of classifierParamSpecs (same
 * names, same order), then each LoRA adapter's lora_A and lora_B. Returns logits: [batch, numLabels] for a sequence head, [batch, seq,
 * numLabels] for a token head.
 */
export function buildClassifier(
  g: Graph,
  config: EncoderConfig,
  numLabels: number,
  inputs: ClassifierInputs,
  dropout: Dropout | null,
  head: HeadKind = 'sequence-classification',
  adapters: readonly LoraAdapter[] = [],
): { logits: Value } {
  checkEncoderInputs(config, inputs);
  const specs = [...classifierParamSpecs(config, numLabels, head), ...adapterParamSpecs(adapters)];
  const values = new Map(specs.map((spec) => [spec.name, g.param(spec.name, spec.shape)]));
  const active = dropout ?? evalMode;
  const branches = new Map(
    adapters.map((a): [string, LoraBranch] => {
      const names = loraAdapterParamNames(a.module);
      return [a.module, { a: values.get(names.a)!, b: values.get(names.b)!, scale: a.scale, dropInput: (x) => active.apply(x, a.dropout, `${a.module}.lora_dropout`) }];
    }),
  );
  const params = new Params(values, branches);
  const ctx = { g, config, params, dropout: active };
  const hidden = encodeSequence(ctx, inputs);
  return { logits: familyOf(config).heads[head].build(ctx, hidden, inputs.attentionMask) };
}

/**
 * The dropout sites of the model over [batch, seq] inputs, found by building it once on a
 * scratch graph: createHashDropout needs them before the real graph is built.
 */
export function classifierDropoutSites(
  config: EncoderConfig,
  numLabels: number,
  head: HeadKind = 'sequence-classification',
  adapters: readonly LoraAdapter[] = [],
): DropoutSite[] {
  const g = new Graph('dropout_sites');
  const dims = ['batch', 'seq'];
  const inputs: ClassifierInputs = {
    inputIds: g.input('input_ids', 'int32', dims),
    positionIds: g.input('position_ids', 'int32', dims),
    tokenTypeIds: config.typeVocabSize > 0 ? g.input('token_type_ids', 'int32', dims) : null,
    attentionMask: g.input('attention_mask', 'float32', dims),
  };
  return recordDropoutSites((dropout) => buildClassifier(g, config, numLabels, inputs, dropout, head, adapters));
}
