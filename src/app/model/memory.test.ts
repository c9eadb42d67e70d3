import { describe, expect, it } from 'vitest';
import type { ModelSummary } from '../../../workers/protocol.ts';
import { parameterCount, trainingMemory } from './memory.ts';

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
  pretrained: true,
  tokenizerKind: 'tokenizer.json',
};

describe('trainingMemory', () => {
  it('counts the head per label, as BertForSequenceClassification has it', () => {
    expect(parameterCount(bertBase, 2)).toBe(109_483_778);
  });

  it('gives bert-base at batch 16 × 128 a few gigabytes, weights and optimizer about 1.75 GB of it', () => {
    const m = trainingMemory(bertBase, 2, 16, 128);
    expect(m.weightsBytes).toBe(16 * 109_483_778);
    expect(m.totalBytes).toBeGreaterThan(2e9);
    expect(m.totalBytes).toBeLessThan(6e9);
  });

  it('grows with the batch and the sequence length', () => {
    const small = trainingMemory(bertBase, 2, 8, 64).activationBytes;
    expect(trainingMemory(bertBase, 2, 16, 64).activationBytes).toBeCloseTo(2 * small);
    expect(trainingMemory(bertBase, 2, 8, 128).activationBytes).toBeGreaterThan(2 * small);
  });
});
