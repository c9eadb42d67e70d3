/** BERT (and MiniLM and most BERT variants): BertConfig, BertModel, BertFor{Sequence,Token}Classification. */
import * as op from '../../onnx/ops.ts';
import { bertConfigDefaults, bertConfigFields, bertDropoutKeys, bertEmbeddings, bertLayer, firstToken, linearModule, tokenClassificationHead } from '../blocks.ts';
import type { ModelFamily } from '../family.ts';
import { linear } from '../layers.ts';

export const bert: ModelFamily = {
  modelType: 'bert',
  basePrefix: 'bert',
  configDefaults: bertConfigDefaults,
  attributeMap: {},
  readFields: (read, values) => bertConfigFields('bert', read, values, { positionKind: 'absolute' }),
  dropoutKeys: bertDropoutKeys,
  tokenizerClass: 'BertTokenizer',
  embeddings: bertEmbeddings('bert'),
  layerPrefix: (index) => `bert.encoder.layer.${index}`,
  layer: bertLayer,
  heads: {
    /** BertForSequenceClassification: token 0 → pooler (dense + tanh) → dropout → classifier. */
    'sequence-classification': {
      className: 'BertForSequenceClassification',
      modules: (config, numLabels) => [linearModule('bert.pooler.dense', config.hiddenSize, config.hiddenSize), linearModule('classifier', numLabels, config.hiddenSize)],
      build({ g, config, params, dropout }, hidden, attentionMask) {
        const first = g.scope('first_token', () => firstToken(hidden, attentionMask));
        const pooled = g.scope('bert.pooler', () => op.tanh(linear(first, params, 'bert.pooler.dense')));
        return g.scope('classifier', () => linear(dropout.apply(pooled, config.classifierDropout, 'dropout'), params, 'classifier'));
      },
    },
    // BertModel(add_pooling_layer=False): a token classifier has no pooler.
    'token-classification': tokenClassificationHead('BertForTokenClassification', (config) => config.classifierDropout),
  },
};
