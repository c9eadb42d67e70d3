/**
 * DistilBERT: its own config names (dim, n_layers…, aliased by attribute_map), word + position
 * embeddings without token types, a TransformerBlock with no dropout after the attention output,
 * and its own heads (pre_classifier → ReLU → classifier for sequences).
 */
import type { Value } from '../../onnx/graph.ts';
import * as op from '../../onnx/ops.ts';
import { embeddingModule, firstToken, layerNormModule, linearModule, multiHeadAttention, tokenClassificationHead } from '../blocks.ts';
import type { BuildContext, ModelFamily } from '../family.ts';
import { expandAndActivate, layerNorm, linear } from '../layers.ts';

export const distilbert: ModelFamily = {
  modelType: 'distilbert',
  basePrefix: 'distilbert',
  configDefaults: {
    vocab_size: 30522,
    max_position_embeddings: 512,
    sinusoidal_pos_embds: false,
    n_layers: 6,
    n_heads: 12,
    dim: 768,
    hidden_dim: 4 * 768,
    dropout: 0.1,
    attention_dropout: 0.1,
    activation: 'gelu',
    initializer_range: 0.02,
    qa_dropout: 0.1,
    seq_classif_dropout: 0.2,
    pad_token_id: 0,
  },
  attributeMap: { hidden_size: 'dim', num_attention_heads: 'n_heads', num_hidden_layers: 'n_layers' },
  readFields(read, values) {
    if (values.sinusoidal_pos_embds === true) {
      throw new Error('distilbert config: sinusoidal_pos_embds=true (a frozen sinusoidal position table) is not supported; only learned position embeddings are');
    }
    const dim = read.positiveInt('dim');
    return {
      vocabSize: read.positiveInt('vocab_size'),
      hiddenSize: dim,
      embeddingSize: dim,
      numLayers: read.positiveInt('n_layers'),
      numHeads: read.positiveInt('n_heads'),
      intermediateSize: read.positiveInt('hidden_dim'),
      maxPositions: read.positiveInt('max_position_embeddings'),
      typeVocabSize: 0,
      // DistilBERT's LayerNorms hard-code eps=1e-12 rather than reading the config.
      layerNormEps: 1e-12,
      hiddenAct: read.activation('activation'),
      hiddenDropout: read.probability('dropout'),
      attentionDropout: read.probability('attention_dropout'),
      classifierDropout: read.probability('seq_classif_dropout'),
      padTokenId: read.tokenId('pad_token_id'),
      initializerRange: read.number('initializer_range'),
      positionKind: 'absolute',
    };
  },
  dropoutKeys: ['dropout', 'attention_dropout', 'seq_classif_dropout'],
  tokenizerClass: 'DistilBertTokenizer',
  embeddings: {
    modules: (config) => [
      embeddingModule('distilbert.embeddings.word_embeddings', config.vocabSize, config.hiddenSize, config.padTokenId),
      embeddingModule('distilbert.embeddings.position_embeddings', config.maxPositions, config.hiddenSize, null),
      layerNormModule('distilbert.embeddings.LayerNorm', config.hiddenSize),
    ],
    build({ g, config, params, dropout }, inputs) {
      const e = 'distilbert.embeddings';
      return g.scope(e, () => {
        const words = op.gather(params.get(`${e}.word_embeddings.weight`), inputs.inputIds);
        const positions = op.gather(params.get(`${e}.position_embeddings.weight`), inputs.positionIds);
        const normed = layerNorm(op.add(words, positions), params, `${e}.LayerNorm`, config.layerNormEps);
        return dropout.apply(normed, config.hiddenDropout, `${e}.dropout`);
      });
    },
  },
  layerPrefix: (index) => `distilbert.transformer.layer.${index}`,
  layer: {
    modules(config, prefix) {
      const h = config.hiddenSize;
      return [
        linearModule(`${prefix}.attention.q_lin`, h, h),
        linearModule(`${prefix}.attention.k_lin`, h, h),
        linearModule(`${prefix}.attention.v_lin`, h, h),
        linearModule(`${prefix}.attention.out_lin`, h, h),
        layerNormModule(`${prefix}.sa_layer_norm`, h),
        linearModule(`${prefix}.ffn.lin1`, config.intermediateSize, h),
        linearModule(`${prefix}.ffn.lin2`, h, config.intermediateSize),
        layerNormModule(`${prefix}.output_layer_norm`, h),
      ];
    },
    build(ctx: BuildContext, x: Value, additiveMask: Value, name: string): Value {
      const { g, config, params, dropout } = ctx;
      const attended = g.scope(`${name}.attention`, () => {
        const a = `${name}.attention`;
        const context = multiHeadAttention(
          { query: linear(x, params, `${a}.q_lin`), key: linear(x, params, `${a}.k_lin`), value: linear(x, params, `${a}.v_lin`) },
          config.numHeads,
          additiveMask,
          dropout,
          config.attentionDropout,
          `${a}.dropout`,
        );
        return layerNorm(op.add(linear(context, params, `${a}.out_lin`), x), params, `${name}.sa_layer_norm`, config.layerNormEps);
      });
      return g.scope(`${name}.ffn`, () => {
        const f = `${name}.ffn`;
        const hidden = expandAndActivate(attended, params, `${f}.lin1`, config.hiddenAct);
        const out = dropout.apply(linear(hidden, params, `${f}.lin2`), config.hiddenDropout, `${f}.dropout`);
        return layerNorm(op.add(out, attended), params, `${name}.output_layer_norm`, config.layerNormEps);
      });
    },
  },
  heads: {
    /** DistilBertForSequenceClassification: token 0 → pre_classifier → ReLU → dropout(seq_classif_dropout) → classifier. */
    'sequence-classification': {
      className: 'DistilBertForSequenceClassification',
      modules: (config, numLabels) => [linearModule('pre_classifier', config.hiddenSize, config.hiddenSize), linearModule('classifier', numLabels, config.hiddenSize)],
      build({ g, config, params, dropout }, hidden, attentionMask) {
        const first = g.scope('first_token', () => firstToken(hidden, attentionMask));
        return g.scope('classifier', () => {
          const pooled = op.relu(linear(first, params, 'pre_classifier'));
          return linear(dropout.apply(pooled, config.classifierDropout, 'dropout'), params, 'classifier');
        });
      },
    },
    /** DistilBertForTokenClassification drops out with config.dropout, not seq_classif_dropout. */
    'token-classification': tokenClassificationHead('DistilBertForTokenClassification', (config) => config.hiddenDropout),
  },
};
