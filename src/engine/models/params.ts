/**
 * The trainable parameters of each *ForSequenceClassification, in transformers'
 * `named_parameters()` order, with PyTorch names, layouts (Linear weight [out, in]) and the
 * init `_init_weights` gives them. The graph creates its parameters from this list, so a
 * checkpoint's keys and the graph's inputs cannot drift apart.
 */
import type { ParamSpec } from '../weights/param-spec.ts';
import { basePrefix, type EncoderConfig } from './config.ts';

function linear(name: string, outFeatures: number, inFeatures: number): ParamSpec[] {
  return [
    { name: `${name}.weight`, shape: [outFeatures, inFeatures], init: 'normal' },
    { name: `${name}.bias`, shape: [outFeatures], init: 'zeros' },
  ];
}

function layerNorm(name: string, width: number): ParamSpec[] {
  return [
    { name: `${name}.weight`, shape: [width], init: 'ones' },
    { name: `${name}.bias`, shape: [width], init: 'zeros' },
  ];
}

function embedding(name: string, rows: number, width: number, paddingIdx: number | null): ParamSpec {
  const spec: ParamSpec = { name: `${name}.weight`, shape: [rows, width], init: 'normal' };
  if (paddingIdx !== null) spec.zeroRow = paddingIdx;
  return spec;
}

function bertFamilyEmbeddings(prefix: string, config: EncoderConfig): ParamSpec[] {
  const e = `${prefix}.embeddings`;
  const width = config.embeddingSize;
  // RoBERTa gives its position table padding_idx too: pads sit at position padTokenId.
  const positionPadding = config.positionKind === 'roberta' ? config.padTokenId : null;
  return [
    embedding(`${e}.word_embeddings`, config.vocabSize, width, config.padTokenId),
    embedding(`${e}.position_embeddings`, config.maxPositions, width, positionPadding),
    embedding(`${e}.token_type_embeddings`, config.typeVocabSize, width, null),
    ...layerNorm(`${e}.LayerNorm`, width),
  ];
}

function bertLayer(prefix: string, config: EncoderConfig): ParamSpec[] {
  const h = config.hiddenSize;
  return [
    ...linear(`${prefix}.attention.self.query`, h, h),
    ...linear(`${prefix}.attention.self.key`, h, h),
    ...linear(`${prefix}.attention.self.value`, h, h),
    ...linear(`${prefix}.attention.output.dense`, h, h),
    ...layerNorm(`${prefix}.attention.output.LayerNorm`, h),
    ...linear(`${prefix}.intermediate.dense`, config.intermediateSize, h),
    ...linear(`${prefix}.output.dense`, h, config.intermediateSize),
    ...layerNorm(`${prefix}.output.LayerNorm`, h),
  ];
}

function distilBertLayer(prefix: string, config: EncoderConfig): ParamSpec[] {
  const h = config.hiddenSize;
  return [
    ...linear(`${prefix}.attention.q_lin`, h, h),
    ...linear(`${prefix}.attention.k_lin`, h, h),
    ...linear(`${prefix}.attention.v_lin`, h, h),
    ...linear(`${prefix}.attention.out_lin`, h, h),
    ...layerNorm(`${prefix}.sa_layer_norm`, h),
    ...linear(`${prefix}.ffn.lin1`, config.intermediateSize, h),
    ...linear(`${prefix}.ffn.lin2`, h, config.intermediateSize),
    ...layerNorm(`${prefix}.output_layer_norm`, h),
  ];
}

function layers(count: number, build: (i: number) => ParamSpec[]): ParamSpec[] {
  return Array.from({ length: count }, (_, i) => build(i)).flat();
}

/** Every parameter of the architecture's *ForSequenceClassification with `numLabels` outputs. */
export function classifierParamSpecs(config: EncoderConfig, numLabels: number): ParamSpec[] {
  if (!Number.isInteger(numLabels) || numLabels < 1) throw new Error(`numLabels must be a positive integer, got ${numLabels}`);
  const h = config.hiddenSize;
  const prefix = basePrefix(config);
  switch (config.architecture) {
    case 'bert':
      return [
        ...bertFamilyEmbeddings(prefix, config),
        ...layers(config.numLayers, (i) => bertLayer(`${prefix}.encoder.layer.${i}`, config)),
        ...linear(`${prefix}.pooler.dense`, h, h),
        ...linear('classifier', numLabels, h),
      ];
    case 'roberta':
    case 'xlm-roberta':
    case 'electra':
      return [
        ...bertFamilyEmbeddings(prefix, config),
        ...(config.embeddingSize !== h ? linear(`${prefix}.embeddings_project`, h, config.embeddingSize) : []),
        ...layers(config.numLayers, (i) => bertLayer(`${prefix}.encoder.layer.${i}`, config)),
        ...linear('classifier.dense', h, h),
        ...linear('classifier.out_proj', numLabels, h),
      ];
    case 'distilbert':
      return [
        embedding(`${prefix}.embeddings.word_embeddings`, config.vocabSize, h, config.padTokenId),
        embedding(`${prefix}.embeddings.position_embeddings`, config.maxPositions, h, null),
        ...layerNorm(`${prefix}.embeddings.LayerNorm`, h),
        ...layers(config.numLayers, (i) => distilBertLayer(`${prefix}.transformer.layer.${i}`, config)),
        ...linear('pre_classifier', h, h),
        ...linear('classifier', numLabels, h),
      ];
  }
}
