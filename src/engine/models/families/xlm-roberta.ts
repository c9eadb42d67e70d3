/** XLM-RoBERTa: RoBERTa's modules and names (its base_model_prefix is `roberta` too), its own classes and tokenizer. */
import { bertConfigFields, projectionHead, tokenClassificationHead } from '../blocks.ts';
import type { ModelFamily } from '../family.ts';
import { roberta } from './roberta.ts';

export const xlmRoberta: ModelFamily = {
  ...roberta,
  modelType: 'xlm-roberta',
  readFields: (read, values) => bertConfigFields('xlm-roberta', read, values, { positionKind: 'roberta' }),
  tokenizerClass: 'XLMRobertaTokenizer',
  heads: {
    'sequence-classification': projectionHead('XLMRobertaForSequenceClassification', 'tanh'),
    'token-classification': tokenClassificationHead('XLMRobertaForTokenClassification', (config) => config.classifierDropout),
  },
};
