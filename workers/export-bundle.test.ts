import { unzipSync } from 'fflate';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import type { EvalRecord } from '../src/engine/checkpoint.ts';
import { startingPoint } from '../src/engine/pretrained.ts';
import { defaultSettings } from '../src/engine/settings.ts';
import { completeTokenizerFiles } from '../src/tokenize/tokenizer-files.ts';
import { exportBundle, slug, studioCardRun } from './export-bundle.ts';
import type { DatasetSummary, ExportRequestInfo, ModelSummary } from './protocol.ts';
import { singleLabelFields } from './summary-fixture.ts';

const configJson = { model_type: 'bert', vocab_size: 12, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 16, max_position_embeddings: 16 };
const vocabTxt = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'good', 'bad', 'film', 'the', 'a', 'is', '!'].join('\n');
const tokenizer = completeTokenizerFiles({ vocabTxt, tokenizerConfig: { do_lower_case: true } }, configJson);
const base = startingPoint({ name: 'tiny', configJson, weights: new Map() }, ['neg', 'pos|mixed'], { ...defaultSettings, epochs: 2 }).checkpoint;
const evalRecord: EvalRecord = {
  step: 4,
  epoch: 2,
  trainLoss: 0.5,
  metrics: {
    task: 'single-label',
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
  readAs: 'CSV (comma-separated)',
  rowCount: 12,
  columns: ['text', 'label'],
  preview: [],
  mapping: { text: 'text', label: 'label' },
  labels: ['neg', 'pos|mixed'],
  trainCounts: [4, 4],
  validationCounts: [2, 2],
  ...singleLabelFields(8, 4),
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
  fineTunedLabels: null,
  pretrained: true,
  tokenizerKind: 'WordPiece (vocab.txt)',
};
const info: ExportRequestInfo = { dataset, model, backend: { name: 'webgpu', description: 'SwiftShader', fallbackReason: null }, threshold: 0.5 };

describe('exportBundle', () => {
  it('zips the Hugging Face folder, the ONNX models, the model card and the history', async () => {
    const { fileName, bytes } = await exportBundle(checkpoint, tokenizer, info);
    expect(fileName).toBe('google-bert-uncased-l-2-h-128-a-2-my-reviews.zip');
    const files = unzipSync(bytes);
    expect(Object.keys(files).sort()).toEqual(
      [
        'README.md',
        'config.json',
        'model.safetensors',
        'onnx/model.onnx',
        'onnx/model_quantized.onnx',
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
    expect(new TextDecoder().decode(files['README.md'])).toMatch(/^---\nlibrary_name: transformers\n[^]*\n# google\/bert_uncased_L-2_H-128_A-2, fine-tuned on My Reviews\.csv\n/);
    // Without rows to measure on, the card makes no claim about the int8 model's accuracy.
    expect(new TextDecoder().decode(files['README.md'])).not.toContain('validation rows:');
  });

  it('measures both ONNX models on the validation rows it is given and puts the figures in the card', async () => {
    const rows = [Int32Array.of(2, 5, 8, 3), Int32Array.of(2, 6, 3), Int32Array.of(2, 7, 5, 10, 3)].map((inputIds, i) => ({ inputIds, tokenTypeIds: null, target: Int32Array.of(i % 2) }));
    const { bytes } = await exportBundle(checkpoint, tokenizer, info, { backend: { name: 'cpu', ort }, rows });
    const files = unzipSync(bytes);
    const card = new TextDecoder().decode(files['README.md']);
    expect(card).toContain('Accuracy on the 3 validation rows');
    expect(card).toContain('`onnx/model_quantized.onnx`');
  });

  it('still exports the model when the int8 measurement fails, and the card claims no accuracy', async () => {
    const rows = [{ inputIds: Int32Array.of(2, 5, 3), tokenTypeIds: null, target: Int32Array.of(0) }];
    const broken = { ...ort, InferenceSession: { create: () => Promise.reject(new Error('out of GPU memory')) } } as unknown as typeof ort;
    const { bytes } = await exportBundle(checkpoint, tokenizer, info, { backend: { name: 'cpu', ort: broken }, rows });
    const files = unzipSync(bytes);
    expect(Object.keys(files)).toContain('onnx/model_quantized.onnx');
    expect(new TextDecoder().decode(files['README.md'])).not.toContain('Accuracy on the');
  });
});

describe('studioCardRun', () => {
  it('describes the run from the dataset and model screens', () => {
    const run = studioCardRun(checkpoint, info);
    expect(run.baseModel).toEqual({ name: 'google/bert_uncased_L-2_H-128_A-2', fromHub: true, pretrained: true });
    expect(run.data).toMatchObject({ fileName: 'My Reviews.csv', rows: 12, split: { kind: 'fraction', fraction: 0.2, seed: 42 }, trainCounts: [4, 4], trainRows: 8, validationRows: 4 });
    expect(run.trainedWith).toBe('in a web browser (WebGPU: SwiftShader)');
    const withFile = studioCardRun(checkpoint, { ...info, dataset: { ...dataset, split: { kind: 'file' }, validationFile: { fileName: 'dev.csv', rowCount: 4 } }, backend: null });
    expect(withFile.data.split).toEqual({ kind: 'file', fileName: 'dev.csv', rows: 4 });
    expect(withFile.trainedWith).toBe('in a web browser');
  });
});

describe('helpers', () => {
  it('makes file names safe', () => {
    expect(slug('Ünïcode & spaces.tsv')).toBe('unicode-spaces');
    expect(slug('...')).toBe('model');
  });
});
