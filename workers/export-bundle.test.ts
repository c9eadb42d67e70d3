import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import type { EvalRecord } from '../src/engine/checkpoint.ts';
import { startingPoint } from '../src/engine/pretrained.ts';
import { defaultSettings } from '../src/engine/settings.ts';
import { completeTokenizerFiles } from '../src/tokenize/tokenizer-files.ts';
import { exportBundle, slug } from './export-bundle.ts';
import { curvePoints, modelCard } from './model-card.ts';
import type { DatasetSummary, ExportRequestInfo, ModelSummary } from './protocol.ts';

const configJson = { model_type: 'bert', vocab_size: 12, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 16, max_position_embeddings: 16 };
const vocabTxt = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'good', 'bad', 'film', 'the', 'a', 'is', '!'].join('\n');
const tokenizer = completeTokenizerFiles({ vocabTxt, tokenizerConfig: { do_lower_case: true } }, configJson);
const base = startingPoint({ name: 'tiny', configJson, weights: new Map() }, ['neg', 'pos|mixed'], { ...defaultSettings, epochs: 2 }).checkpoint;
const evalRecord: EvalRecord = {
  step: 4,
  epoch: 2,
  trainLoss: 0.5,
  metrics: {
    loss: 0.4,
    accuracy: 0.75,
    macroF1: 0.7,
    examples: 4,
    confusion: [
      [2, 0],
      [1, 1],
    ],
    perClass: [
      { label: 'neg', precision: 0.67, recall: 1, f1: 0.8, support: 2 },
      { label: 'pos|mixed', precision: 1, recall: 0.5, f1: 0.67, support: 2 },
    ],
  },
};
const checkpoint = {
  ...base,
  progress: { ...base.progress, step: 4, finished: true },
  history: { steps: Array.from({ length: 4 }, (_, i) => ({ step: i + 1, epoch: (i + 1) / 2, loss: 0.7 - i * 0.05, learningRate: 5e-5, gradNorm: 1 })), evals: [evalRecord] },
};
const dataset: DatasetSummary = {
  fileName: 'My Reviews.csv',
  rowCount: 12,
  columns: ['text', 'label'],
  preview: [],
  mapping: { text: 'text', label: 'label' },
  labels: ['neg', 'pos|mixed'],
  trainCounts: [4, 4],
  validationCounts: [2, 2],
  warnings: [],
  split: { kind: 'fraction', fraction: 0.2, seed: 42 },
  validationFile: null,
};
const model: ModelSummary = {
  name: 'google/bert_uncased_L-2_H-128_A-2',
  source: 'hub',
  modelType: 'bert',
  className: 'BertForSequenceClassification',
  layers: 1,
  hiddenSize: 8,
  heads: 2,
  intermediateSize: 16,
  vocabSize: 12,
  maxPositions: 16,
  parametersWithoutLabels: 1000,
  pretrained: true,
  tokenizerKind: 'WordPiece (vocab.txt)',
};
const info: ExportRequestInfo = { dataset, model, backend: { name: 'webgpu', description: 'SwiftShader', fallbackReason: null } };

describe('exportBundle', () => {
  it('zips the Hugging Face folder, the ONNX model, the model card and the history', () => {
    const { fileName, bytes } = exportBundle(checkpoint, tokenizer, info);
    expect(fileName).toBe('google-bert-uncased-l-2-h-128-a-2-my-reviews.zip');
    const files = unzipSync(bytes);
    expect(Object.keys(files).sort()).toEqual(
      [
        'README.md',
        'config.json',
        'model.safetensors',
        'onnx/model.onnx',
        'special_tokens_map.json',
        'tokenizer.json',
        'tokenizer_config.json',
        'trainer_state.json',
        'training_history.json',
        'vocab.txt',
      ].sort(),
    );
    const config = JSON.parse(new TextDecoder().decode(files['config.json']));
    expect(config.id2label).toEqual({ 0: 'neg', 1: 'pos|mixed' });
    expect(config.label2id).toEqual({ neg: 0, 'pos|mixed': 1 });
    const history = JSON.parse(new TextDecoder().decode(files['training_history.json']));
    expect(history.steps).toHaveLength(4);
    expect(history.evals[0].metrics.accuracy).toBe(0.75);
  });
});

describe('modelCard', () => {
  it('states the data, the settings, the scores and the loss curve', () => {
    const card = modelCard(checkpoint, info);
    expect(card).toMatch(/^---\nlibrary_name: transformers\npipeline_tag: text-classification\nbase_model: google\/bert_uncased_L-2_H-128_A-2\n/);
    expect(card).toContain('| pos\\|mixed | 1 | 4 | 2 |');
    expect(card).toContain('accuracy **75.0%**, macro-F1 **0.700**');
    expect(card).toContain('| learning rate | 0.00005 |');
    expect(card).toContain('step,loss\n1,0.70000\n2,0.65000');
    expect(card).toContain('WebGPU: SwiftShader');
  });

  it('says when there were no validation rows and the model started from scratch', () => {
    const card = modelCard({ ...checkpoint, history: { steps: [], evals: [] } }, { ...info, model: { ...model, source: 'scratch', pretrained: false }, backend: null });
    expect(card).not.toContain('base_model');
    expect(card).toContain('trained from scratch');
    expect(card).toContain('no validation rows');
  });
});

describe('helpers', () => {
  it('keeps every k-th curve point and the last', () => {
    expect(curvePoints([1, 2, 3, 4, 5], 2)).toEqual([1, 4, 5]);
    expect(curvePoints([1, 2], 5)).toEqual([1, 2]);
  });

  it('makes file names safe', () => {
    expect(slug('Ünïcode & spaces.tsv')).toBe('unicode-spaces');
    expect(slug('...')).toBe('model');
  });
});
