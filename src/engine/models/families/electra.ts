/**
 * ELECTRA (the discriminator): BERT's embeddings at `embedding_size`, projected up to the hidden
 * size by `embeddings_project` when they differ, BERT layers, no pooler, and
 * ElectraClassificationHead (dense → exact GELU → out_proj) for sequences.
 */
import { bertConfigDefaults, bertConfigFields, bertDropoutKeys, bertEmbeddings, bertLayer, projectionHead, tokenClassificationHead } from '../blocks.ts';
import type { ModelFamily } from '../family.ts';

export const electra: ModelFamily = {
  modelType: 'electra',
  basePrefix: 'electra',
  configDefaults: {
    ...bertConfigDefaults,
    embedding_size: 128,
    hidden_size: 256,
    num_attention_heads: 4,
    intermediate_size: 1024,
    summary_type: 'first',
    summary_use_proj: true,
    summary_activation: 'gelu',
    summary_last_dropout: 0.1,
  },
  attributeMap: {},
  readFields: (read, values) => bertConfigFields('electra', read, values, { positionKind: 'absolute', embeddingSizeKey: 'embedding_size' }),
  dropoutKeys: bertDropoutKeys,
  tokenizerClass: 'ElectraTokenizer',
  embeddings: bertEmbeddings('electra'),
  layerPrefix: (index) => `electra.encoder.layer.${index}`,
  layer: bertLayer,
  heads: {
    'sequence-classification': projectionHead('ElectraForSequenceClassification', 'gelu'),
    'token-classification': tokenClassificationHead('ElectraForTokenClassification', (config) => config.classifierDropout),
  },
};
