import { describe, expect, it } from 'vitest';
import { parseModelConfig } from './config.ts';
import { fullFineTune, parameterPlan } from './fine-tune-method.ts';
import { tinyConfigs } from './test-support.ts';

const bert = parseModelConfig(tinyConfigs.bert);
const trainedModules = (names: ReadonlySet<string>) => [...new Set([...names].map((n) => n.replace(/\.(weight|bias)$/, '')))];

describe('parameterPlan', () => {
  it('trains everything in a full fine-tune, with no adapters', () => {
    const plan = parameterPlan(bert, 3, fullFineTune);
    expect(plan.trainable.size).toBe(plan.params.length);
    expect(plan.adapters).toEqual([]);
  });

  it('freezes the embeddings and the first layers, and trains only the head (pooler included) when asked', () => {
    const frozen = parameterPlan(bert, 3, { ...fullFineTune, freezeEmbeddings: true, freezeLayers: 1 });
    expect([...frozen.trainable].some((n) => n.includes('embeddings') || n.includes('layer.0.'))).toBe(false);
    expect(frozen.trainable.has('bert.encoder.layer.1.attention.self.query.weight')).toBe(true);
    const head = parameterPlan(bert, 3, { ...fullFineTune, kind: 'head-only' });
    expect(trainedModules(head.trainable)).toEqual(['bert.pooler.dense', 'classifier']);
  });

  it('puts LoRA on query and value with scale alpha/r, trains the adapters and modules_to_save as peft does', () => {
    const plan = parameterPlan(bert, 3, { ...fullFineTune, kind: 'lora', lora: { r: 4, alpha: 16, dropout: 0.1, targetModules: [] } });
    expect(plan.adapters.map((a) => a.module)).toEqual([0, 1].flatMap((i) => [`bert.encoder.layer.${i}.attention.self.query`, `bert.encoder.layer.${i}.attention.self.value`]));
    expect(plan.adapters[0]).toMatchObject({ r: 4, scale: 4, dropout: 0.1, inFeatures: 32, outFeatures: 32 });
    expect(plan.params.find((p) => p.name === 'bert.encoder.layer.0.attention.self.query.lora_A.weight')).toMatchObject({ shape: [4, 32], init: 'kaiming-uniform' });
    expect(plan.params.find((p) => p.name === 'bert.encoder.layer.0.attention.self.query.lora_B.weight')).toMatchObject({ shape: [32, 4], init: 'zeros' });
    expect(plan.modulesToSave).toEqual(['classifier']);
    expect([...plan.trainable].filter((n) => !n.includes('.lora_'))).toEqual(['classifier.weight', 'classifier.bias']);
    // DistilBERT's pre_classifier ends with "classifier": peft's endswith match saves it too; RoBERTa's head is one module.
    expect(parameterPlan(parseModelConfig(tinyConfigs.distilbert), 2, { ...fullFineTune, kind: 'lora' }).modulesToSave).toEqual(['pre_classifier', 'classifier']);
    expect(parameterPlan(parseModelConfig(tinyConfigs.roberta), 2, { ...fullFineTune, kind: 'lora' }).modulesToSave).toEqual(['classifier']);
  });

  it('adapts any Linear by name ending, and says which names exist when none matches', () => {
    const plan = parameterPlan(bert, 2, { ...fullFineTune, kind: 'lora', lora: { r: 2, alpha: 2, dropout: 0, targetModules: ['output.dense'] } });
    expect(plan.adapters.map((a) => a.module)).toEqual(['bert.encoder.layer.0.attention.output.dense', 'bert.encoder.layer.0.output.dense', 'bert.encoder.layer.1.attention.output.dense', 'bert.encoder.layer.1.output.dense']);
    expect(() => parameterPlan(bert, 2, { ...fullFineTune, kind: 'lora', lora: { r: 2, alpha: 2, dropout: 0, targetModules: ['q_lin'] } })).toThrow(/no Linear module of this bert model matches the LoRA targets q_lin/);
  });

  it('refuses settings that leave nothing to train or name layers the model lacks', () => {
    expect(() => parameterPlan(bert, 2, { ...fullFineTune, freezeLayers: 3 })).toThrow(/frozen layers \(3\) is more than the model's 2 layers/);
    expect(() => parameterPlan(bert, 2, { ...fullFineTune, kind: 'lora', lora: { r: 0, alpha: 8, dropout: 0, targetModules: [] } })).toThrow(/LoRA r must be a whole number ≥ 1, got 0/);
  });
});
