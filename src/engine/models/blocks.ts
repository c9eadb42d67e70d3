/**
 * The modules BERT, RoBERTa/XLM-R and ELECTRA share, as transformers runs them in eager mode:
 * BertEmbeddings, the post-LayerNorm BertLayer with additive attention masks, and the heads the
 * families have in common. Each comes twice, as module specs (names and sizes) and as graph ops
 * over parameters looked up by those names.
 */
import type { Value } from '../onnx/graph.ts';
import * as op from '../onnx/ops.ts';
import type { ConfigFields, ConfigReader, EncoderConfig } from './config.ts';
import type { Dropout } from './dropout.ts';
import type { EncoderInputs } from './encoder.ts';
import type { BuildContext, HeadDefinition, ModelFamily, ModuleSpec } from './family.ts';
import { expandAndActivate, layerNorm, linear } from './layers.ts';

export const linearModule = (name: string, outFeatures: number, inFeatures: number): ModuleSpec => ({ kind: 'linear', name, inFeatures, outFeatures });
export const layerNormModule = (name: string, width: number): ModuleSpec => ({ kind: 'layer-norm', name, width });
export const embeddingModule = (name: string, rows: number, width: number, paddingIdx: number | null): ModuleSpec => ({ kind: 'embedding', name, rows, width, paddingIdx });

/** BertConfig.__init__'s keyword defaults, which RobertaConfig and ElectraConfig start from. */
export const bertConfigDefaults: Readonly<Record<string, unknown>> = {
  vocab_size: 30522,
  hidden_size: 768,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  intermediate_size: 3072,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0.1,
  attention_probs_dropout_prob: 0.1,
  max_position_embeddings: 512,
  type_vocab_size: 2,
  initializer_range: 0.02,
  layer_norm_eps: 1e-12,
  pad_token_id: 0,
  position_embedding_type: 'absolute',
  use_cache: true,
  classifier_dropout: null,
};

export const bertDropoutKeys = ['hidden_dropout_prob', 'attention_probs_dropout_prob'] as const;

/**
 * The fields of a BertConfig-style config. `embeddingSize` is the hidden size except where the
 * family has its own (ELECTRA); `positionKind` is the family's.
 */
export function bertConfigFields(
  modelType: string,
  read: ConfigReader,
  values: Readonly<Record<string, unknown>>,
  family: { readonly positionKind: ConfigFields['positionKind']; readonly embeddingSizeKey?: string },
): ConfigFields {
  if (values.position_embedding_type !== 'absolute') {
    throw new Error(
      `${modelType} config: position_embedding_type ${JSON.stringify(values.position_embedding_type)} is not supported; only "absolute" position embeddings are`,
    );
  }
  const hiddenSize = read.positiveInt('hidden_size');
  const hiddenDropout = read.probability('hidden_dropout_prob');
  return {
    vocabSize: read.positiveInt('vocab_size'),
    hiddenSize,
    embeddingSize: family.embeddingSizeKey ? read.positiveInt(family.embeddingSizeKey) : hiddenSize,
    numLayers: read.positiveInt('num_hidden_layers'),
    numHeads: read.positiveInt('num_attention_heads'),
    intermediateSize: read.positiveInt('intermediate_size'),
    maxPositions: read.positiveInt('max_position_embeddings'),
    typeVocabSize: read.positiveInt('type_vocab_size'),
    layerNormEps: read.number('layer_norm_eps'),
    hiddenAct: read.activation('hidden_act'),
    hiddenDropout,
    attentionDropout: read.probability('attention_probs_dropout_prob'),
    classifierDropout: read.optionalProbability('classifier_dropout') ?? hiddenDropout,
    padTokenId: read.tokenId('pad_token_id'),
    initializerRange: read.number('initializer_range'),
    positionKind: family.positionKind,
  };
}

/** torch.finfo(torch.float32).min, what get_extended_attention_mask adds at padded keys. */
const float32Min = -3.4028234663852886e38;

/** (1 − mask)·finfo.min as [batch, 1, 1, seq], broadcast over heads and query positions. */
export function additiveAttentionMask(attentionMask: Value): Value {
  return op.mul(op.sub(1, op.unsqueeze(attentionMask, [1, 2])), float32Min);
}

export interface AttentionProjections {
  readonly query: Value;
  readonly key: Value;
  readonly value: Value;
}

/** Eager multi-head attention on projected [B, S, H] inputs; returns the context [B, S, H]. */
export function multiHeadAttention(
  projections: AttentionProjections,
  numHeads: number,
  additiveMask: Value,
  dropout: Dropout,
  probsDropout: number,
  site: string,
): Value {
  const [batch, seq, hidden] = projections.query.shape as [number | string, number | string, number];
  const headSize = hidden / numHeads;
  const split = (x: Value) => op.reshape(x, [batch, seq, numHeads, headSize]);
  const query = op.transpose(split(projections.query), [0, 2, 1, 3]);
  const keyT = op.transpose(split(projections.key), [0, 2, 3, 1]);
  const value = op.transpose(split(projections.value), [0, 2, 1, 3]);
  const scores = op.add(op.mul(op.matMul(query, keyT), 1 / Math.sqrt(headSize)), additiveMask);
  const probs = dropout.apply(op.softmax(scores, -1), probsDropout, site);
  const context = op.transpose(op.matMul(probs, value), [0, 2, 1, 3]);
  return op.reshape(context, [batch, seq, hidden]);
}

/**
 * BertEmbeddings (word + token type + position, LayerNorm, dropout) under `prefix`, and ELECTRA's
 * `embeddings_project` where the embedding width is not the hidden size.
 */
export function bertEmbeddings(prefix: string): ModelFamily['embeddings'] {
  const e = `${prefix}.embeddings`;
  return {
    modules(config: EncoderConfig): ModuleSpec[] {
      const width = config.embeddingSize;
      // RoBERTa gives its position table padding_idx too: pads sit at position padTokenId.
      const positionPadding = config.positionKind === 'roberta' ? config.padTokenId : null;
      return [
        embeddingModule(`${e}.word_embeddings`, config.vocabSize, width, config.padTokenId),
        embeddingModule(`${e}.position_embeddings`, config.maxPositions, width, positionPadding),
        embeddingModule(`${e}.token_type_embeddings`, config.typeVocabSize, width, null),
        layerNormModule(`${e}.LayerNorm`, width),
        ...(config.embeddingSize !== config.hiddenSize ? [linearModule(`${prefix}.embeddings_project`, config.hiddenSize, config.embeddingSize)] : []),
      ];
    },
    build({ g, config, params, dropout }: BuildContext, inputs: EncoderInputs): Value {
      const embedded = g.scope(e, () => {
        const words = op.gather(params.get(`${e}.word_embeddings.weight`), inputs.inputIds);
        const typeTable = params.get(`${e}.token_type_embeddings.weight`);
        // transformers defaults missing token_type_ids to zeros: row 0 for every token.
        const types = inputs.tokenTypeIds
          ? op.gather(typeTable, inputs.tokenTypeIds)
          : op.gather(typeTable, g.constant({ dtype: 'int32', shape: [1], data: Int32Array.of(0) }));
        const positions = op.gather(params.get(`${e}.position_embeddings.weight`), inputs.positionIds);
        const summed = op.add(op.add(words, types), positions);
        return dropout.apply(layerNorm(summed, params, `${e}.LayerNorm`, config.layerNormEps), config.hiddenDropout, `${e}.dropout`);
      });
      if (config.embeddingSize === config.hiddenSize) return embedded;
      return g.scope(`${prefix}.embeddings_project`, () => linear(embedded, params, `${prefix}.embeddings_project`));
    },
  };
}

/** BertLayer: self-attention, its output projection and LayerNorm, then the feed-forward block. */
export const bertLayer: ModelFamily['layer'] = {
  modules(config: EncoderConfig, prefix: string): ModuleSpec[] {
    const h = config.hiddenSize;
    return [
      linearModule(`${prefix}.attention.self.query`, h, h),
      linearModule(`${prefix}.attention.self.key`, h, h),
      linearModule(`${prefix}.attention.self.value`, h, h),
      linearModule(`${prefix}.attention.output.dense`, h, h),
      layerNormModule(`${prefix}.attention.output.LayerNorm`, h),
      linearModule(`${prefix}.intermediate.dense`, config.intermediateSize, h),
      linearModule(`${prefix}.output.dense`, h, config.intermediateSize),
      layerNormModule(`${prefix}.output.LayerNorm`, h),
    ];
  },
  build({ g, config, params, dropout }: BuildContext, x: Value, additiveMask: Value, name: string): Value {
    const attended = g.scope(`${name}.attention`, () => {
      const self = `${name}.attention.self`;
      const context = multiHeadAttention(
        { query: linear(x, params, `${self}.query`), key: linear(x, params, `${self}.key`), value: linear(x, params, `${self}.value`) },
        config.numHeads,
        additiveMask,
        dropout,
        config.attentionDropout,
        `${self}.dropout`,
      );
      const out = `${name}.attention.output`;
      const projected = dropout.apply(linear(context, params, `${out}.dense`), config.hiddenDropout, `${out}.dropout`);
      return layerNorm(op.add(projected, x), params, `${out}.LayerNorm`, config.layerNormEps);
    });
    const intermediate = g.scope(`${name}.intermediate`, () => expandAndActivate(attended, params, `${name}.intermediate.dense`, config.hiddenAct));
    return g.scope(`${name}.output`, () => {
      const out = dropout.apply(linear(intermediate, params, `${name}.output.dense`), config.hiddenDropout, `${name}.output.dropout`);
      return layerNorm(op.add(out, attended), params, `${name}.output.LayerNorm`, config.layerNormEps);
    });
  },
};

/**
 * hidden[:, 0] as ReduceSum(hidden · isFirst, axis 1). Gather on axis 1 and Slice have no
 * gradient rule here; Mul and ReduceSum do, and route the gradient to token 0 only.
 * isFirst [batch, seq, 1] is CumSum(ones) == 1, the ones made from the attention mask so the
 * graph needs no Shape op.
 */
export function firstToken(hidden: Value, attentionMask: Value): Value {
  const ones = op.add(op.mul(attentionMask, 0), 1);
  const isFirst = op.cast(op.equal(op.cumSum(ones, 1), 1), 'float32');
  return op.reduceSum(op.mul(hidden, op.unsqueeze(isFirst, [2])), [1]);
}

/**
 * RobertaClassificationHead (tanh) and ElectraClassificationHead (exact GELU): token 0 → dropout →
 * dense → activation → dropout → out_proj. The head applies its one Dropout module twice, hence two sites.
 */
export function projectionHead(className: string, act: 'tanh' | 'gelu'): HeadDefinition {
  return {
    className,
    modules: (config, numLabels) => [linearModule('classifier.dense', config.hiddenSize, config.hiddenSize), linearModule('classifier.out_proj', numLabels, config.hiddenSize)],
    build({ g, config, params, dropout }, hidden, attentionMask) {
      const first = g.scope('first_token', () => firstToken(hidden, attentionMask));
      return g.scope('classifier', () => {
        const features = dropout.apply(first, config.classifierDropout, 'classifier.dropout:features');
        const dense = linear(features, params, 'classifier.dense');
        const activated = act === 'gelu' ? op.gelu(dense, 'none') : op.tanh(dense);
        return linear(dropout.apply(activated, config.classifierDropout, 'classifier.dropout:dense'), params, 'classifier.out_proj');
      });
    },
  };
}

/**
 * *ForTokenClassification: dropout over every token's hidden state → `classifier` Linear, logits
 * [batch, seq, numLabels]. `rate` is the family's dropout for it (classifier_dropout, else the hidden
 * dropout, for BERT-style configs; `dropout` for DistilBERT).
 */
export function tokenClassificationHead(className: string, rate: (config: EncoderConfig) => number): HeadDefinition {
  return {
    className,
    modules: (config, numLabels) => [linearModule('classifier', numLabels, config.hiddenSize)],
    build({ g, config, params, dropout }, hidden) {
      return g.scope('classifier', () => linear(dropout.apply(hidden, rate(config), 'dropout'), params, 'classifier'));
    },
  };
}
