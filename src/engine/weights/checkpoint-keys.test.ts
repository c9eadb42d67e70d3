import { describe, expect, it } from 'vitest';
import { Rng } from '../random.ts';
import { formatLoadReport, loadPretrainedParams, type LoadPretrainedOptions } from './checkpoint-keys.ts';
import type { ParamSpec } from './param-spec.ts';
import type { NamedTensor } from './safetensors.ts';

/** A one-layer BERT for sequence classification with hidden size 2, vocabulary 4 and 3 labels. */
const tinyBertSpecs: ParamSpec[] = [
  { name: 'bert.embeddings.word_embeddings.weight', shape: [4, 2], init: 'normal' },
  { name: 'bert.embeddings.LayerNorm.weight', shape: [2], init: 'ones' },
  { name: 'bert.embeddings.LayerNorm.bias', shape: [2], init: 'zeros' },
  { name: 'bert.encoder.layer.0.attention.self.query.weight', shape: [2, 2], init: 'normal' },
  { name: 'bert.encoder.layer.0.attention.self.query.bias', shape: [2], init: 'zeros' },
  { name: 'bert.pooler.dense.weight', shape: [2, 2], init: 'normal' },
  { name: 'bert.pooler.dense.bias', shape: [2], init: 'zeros' },
  { name: 'classifier.weight', shape: [3, 2], init: 'normal' },
  { name: 'classifier.bias', shape: [3], init: 'zeros' },
];

/** Distinct recognisable values per tensor, so a test can tell which checkpoint tensor landed where. */
function filled(shape: number[], start: number): NamedTensor {
  const size = shape.reduce((product, dimension) => product * dimension, 1);
  return { shape, data: Float32Array.from({ length: size }, (_, i) => start + i) };
}

function checkpointOf(entries: [string, number[]][]): Map<string, NamedTensor> {
  return new Map(entries.map(([name, shape], i) => [name, filled(shape, 100 * (i + 1))]));
}

function load(
  checkpoint: Map<string, NamedTensor>,
  overrides: Partial<LoadPretrainedOptions> = {},
): ReturnType<typeof loadPretrainedParams> {
  return loadPretrainedParams({
    expected: tinyBertSpecs,
    checkpoint,
    basePrefix: 'bert',
    initializerRange: 0.02,
    rng: new Rng(42),
    ...overrides,
  });
}

const baseModelShapes: [string, number[]][] = tinyBertSpecs
  .filter((spec) => spec.name.startsWith('bert.'))
  .map((spec) => [spec.name, spec.shape]);

describe('loadPretrainedParams', () => {
  it('uses the checkpoint arrays themselves when every name and shape matches', () => {
    const checkpoint = checkpointOf(tinyBertSpecs.map((spec) => [spec.name, spec.shape]));
    const report = load(checkpoint);
    expect(report.missingKeys).toEqual([]);
    expect(report.unexpectedKeys).toEqual([]);
    expect([...report.params.keys()]).toEqual(tinyBertSpecs.map((spec) => spec.name));
    for (const spec of tinyBertSpecs) expect(report.params.get(spec.name)).toBe(checkpoint.get(spec.name)!.data);
  });

  it('reports a pretraining head as unexpected, ignores position_ids, and initialises the missing classifier', () => {
    const checkpoint = checkpointOf([
      ...baseModelShapes,
      ['bert.embeddings.position_ids', [1, 6]],
      ['cls.predictions.bias', [4]],
      ['cls.predictions.transform.dense.weight', [2, 2]],
      ['cls.seq_relationship.weight', [2, 2]],
    ]);
    const report = load(checkpoint);
    expect(report.unexpectedKeys).toEqual([
      'cls.predictions.bias',
      'cls.predictions.transform.dense.weight',
      'cls.seq_relationship.weight',
    ]);
    expect(report.missingKeys).toEqual(['classifier.bias', 'classifier.weight']);

    const expectedRng = new Rng(42);
    const expectedWeight = Float32Array.from({ length: 6 }, () => expectedRng.normal(0, 0.02));
    expect(report.params.get('classifier.weight')).toEqual(expectedWeight);
    expect(report.params.get('classifier.bias')).toEqual(new Float32Array(3));
    expect(report.params.get('bert.pooler.dense.bias')).toBe(checkpoint.get('bert.pooler.dense.bias')!.data);
  });

  it('adds the base prefix to a checkpoint saved from the bare base model', () => {
    const bareCheckpoint = checkpointOf([
      ...baseModelShapes.map(([name, shape]): [string, number[]] => [name.slice('bert.'.length), shape]),
      ['embeddings.position_ids', [1, 6]],
    ]);
    const report = load(bareCheckpoint);
    expect(report.missingKeys).toEqual(['classifier.bias', 'classifier.weight']);
    expect(report.unexpectedKeys).toEqual([]);
    expect(report.params.get('bert.encoder.layer.0.attention.self.query.weight')).toBe(
      bareCheckpoint.get('encoder.layer.0.attention.self.query.weight')!.data,
    );
  });

  it('keeps unprefixed head weights of a bare checkpoint where transformers does, and reports stray ones', () => {
    const checkpoint = checkpointOf([
      ['embeddings.word_embeddings.weight', [4, 2]],
      ['classifier.weight', [3, 2]],
      ['lm_head.bias', [4]],
    ]);
    const report = load(checkpoint);
    expect(report.params.get('classifier.weight')).toBe(checkpoint.get('classifier.weight')!.data);
    expect(report.unexpectedKeys).toEqual(['lm_head.bias']);
    expect(report.missingKeys).not.toContain('classifier.weight');
    expect(report.missingKeys).not.toContain('bert.embeddings.word_embeddings.weight');
  });

  it('maps TF-era LayerNorm.gamma and LayerNorm.beta to weight and bias, prefixed or not', () => {
    const prefixed = checkpointOf([
      ['bert.embeddings.LayerNorm.gamma', [2]],
      ['bert.embeddings.LayerNorm.beta', [2]],
    ]);
    const prefixedReport = load(prefixed);
    expect(prefixedReport.params.get('bert.embeddings.LayerNorm.weight')).toBe(
      prefixed.get('bert.embeddings.LayerNorm.gamma')!.data,
    );
    expect(prefixedReport.params.get('bert.embeddings.LayerNorm.bias')).toBe(
      prefixed.get('bert.embeddings.LayerNorm.beta')!.data,
    );
    expect(prefixedReport.unexpectedKeys).toEqual([]);

    const bare = checkpointOf([['embeddings.LayerNorm.gamma', [2]]]);
    expect(load(bare).params.get('bert.embeddings.LayerNorm.weight')).toBe(bare.get('embeddings.LayerNorm.gamma')!.data);
  });

  it('refuses a checkpoint holding a parameter under both its legacy and its current name', () => {
    const checkpoint = checkpointOf([
      ['bert.embeddings.LayerNorm.gamma', [2]],
      ['bert.embeddings.LayerNorm.weight', [2]],
    ]);
    expect(() => load(checkpoint)).toThrow(
      'Checkpoint holds both "bert.embeddings.LayerNorm.gamma" and "bert.embeddings.LayerNorm.weight" for parameter "bert.embeddings.LayerNorm.weight"',
    );
  });

  it("reports other architectures' pretraining heads under their own prefixes", () => {
    const electraSpecs: ParamSpec[] = [
      { name: 'electra.embeddings.word_embeddings.weight', shape: [4, 2], init: 'normal' },
      { name: 'classifier.dense.weight', shape: [2, 2], init: 'normal' },
    ];
    const electra = loadPretrainedParams({
      expected: electraSpecs,
      checkpoint: checkpointOf([
        ['electra.embeddings.word_embeddings.weight', [4, 2]],
        ['electra.embeddings.position_ids', [1, 6]],
        ['discriminator_predictions.dense.weight', [2, 2]],
      ]),
      basePrefix: 'electra',
      initializerRange: 0.02,
      rng: new Rng(1),
    });
    expect(electra.unexpectedKeys).toEqual(['discriminator_predictions.dense.weight']);
    expect(electra.missingKeys).toEqual(['classifier.dense.weight']);

    const roberta = loadPretrainedParams({
      expected: [{ name: 'roberta.embeddings.word_embeddings.weight', shape: [4, 2], init: 'normal' }],
      checkpoint: checkpointOf([
        ['roberta.embeddings.word_embeddings.weight', [4, 2]],
        ['lm_head.dense.weight', [2, 2]],
        ['lm_head.bias', [4]],
      ]),
      basePrefix: 'roberta',
      initializerRange: 0.02,
      rng: new Rng(1),
    });
    expect(roberta.unexpectedKeys).toEqual(['lm_head.bias', 'lm_head.dense.weight']);
    expect(roberta.missingKeys).toEqual([]);
  });

  it('initialises every missing parameter as _init_weights does: normal weights, zero biases, unit LayerNorm weights', () => {
    const report = load(new Map());
    expect(report.missingKeys).toEqual(tinyBertSpecs.map((spec) => spec.name).sort());
    expect(report.unexpectedKeys).toEqual([]);
    expect(report.params.get('bert.embeddings.LayerNorm.weight')).toEqual(new Float32Array([1, 1]));
    expect(report.params.get('bert.embeddings.LayerNorm.bias')).toEqual(new Float32Array([0, 0]));
    expect(report.params.get('bert.encoder.layer.0.attention.self.query.bias')).toEqual(new Float32Array([0, 0]));
    const embeddings = report.params.get('bert.embeddings.word_embeddings.weight')!;
    expect(embeddings).toHaveLength(8);
    expect(embeddings.every((value) => value !== 0 && Math.abs(value) < 0.2)).toBe(true);
  });

  it("zeroes an embedding's padding row after the normal draw, as nn.Embedding(padding_idx) starts", () => {
    const spec: ParamSpec = { name: 'bert.embeddings.word_embeddings.weight', shape: [4, 3], init: 'normal', zeroRow: 2 };
    const table = loadPretrainedParams({ expected: [spec], checkpoint: new Map(), basePrefix: 'bert', initializerRange: 0.02, rng: new Rng(3) }).params.get(spec.name)!;
    expect([...table.subarray(6, 9)]).toEqual([0, 0, 0]);
    expect([...table.subarray(0, 6), ...table.subarray(9)].every((value) => value !== 0)).toBe(true);
  });

  it('draws normal inits with std initializer_range, reproducibly from the seed', () => {
    const bigHead: ParamSpec[] = [{ name: 'classifier.weight', shape: [200, 500], init: 'normal' }];
    const draw = (seed: number) =>
      loadPretrainedParams({
        expected: bigHead,
        checkpoint: new Map(),
        basePrefix: 'bert',
        initializerRange: 0.05,
        rng: new Rng(seed),
      }).params.get('classifier.weight')!;
    const values = draw(7);
    const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
    const std = Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length);
    expect(Math.abs(mean)).toBeLessThan(1e-3);
    expect(Math.abs(std - 0.05)).toBeLessThan(1e-3);
    const sameValues = (other: Float32Array) => other.every((value, i) => value === values[i]);
    expect(sameValues(draw(7))).toBe(true);
    expect(sameValues(draw(8))).toBe(false);
  });

  it('refuses tensors whose shape differs from the model, naming each key and both shapes', () => {
    const checkpoint = checkpointOf([
      ...baseModelShapes,
      ['classifier.weight', [2, 2]],
      ['classifier.bias', [2]],
    ]);
    expect(() => load(checkpoint)).toThrow(
      'Checkpoint tensors do not fit the model:\n' +
        '  size mismatch for classifier.weight: checkpoint tensor "classifier.weight" has shape [2, 2], the model expects [3, 2]\n' +
        '  size mismatch for classifier.bias: checkpoint tensor "classifier.bias" has shape [2], the model expects [3]',
    );

    const legacy = checkpointOf([['embeddings.LayerNorm.gamma', [3]]]);
    expect(() => load(legacy)).toThrow(
      'size mismatch for bert.embeddings.LayerNorm.weight: checkpoint tensor "embeddings.LayerNorm.gamma" has shape [3], the model expects [2]',
    );
  });

  it('refuses a checkpoint tensor whose data does not match its own shape', () => {
    const checkpoint = new Map([['classifier.bias', { shape: [3], data: new Float32Array(2) }]]);
    expect(() => load(checkpoint)).toThrow('checkpoint tensor "classifier.bias" has 2 values for shape [3]');
  });

  it('refuses an initializer range that is not a finite non-negative number', () => {
    expect(() => load(new Map(), { initializerRange: -0.02 })).toThrow(/initializerRange/);
    expect(() => load(new Map(), { initializerRange: Number.NaN })).toThrow(/initializerRange/);
  });
});

describe('formatLoadReport', () => {
  const source = { modelClass: 'BertForSequenceClassification', checkpoint: 'google-bert/bert-base-uncased' };

  it('words unused and newly initialised weights as transformers logs them', () => {
    const text = formatLoadReport(
      { missingKeys: ['classifier.bias', 'classifier.weight'], unexpectedKeys: ['cls.predictions.bias'] },
      source,
    );
    expect(text).toBe(
      "Some weights of the model checkpoint at google-bert/bert-base-uncased were not used when initializing BertForSequenceClassification: ['cls.predictions.bias']\n" +
        '- This IS expected if you are initializing BertForSequenceClassification from the checkpoint of a model trained on another task or with another architecture (e.g. initializing a BertForSequenceClassification model from a BertForPreTraining model).\n' +
        '- This IS NOT expected if you are initializing BertForSequenceClassification from the checkpoint of a model that you expect to be exactly identical (initializing a BertForSequenceClassification model from a BertForSequenceClassification model).\n' +
        "Some weights of BertForSequenceClassification were not initialized from the model checkpoint at google-bert/bert-base-uncased and are newly initialized: ['classifier.bias', 'classifier.weight']\n" +
        'You should probably TRAIN this model on a down-stream task to be able to use it for predictions and inference.',
    );
  });

  it('says so when every weight was used and initialised from the checkpoint', () => {
    expect(formatLoadReport({ missingKeys: [], unexpectedKeys: [] }, source)).toBe(
      'All model checkpoint weights were used when initializing BertForSequenceClassification.\n' +
        'All the weights of BertForSequenceClassification were initialized from the model checkpoint at google-bert/bert-base-uncased.\n' +
        'If your task is similar to the task the model of the checkpoint was trained on, you can already use BertForSequenceClassification for predictions without further training.',
    );
  });

  it('accepts the report loadPretrainedParams returns', () => {
    const report = load(checkpointOf(baseModelShapes));
    expect(formatLoadReport(report, source)).toContain(
      "are newly initialized: ['classifier.bias', 'classifier.weight']",
    );
  });
});
