import { describe, expect, it } from 'vitest';
import type { ModelSummary } from '../../../workers/protocol.ts';
import { parameterCount } from './memory.ts';

/** bert-base-uncased: 109,482,240 parameters before the 2-label head. */
const bertBase: ModelSummary = {
  name: 'bert-base-uncased',
  source: 'hub',
  modelType: 'bert',
  className: 'BertForSequenceClassification',
  layers: 12,
  hiddenSize: 768,
  heads: 12,
  intermediateSize: 3072,
  vocabSize: 30522,
  maxPositions: 512,
  parametersWithoutLabels: 109_482_240,
  fineTunedLabels: null,
  pretrained: true,
  tokenizerKind: 'tokenizer.json',
};

describe('parameterCount', () => {
  it('counts the head per label, as BertForSequenceClassification has it', () => {
    expect(parameterCount(bertBase, 2)).toBe(109_483_778);
    expect(parameterCount(bertBase, 6)).toBe(109_483_778 + 4 * 769);
  });
});
