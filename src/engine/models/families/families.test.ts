import { describe, expect, it } from 'vitest';
import { parseModelConfig } from '../config.ts';
import { HEAD_KINDS } from '../family.ts';
import { classifierParamSpecs, findLinear, modelModules } from '../params.ts';
import { tinyConfigs } from '../test-support.ts';
import { modelFamilies } from './index.ts';

const families = Object.entries(modelFamilies);

describe('the model family registry', () => {
  it.each(families)('%s: its model_type is its key, its dropout keys are config fields, each head names its class', (type, family) => {
    expect(family.modelType).toBe(type);
    for (const key of family.dropoutKeys) expect(Object.keys(family.configDefaults)).toContain(key);
    for (const head of HEAD_KINDS) expect(family.heads[head].className).toMatch(/For(Sequence|Token)Classification$/);
    expect(family.tokenizerClass).toMatch(/Tokenizer$/);
  });

  it.each(families)('%s: a token classifier is the encoder and one Linear per token, with no pooler', (type) => {
    const config = parseModelConfig(tinyConfigs[type as keyof typeof tinyConfigs]);
    const tokens = classifierParamSpecs(config, 5, 'token-classification');
    const sequences = classifierParamSpecs(config, 5);
    const prefix = modelFamilies[type as keyof typeof modelFamilies].basePrefix;
    const encoder = (specs: typeof tokens) => specs.filter((s) => s.name.startsWith(`${prefix}.`) && !s.name.includes('pooler'));
    expect(encoder(tokens)).toEqual(encoder(sequences));
    expect(tokens.slice(encoder(tokens).length).map((s) => [s.name, s.shape])).toEqual([
      ['classifier.weight', [5, config.hiddenSize]],
      ['classifier.bias', [5]],
    ]);
  });

  it('finds a Linear by its Hugging Face module name, as LoRA targets it', () => {
    const bert = parseModelConfig(tinyConfigs.bert);
    const modules = modelModules(bert, 3);
    expect(findLinear(modules, 'bert.encoder.layer.1.attention.self.query')).toEqual({ kind: 'linear', name: 'bert.encoder.layer.1.attention.self.query', inFeatures: 32, outFeatures: 32 });
    expect(findLinear(modules, 'bert.encoder.layer.0.intermediate.dense')).toMatchObject({ inFeatures: 32, outFeatures: 37 });
    expect(findLinear(modules, 'classifier')).toMatchObject({ inFeatures: 32, outFeatures: 3 });
    expect(findLinear(modules, 'bert.encoder.layer.0.attention.output.LayerNorm')).toBeNull();
    const distil = modelModules(parseModelConfig(tinyConfigs.distilbert), 2, 'token-classification');
    expect(findLinear(distil, 'distilbert.transformer.layer.0.attention.q_lin')).toMatchObject({ inFeatures: 32, outFeatures: 32 });
    expect(findLinear(distil, 'pre_classifier')).toBeNull();
  });
});
