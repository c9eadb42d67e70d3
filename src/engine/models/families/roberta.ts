/**
 * RoBERTa: the BERT layer under `roberta.`, positions counted from padding_idx + 1, no pooler,
 * RobertaClassificationHead (dense → tanh → out_proj) for sequences.
 */
import { bertConfigDefaults, bertConfigFields, bertDropoutKeys, bertEmbeddings, bertLayer, projectionHead, tokenClassificationHead } from '../blocks.ts';
import type { ModelFamily } from '../family.ts';

/** RobertaConfig.__init__'s keyword defaults: BertConfig's, with RoBERTa's special token ids. */
export const robertaConfigDefaults: Readonly<Record<string, unknown>> = { ...bertConfigDefaults, pad_token_id: 1, bos_token_id: 0, eos_token_id: 2 };

export const roberta: ModelFamily = {
  modelType: 'roberta',
  basePrefix: 'roberta',
  configDefaults: robertaConfigDefaults,
  attributeMap: {},
  readFields: (read, values) => bertConfigFields('roberta', read, values, { positionKind: 'roberta' }),
  dropoutKeys: bertDropoutKeys,
  tokenizerClass: 'RobertaTokenizer',
  embeddings: bertEmbeddings('roberta'),
  layerPrefix: (index) => `roberta.encoder.layer.${index}`,
  layer: bertLayer,
  heads: {
    'sequence-classification': projectionHead('RobertaForSequenceClassification', 'tanh'),
    'token-classification': tokenClassificationHead('RobertaForTokenClassification', (config) => config.classifierDropout),
  },
};
