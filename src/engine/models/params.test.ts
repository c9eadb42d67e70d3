import { describe, expect, it } from 'vitest';
import { parseModelConfig } from './config.ts';
import type { ParamSpec } from '../weights/param-spec.ts';
import { classifierParamSpecs } from './params.ts';

/** As `sum(p.numel() for p in model.parameters())` counts them. */
const countParameters = (specs: readonly ParamSpec[]) => specs.reduce((total, s) => total + s.shape.reduce((n, d) => n * d, 1), 0);

const specsOf = (json: Record<string, unknown>, numLabels = 2) => classifierParamSpecs(parseModelConfig(json), numLabels);

// Hub configs reduced to the fields that size the model; the rest are class defaults.
const bertBase = { model_type: 'bert' };
const distilbertBase = { model_type: 'distilbert' };
const robertaBase = { model_type: 'roberta', vocab_size: 50265, max_position_embeddings: 514, type_vocab_size: 1, layer_norm_eps: 1e-5 };
const xlmRobertaBase = { ...robertaBase, model_type: 'xlm-roberta', vocab_size: 250002 };
const electraSmall = { model_type: 'electra', embedding_size: 128, hidden_size: 256, num_attention_heads: 4, intermediate_size: 1024 };
const miniLmL6 = { model_type: 'bert', hidden_size: 384, num_hidden_layers: 6, intermediate_size: 1536 };

describe('classifierParamSpecs', () => {
  // Counts of sum(p.numel() for p in AutoModelForSequenceClassification.from_config(cfg, num_labels=2).parameters()).
  it.each([
    ['bert-base-uncased', 109_483_778, bertBase],
    ['distilbert-base-uncased', 66_955_010, distilbertBase],
    ['roberta-base', 124_647_170, robertaBase],
    ['xlm-roberta-base', 278_045_186, xlmRobertaBase],
    ['google/electra-small-discriminator', 13_549_314, electraSmall],
    ['all-MiniLM-L6-v2', 22_713_986, miniLmL6],
  ])('%s has %i parameters with 2 labels', (_, expected, json) => {
    expect(countParameters(specsOf(json))).toBe(expected);
  });

  it('names and shapes BERT as transformers does, in named_parameters() order', () => {
    const specs = specsOf({ ...bertBase, num_hidden_layers: 1 }, 3);
    expect(specs.map((s) => s.name)).toEqual([
      'bert.embeddings.word_embeddings.weight',
      'bert.embeddings.position_embeddings.weight',
      'bert.embeddings.token_type_embeddings.weight',
      'bert.embeddings.LayerNorm.weight',
      'bert.embeddings.LayerNorm.bias',
      'bert.encoder.layer.0.attention.self.query.weight',
      'bert.encoder.layer.0.attention.self.query.bias',
      'bert.encoder.layer.0.attention.self.key.weight',
      'bert.encoder.layer.0.attention.self.key.bias',
      'bert.encoder.layer.0.attention.self.value.weight',
      'bert.encoder.layer.0.attention.self.value.bias',
      'bert.encoder.layer.0.attention.output.dense.weight',
      'bert.encoder.layer.0.attention.output.dense.bias',
      'bert.encoder.layer.0.attention.output.LayerNorm.weight',
      'bert.encoder.layer.0.attention.output.LayerNorm.bias',
      'bert.encoder.layer.0.intermediate.dense.weight',
      'bert.encoder.layer.0.intermediate.dense.bias',
      'bert.encoder.layer.0.output.dense.weight',
      'bert.encoder.layer.0.output.dense.bias',
      'bert.encoder.layer.0.output.LayerNorm.weight',
      'bert.encoder.layer.0.output.LayerNorm.bias',
      'bert.pooler.dense.weight',
      'bert.pooler.dense.bias',
      'classifier.weight',
      'classifier.bias',
    ]);
    const byName = new Map(specs.map((s) => [s.name, s]));
    expect(byName.get('bert.embeddings.word_embeddings.weight')).toEqual({ name: 'bert.embeddings.word_embeddings.weight', shape: [30522, 768], init: 'normal', zeroRow: 0 });
    expect(byName.get('bert.embeddings.position_embeddings.weight')).toEqual({ name: 'bert.embeddings.position_embeddings.weight', shape: [512, 768], init: 'normal' });
    expect(byName.get('bert.encoder.layer.0.intermediate.dense.weight')!.shape).toEqual([3072, 768]);
    expect(byName.get('bert.encoder.layer.0.output.dense.weight')!.shape).toEqual([768, 3072]);
    expect(byName.get('bert.encoder.layer.0.output.LayerNorm.weight')!.init).toBe('ones');
    expect(byName.get('bert.encoder.layer.0.output.LayerNorm.bias')!.init).toBe('zeros');
    expect(byName.get('classifier.weight')).toEqual({ name: 'classifier.weight', shape: [3, 768], init: 'normal' });
    expect(byName.get('classifier.bias')).toEqual({ name: 'classifier.bias', shape: [3], init: 'zeros' });
  });

  it('gives RoBERTa no pooler, a two-layer head and a padding row in its position table', () => {
    const specs = specsOf({ ...robertaBase, num_hidden_layers: 1 });
    const names = specs.map((s) => s.name);
    expect(names.some((n) => n.includes('pooler'))).toBe(false);
    expect(names.slice(-4)).toEqual(['classifier.dense.weight', 'classifier.dense.bias', 'classifier.out_proj.weight', 'classifier.out_proj.bias']);
    expect(specs.find((s) => s.name === 'roberta.embeddings.position_embeddings.weight')).toMatchObject({ shape: [514, 768], zeroRow: 1 });
    expect(specs.find((s) => s.name === 'roberta.embeddings.word_embeddings.weight')).toMatchObject({ zeroRow: 1 });
    expect(specsOf(xlmRobertaBase)[0]!.name).toBe('roberta.embeddings.word_embeddings.weight');
  });

  it('projects ELECTRA embeddings only when embedding_size differs from hidden_size', () => {
    const small = specsOf({ ...electraSmall, num_hidden_layers: 1 });
    expect(small.find((s) => s.name === 'electra.embeddings.word_embeddings.weight')!.shape).toEqual([30522, 128]);
    expect(small.find((s) => s.name === 'electra.embeddings.LayerNorm.weight')!.shape).toEqual([128]);
    expect(small.find((s) => s.name === 'electra.embeddings_project.weight')!.shape).toEqual([256, 128]);
    expect(small.findIndex((s) => s.name === 'electra.embeddings_project.weight')).toBe(5);
    const square = specsOf({ ...electraSmall, embedding_size: 256 });
    expect(square.some((s) => s.name.startsWith('electra.embeddings_project'))).toBe(false);
    expect(small.slice(-4).map((s) => s.name)).toEqual(['classifier.dense.weight', 'classifier.dense.bias', 'classifier.out_proj.weight', 'classifier.out_proj.bias']);
  });

  it("uses DistilBERT's module names", () => {
    const specs = specsOf({ ...distilbertBase, n_layers: 1 });
    expect(specs.map((s) => s.name)).toEqual([
      'distilbert.embeddings.word_embeddings.weight',
      'distilbert.embeddings.position_embeddings.weight',
      'distilbert.embeddings.LayerNorm.weight',
      'distilbert.embeddings.LayerNorm.bias',
      'distilbert.transformer.layer.0.attention.q_lin.weight',
      'distilbert.transformer.layer.0.attention.q_lin.bias',
      'distilbert.transformer.layer.0.attention.k_lin.weight',
      'distilbert.transformer.layer.0.attention.k_lin.bias',
      'distilbert.transformer.layer.0.attention.v_lin.weight',
      'distilbert.transformer.layer.0.attention.v_lin.bias',
      'distilbert.transformer.layer.0.attention.out_lin.weight',
      'distilbert.transformer.layer.0.attention.out_lin.bias',
      'distilbert.transformer.layer.0.sa_layer_norm.weight',
      'distilbert.transformer.layer.0.sa_layer_norm.bias',
      'distilbert.transformer.layer.0.ffn.lin1.weight',
      'distilbert.transformer.layer.0.ffn.lin1.bias',
      'distilbert.transformer.layer.0.ffn.lin2.weight',
      'distilbert.transformer.layer.0.ffn.lin2.bias',
      'distilbert.transformer.layer.0.output_layer_norm.weight',
      'distilbert.transformer.layer.0.output_layer_norm.bias',
      'pre_classifier.weight',
      'pre_classifier.bias',
      'classifier.weight',
      'classifier.bias',
    ]);
    expect(specs[0]).toMatchObject({ zeroRow: 0 });
    expect(specs[1]).not.toHaveProperty('zeroRow');
  });

  it('refuses a label count that is not a positive integer', () => {
    expect(() => specsOf(bertBase, 0)).toThrow(/numLabels/);
  });
});
