import { fullFineTune } from '../src/engine/models/fine-tune-method.ts';
import * as ort from 'onnxruntime-node';
import { metricValue } from '../src/engine/best-model.ts';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import type { OrtModule } from '../src/engine/runtime.ts';
import { parseCheckpoint } from '../src/engine/checkpoint.ts';
import { Rng } from '../src/engine/random.ts';
import { readSafetensors } from '../src/engine/weights/safetensors.ts';
import { defaultSettings, type TrainingSettings } from '../src/engine/settings.ts';
import { completeTokenizerFiles } from '../src/tokenize/tokenizer-files.ts';
import type { ChosenBackend } from './backend.ts';
import { summarize, type LoadedModel } from './model-loader.ts';
import { packRows, unpackRows } from './packed-rows.ts';
import type { DatasetSummary, SplitRows, TokenizedDataset, TrainReply } from './protocol.ts';
import { type BlobStore, SavedRun } from './saved-run.ts';
import { TrainService } from './train-service.ts';
import { singleLabelFields } from './summary-fixture.ts';

const configJson = { model_type: 'bert', vocab_size: 40, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 32 };
const vocabTxt = Array.from({ length: 40 }, (_, i) => ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'][i] ?? `w${i}`).join('\n');
const model: LoadedModel = {
  source: { name: 'tiny', configJson, weights: new Map() },
  tokenizer: completeTokenizerFiles({ vocabTxt, tokenizerConfig: { do_lower_case: true } }, configJson),
  summary: summarize('tiny', configJson, 'scratch', 'WordPiece (vocab.txt)'),
};

const cpu = (): ChosenBackend => ({ backend: { name: 'cpu', ort }, info: { name: 'wasm', description: 'test CPU', fallbackReason: null } });

/** Label 1 rows use tokens 10–19, label 0 rows 20–29. */
function rows(n: number, seed: number) {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const label = rng.nextFloat() < 0.5 ? 0 : 1;
    const ids = Int32Array.from({ length: 3 + rng.nextInt(6) }, (_, i) => (i === 0 ? 2 : (label ? 10 : 20) + rng.nextInt(10)));
    return { inputIds: ids, tokenTypeIds: null, target: Int32Array.of(label) };
  });
}

function data(): TokenizedDataset {
  const validation = rows(8, 2);
  return { task: 'single-label', labelOptions: { labelSeparator: ';' }, labels: ['neg', 'pos'], maxLength: 16, train: packRows(rows(24, 1)), validation: packRows(validation), validationTexts: validation.map((_, i) => `text ${i}`), truncated: 0, fingerprint: '0123456789abcdef' };
}

const dataset: DatasetSummary = {
  fileName: 'd.csv',
  readAs: 'CSV (comma-separated)',
  rowCount: 32,
  columns: ['text', 'label'],
  preview: [],
  mapping: { text: 'text', label: 'label' },
  labels: ['neg', 'pos'],
  trainCounts: [12, 12],
  validationCounts: [4, 4],
  ...singleLabelFields(24, 8),
  warnings: [],
  split: { kind: 'fraction', fraction: 0.25, seed: 42 },
  validationFile: null,
};
const settings: TrainingSettings = { ...defaultSettings, epochs: 3, batchSize: 8, learningRate: 5e-3, maxLength: 16, seed: 3, evalBatchSize: 8 };

function memoryStore(): BlobStore {
  const files = new Map<string, Uint8Array>();
  return { kind: 'indexeddb', read: async (n) => files.get(n)?.slice() ?? null, write: async (n, b) => void files.set(n, b.slice()), remove: async (n) => void files.delete(n) };
}

function harness(store = memoryStore(), overrides: Partial<ConstructorParameters<typeof TrainService>[0]> = {}, onReply?: (r: TrainReply, service: TrainService) => void) {
  const replies: TrainReply[] = [];
  const saved = new SavedRun(store);
  const service: TrainService = new TrainService({
    send: (r) => {
      replies.push(r);
      onReply?.(r, service);
    },
    chooseBackend: async () => cpu(),
    wasmBackend: async (reason) => ({ ...cpu(), info: { ...cpu().info, fallbackReason: reason } }),
    loadModel: async () => model,
    savedRun: async () => saved,
    ...overrides,
  });
  const of = <T extends TrainReply['type']>(type: T) => replies.filter((r): r is Extract<TrainReply, { type: T }> => r.type === type);
  return { service, replies, of, store };
}

describe('TrainService', () => {
  it('trains, checkpoints every epoch, evaluates, classifies and exports', async () => {
    const { service, of } = harness();
    await expect(service.handle({ type: 'train', runId: 'run-1', settings, configOverrides: {}, data: data(), backend: 'auto', dataset })).rejects.toThrow(/load a model/);
    await service.handle({ type: 'load-model', source: { kind: 'scratch', size: 'tiny', vocabUrl: 'unused' } });
    expect(of('model-loaded')[0]!.summary.name).toBe('tiny');

    await service.handle({ type: 'train', runId: 'run-1', settings, configOverrides: {}, data: data(), backend: 'auto', dataset });
    expect(of('run-started')[0]).toMatchObject({ task: 'single-label', totalSteps: 9, backend: { description: 'test CPU' } });
    await expect(service.handle({ type: 'export', threshold: 0.5 })).rejects.toThrow(/pause or stop training/);
    await service.loop;
    expect(of('steps').flatMap((r) => r.records).map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(of('eval').map((r) => r.record.epoch)).toEqual([1, 2, 3]);
    expect(of('checkpoint-saved').map((r) => [r.info.step, r.info.state])).toEqual([
      [3, 'paused'],
      [6, 'paused'],
      [9, 'finished'],
    ]);
    expect(of('run-ended')).toEqual([{ type: 'run-ended', end: 'finished', message: null }]);

    await expect(service.handle({ type: 'rescore', options: {} })).rejects.toThrow('evaluate the model first to rescore it');
    await service.handle({ type: 'evaluate', backend: 'auto', options: {} });
    const evaluation = of('evaluation')[0]!;
    expect(evaluation.metrics.examples).toBe(8);
    expect(evaluation.details.task).toBe('single-label');
    expect(metricValue(evaluation.metrics, 'accuracy')).toBe(metricValue(of('eval').at(-1)!.record.metrics, 'accuracy'));
    // Scored again from the kept logits: the same numbers, without the model.
    await service.handle({ type: 'rescore', options: { threshold: 0.3 } });
    expect(of('evaluation')[1]).toEqual(evaluation);

    await service.handle({ type: 'classify', requestId: 3, ids: Int32Array.of(2, 11, 12, 13), typeIds: null, words: null, wordIds: null, options: {}, backend: 'auto' });
    const classified = of('classified')[0]!;
    expect(classified.requestId).toBe(3);
    const { prediction } = classified;
    if (prediction.task !== 'single-label') throw new Error(`expected a single-label prediction, got ${prediction.task}`);
    expect(prediction.probabilities.neg! + prediction.probabilities.pos!).toBeCloseTo(1);
    expect(prediction.score).toBe(Math.max(prediction.probabilities.neg!, prediction.probabilities.pos!));

    // The Evaluate screen's threshold is a multi-label model's only: a single-label config.json does not carry it.
    await service.handle({ type: 'export', threshold: 0.35 });
    const files = unzipSync(of('exported')[0]!.bytes);
    expect(Object.keys(files)).toEqual(
      expect.arrayContaining(['config.json', 'model.safetensors', 'onnx/model.onnx', 'onnx/model_quantized.onnx', 'README.md', 'training_history.json']),
    );
    expect(JSON.parse(new TextDecoder().decode(files['config.json']))).not.toHaveProperty('multi_label_threshold');
    // The card's ONNX section: both files measured on the run's 8 validation rows.
    expect(new TextDecoder().decode(files['README.md'])).toContain('Accuracy on the 8 validation rows');
    await expect(service.handle({ type: 'resume', backend: 'auto' })).rejects.toThrow(/has finished/);
  });

  it('pauses, and after a reload resumes the saved run to the end', async () => {
    const store = memoryStore();
    const first = harness(store);
    await first.service.handle({ type: 'load-model', source: { kind: 'scratch', size: 'tiny', vocabUrl: 'unused' } });
    await first.service.handle({ type: 'train', runId: 'run-1', settings, configOverrides: {}, data: data(), backend: 'auto', dataset });
    await first.service.handle({ type: 'pause' });
    await first.service.loop;
    expect(first.of('run-ended')).toEqual([{ type: 'run-ended', end: 'paused', message: null }]);
    const pausedAt = first.of('checkpoint-saved').at(-1)!.info;
    expect(pausedAt.state).toBe('paused');
    expect(pausedAt.step).toBeLessThan(9);

    // A reloaded tab: a new worker over the same storage.
    const second = harness(store);
    await second.service.handle({ type: 'probe-saved-run' });
    expect(second.of('saved-run')[0]!.info).toMatchObject({ step: pausedAt.step, state: 'paused', storage: 'indexeddb' });
    await second.service.handle({ type: 'restore-saved-run' });
    const restored = second.of('restored')[0]!;
    expect(restored).toMatchObject({ dataset: { fileName: 'd.csv' }, task: 'single-label' });
    expect(restored.steps).toHaveLength(pausedAt.step);
    await second.service.handle({ type: 'resume', backend: 'auto' });
    await second.service.loop;
    const resumedSteps = second.of('steps').flatMap((r) => r.records.map((s) => s.step));
    expect(resumedSteps[0]).toBe(pausedAt.step + 1);
    expect(resumedSteps.at(-1)).toBe(9);
    expect(second.of('run-ended').at(-1)!.end).toBe('finished');
  });

  it('stops a paused run for good', async () => {
    const { service, of } = harness();
    await service.handle({ type: 'load-model', source: { kind: 'scratch', size: 'tiny', vocabUrl: 'unused' } });
    await service.handle({ type: 'train', runId: 'run-1', settings, configOverrides: {}, data: data(), backend: 'auto', dataset });
    await service.handle({ type: 'pause' });
    await service.loop;
    await service.handle({ type: 'stop' });
    expect(of('run-ended').map((r) => r.end)).toEqual(['paused', 'stopped']);
    expect(of('checkpoint-saved').at(-1)!.info.state).toBe('stopped');
  });

  it('saves a checkpoint every N updates as well as after every epoch', async () => {
    const { service, of } = harness();
    await service.handle({ type: 'load-model', source: { kind: 'scratch', size: 'tiny', vocabUrl: 'unused' } });
    await service.handle({ type: 'train', runId: 'run-1', settings, configOverrides: {}, data: data(), backend: 'auto', dataset, checkpointCadence: { everyUpdates: 2, everyMs: 0 } });
    await service.loop;
    expect(of('checkpoint-saved').map((r) => r.info.step)).toEqual([2, 3, 5, 6, 8, 9]);
    expect(of('steps').flatMap((r) => r.records).map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('resumes a finished run with more epochs to the new total, and refuses changes a resumed run cannot make', async () => {
    const { service, of } = harness();
    await service.handle({ type: 'load-model', source: { kind: 'scratch', size: 'tiny', vocabUrl: 'unused' } });
    await service.handle({ type: 'train', runId: 'run-1', settings, configOverrides: {}, data: data(), backend: 'auto', dataset });
    await service.loop;
    await expect(service.handle({ type: 'resume', backend: 'auto', settings })).rejects.toThrow('this run has finished its 9 updates (3 epochs); raise the epochs to train on, or start a new run');
    await expect(service.handle({ type: 'resume', backend: 'auto', settings: { ...settings, epochs: 4, batchSize: 4 } })).rejects.toThrow(/batch size 8 \(asked for 4\)/);
    await service.handle({ type: 'resume', backend: 'auto', settings: { ...settings, epochs: 4 } });
    await service.loop;
    expect(of('run-started').at(-1)!.totalSteps).toBe(12);
    expect(of('steps').flatMap((r) => r.records).map((r) => r.step).slice(9)).toEqual([10, 11, 12]);
    expect(of('eval').map((r) => r.record.epoch)).toEqual([1, 2, 3, 4]);
    expect(of('run-ended').map((r) => r.end)).toEqual(['finished', 'finished']);
  });

  it('ends a run whose GPU is lost in words, and resumes it from the last checkpoint on WASM', async () => {
    const straight = harness();
    await straight.service.handle({ type: 'load-model', source: { kind: 'scratch', size: 'tiny', vocabUrl: 'unused' } });
    await straight.service.handle({ type: 'train', runId: 'run-1', settings, configOverrides: {}, data: data(), backend: 'auto', dataset });
    await straight.service.loop;

    let loseDevice: (why: string) => void = () => undefined;
    const lost = new Promise<string>((resolve) => (loseDevice = resolve));
    const gpu = (): ChosenBackend => ({ ...cpu(), info: { name: 'webgpu', description: 'test GPU', fallbackReason: null }, deviceLost: () => lost });
    const h = harness(memoryStore(), { chooseBackend: async () => gpu() }, (r) => {
      if (r.type === 'checkpoint-saved' && r.info.step === 3) loseDevice('Device was destroyed.; reason: destroyed');
    });
    await h.service.handle({ type: 'load-model', source: { kind: 'scratch', size: 'tiny', vocabUrl: 'unused' } });
    await h.service.handle({ type: 'train', runId: 'run-1', settings, configOverrides: {}, data: data(), backend: 'auto', dataset });
    await expect.poll(() => h.of('run-ended').length).toBe(1);
    expect(h.of('run-ended')[0]).toEqual({
      type: 'run-ended',
      end: 'failed',
      message: 'the GPU stopped working (Device was destroyed.; reason: destroyed); the run goes back to its last checkpoint, update 3, and Resume continues from there on the CPU (WASM)',
    });
    await h.service.loop;

    await h.service.handle({ type: 'resume', backend: 'auto' });
    const resumed = h.of('run-started').at(-1)!;
    expect(resumed).toMatchObject({ step: 3, backend: { fallbackReason: 'the GPU was lost earlier in this tab (Device was destroyed.; reason: destroyed); reload the page to use it again' } });
    await h.service.loop;
    expect(h.of('run-ended').at(-1)!.end).toBe('finished');
    const losses = (x: ReturnType<typeof harness>) => x.of('steps').flatMap((r) => r.records);
    const afterResume = losses(h).slice(losses(h).findLastIndex((s) => s.step === 4));
    expect(afterResume.map((s) => s.step)).toEqual([4, 5, 6, 7, 8, 9]);
    expect(afterResume.map((s) => s.loss)).toEqual(losses(straight).slice(3).map((s) => s.loss));
  });

  it('falls back to WASM, saying why, when WebGPU cannot run the model', async () => {
    const broken: OrtModule = { Tensor: ort.Tensor, InferenceSession: { create: async () => Promise.reject(new Error('device lost')) } };
    const { service, of } = harness(memoryStore(), {
      chooseBackend: async () => ({ backend: { name: 'webgpu', ort: broken }, info: { name: 'webgpu', description: 'gpu', fallbackReason: null } }),
    });
    await service.handle({ type: 'load-model', source: { kind: 'scratch', size: 'tiny', vocabUrl: 'unused' } });
    await service.handle({ type: 'train', runId: 'run-1', settings: { ...settings, epochs: 1 }, configOverrides: {}, data: data(), backend: 'auto', dataset });
    await service.loop;
    expect(of('run-started')[0]!.backend.fallbackReason).toBe('WebGPU could not run this model (device lost)');
    expect(of('run-ended')[0]!.end).toBe('finished');
  });
});

describe('TrainService per task', () => {
  /** A run of `task` trained for two epochs on `rows` (token ids 10–29), ready to evaluate and try. */
  async function trained(task: TokenizedDataset['task'], labels: string[], target: (row: number, ids: Int32Array) => Int32Array | Float32Array) {
    const make = (n: number, seed: number) => {
      const rng = new Rng(seed);
      return Array.from({ length: n }, (_, r) => {
        const ids = Int32Array.from({ length: 4 + rng.nextInt(4) }, (_, i) => (i === 0 ? 2 : 10 + rng.nextInt(20)));
        ids[ids.length - 1] = 3;
        return { inputIds: ids, tokenTypeIds: null, target: target(r, ids) };
      });
    };
    const validation = make(8, 2);
    const data: TokenizedDataset = {
      task,
      labelOptions: { labelSeparator: ';' },
      labels,
      maxLength: 16,
      train: packRows(make(24, 1)),
      validation: packRows(validation),
      validationTexts: validation.map((r) => Array.from(r.inputIds.subarray(1, -1), (id) => `w${id}`).join(' ')),
      truncated: 0,
      fingerprint: '0123456789abcdef',
    };
    const h = harness();
    await h.service.handle({ type: 'load-model', source: { kind: 'scratch', size: 'tiny', vocabUrl: 'unused' } });
    await h.service.handle({ type: 'train', runId: `run-${task}`, settings: { ...settings, epochs: 2 }, configOverrides: {}, data, backend: 'auto', dataset });
    await h.service.loop;
    expect(h.of('run-started')[0]!.task).toBe(task);
    return h;
  }

  it('scores a multi-label run at the threshold asked for, again from the kept logits at another, and tries a sentence with every label’s probability', async () => {
    // Label a when the row has a token under 20, b when it has one of 20 or more, c never.
    const { service, of } = await trained('multi-label', ['a', 'b', 'c'], (_, ids) => {
      const words = Array.from(ids.subarray(1, -1));
      return Float32Array.of(words.some((id) => id < 20) ? 1 : 0, words.some((id) => id >= 20) ? 1 : 0, 0);
    });
    await service.handle({ type: 'evaluate', backend: 'auto', options: { threshold: 0.5 } });
    const first = of('evaluation')[0]!;
    if (first.metrics.task !== 'multi-label' || first.details.task !== 'multi-label') throw new Error(`expected multi-label, got ${first.metrics.task}`);
    expect(first.metrics.threshold).toBe(0.5);
    const { tuned } = first.metrics;
    await service.handle({ type: 'rescore', options: { threshold: tuned.threshold } });
    const rescored = of('evaluation')[1]!;
    if (rescored.metrics.task !== 'multi-label') throw new Error(rescored.metrics.task);
    expect(rescored.metrics).toMatchObject({ threshold: tuned.threshold, microF1: tuned.microF1, loss: first.metrics.loss, tuned });
    await expect(service.handle({ type: 'inspect-rows', filter: { truth: null, predicted: null, errorsOnly: true }, limit: 5 })).rejects.toThrow(
      'rows are listed by true and predicted label for single-label classification only, not for multi-label classification',
    );

    await service.handle({ type: 'classify', requestId: 1, ids: Int32Array.of(2, 11, 25, 3), typeIds: null, words: null, wordIds: null, options: { threshold: 0.3 }, backend: 'auto' });
    const { prediction } = of('classified')[0]!;
    if (prediction.task !== 'multi-label') throw new Error(prediction.task);
    expect(Object.keys(prediction.probabilities)).toEqual(['a', 'b', 'c']);
    expect(prediction.labels).toEqual(['a', 'b', 'c'].filter((l) => prediction.probabilities[l]! >= 0.3));
  });

  it('scores a regression run with every row for the scatter plot, and tries a sentence with its score', async () => {
    const { service, of } = await trained('regression', ['LABEL_0'], (_, ids) => Float32Array.of(ids.subarray(1, -1).filter((id) => id < 20).length));
    await service.handle({ type: 'evaluate', backend: 'auto', options: {} });
    const { metrics, details } = of('evaluation')[0]!;
    if (metrics.task !== 'regression' || details.task !== 'regression') throw new Error(`expected regression, got ${metrics.task}`);
    expect(details.points).toHaveLength(8);
    const mse = details.points.reduce((sum, p) => sum + (p.predicted - p.truth) ** 2, 0) / 8;
    expect(metrics.mse).toBeCloseTo(mse, 5);
    expect(details.worst[0]!.text).toMatch(/^w\d+( w\d+)*$/);

    await service.handle({ type: 'classify', requestId: 1, ids: Int32Array.of(2, 11, 12, 3), typeIds: null, words: null, wordIds: null, options: {}, backend: 'auto' });
    const { prediction } = of('classified')[0]!;
    expect(prediction.task === 'regression' && Number.isFinite(prediction.score)).toBe(true);
  });

  it('scores a token classifier by entity, lists its worst sentences by word, and tags a typed sentence word by word', async () => {
    // Tokens under 20 are a one-word entity X, the others O; [CLS] and [SEP] are not learned.
    const { service, of } = await trained('token-classification', ['O', 'B-X', 'I-X'], (_, ids) => Int32Array.from(ids, (id, i) => (i === 0 || i === ids.length - 1 ? -100 : id < 20 ? 1 : 0)));
    await service.handle({ type: 'evaluate', backend: 'auto', options: {} });
    const { metrics, details } = of('evaluation')[0]!;
    if (metrics.task !== 'token-classification' || details.task !== 'token-classification') throw new Error(`expected token classification, got ${metrics.task}`);
    expect(metrics.perType.map((t) => t.type)).toContain('X');
    for (const mistake of details.worst) expect(mistake.words).toHaveLength(mistake.truth.length);

    // Two words, the first split into two tokens: tagged at its first.
    const words = ['w11', 'w25'];
    await service.handle({ type: 'classify', requestId: 1, ids: Int32Array.of(2, 11, 12, 25, 3), typeIds: null, words, wordIds: [null, 0, 0, 1, null], options: {}, backend: 'auto' });
    const { prediction } = of('classified')[0]!;
    if (prediction.task !== 'token-classification') throw new Error(prediction.task);
    expect(prediction.words.map((w) => w.word)).toEqual(words);
    expect(prediction.words.every((w) => w.tag !== null && ['O', 'B-X', 'I-X'].includes(w.tag))).toBe(true);
  });
});

describe('TrainService GPU memory', () => {
  /** A GPU that would run the model (the CPU does, under the name): only the fit check can stop it. */
  const gpu = (limits: ChosenBackend['gpuLimits']): ChosenBackend => ({ ...cpu(), info: { name: 'webgpu', description: 'test GPU', fallbackReason: null }, gpuLimits: limits });
  const roomy = { maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 2 ** 27 };

  it('estimates what training the loaded model takes, growing with the batch', async () => {
    const { service, of } = harness();
    await expect(service.handle({ type: 'estimate-memory', task: 'single-label', numLabels: 2, batchSize: 8, maxLength: 16, gradAccumulation: 1, method: fullFineTune })).rejects.toThrow(/load a model/);
    await service.handle({ type: 'load-model', source: { kind: 'scratch', size: 'tiny', vocabUrl: 'unused' } });
    await service.handle({ type: 'estimate-memory', task: 'single-label', numLabels: 2, batchSize: 8, maxLength: 64, gradAccumulation: 1, method: fullFineTune });
    await service.handle({ type: 'estimate-memory', task: 'single-label', numLabels: 2, batchSize: 16, maxLength: 64, gradAccumulation: 1, method: fullFineTune });
    const [small, large] = of('memory-estimate').map((r) => r.estimate);
    // The position table holds 32: longer settings are capped as the run caps them.
    expect(small).toMatchObject({ batchSize: 8, seqLength: 32 });
    expect(small!.parameterBytes).toBe(4 * small!.parameters);
    expect(small!.totalBytes).toBe(small!.parameterBytes + small!.optimizerBytes + small!.workingBytes);
    expect(large!.workingBytes).toBeGreaterThan(small!.workingBytes);
    expect(large!.parameters).toBe(small!.parameters);
    // A token classifier has no pooler and scores every token: fewer weights, more working memory.
    await service.handle({ type: 'estimate-memory', task: 'token-classification', numLabels: 2, batchSize: 8, maxLength: 64, gradAccumulation: 1, method: fullFineTune });
    const tagger = of('memory-estimate').at(-1)!.estimate;
    expect(tagger.parameters).toBeLessThan(small!.parameters);
    expect(tagger.workingBytes).not.toBe(small!.workingBytes);
  });

  it('refuses a run over the budget before it starts, offering a batch size that fits, and does not fall back to WASM', async () => {
    const { service, of } = harness(memoryStore(), { chooseBackend: async () => gpu(roomy) });
    await service.handle({ type: 'load-model', source: { kind: 'scratch', size: 'tiny', vocabUrl: 'unused' } });
    await service.handle({ type: 'estimate-memory', task: 'single-label', numLabels: 2, batchSize: 8, maxLength: 16, gradAccumulation: 1, method: fullFineTune });
    await service.handle({ type: 'estimate-memory', task: 'single-label', numLabels: 2, batchSize: 4, maxLength: 16, gradAccumulation: 1, method: fullFineTune });
    const [at8, at4] = of('memory-estimate').map((r) => r.estimate.totalBytes);
    // A budget between what batch 4 and batch 8 need.
    const budgetMb = (at4! + at8!) / 2 / 1e6;
    const refused = service.handle({ type: 'train', runId: 'run-1', settings, configOverrides: {}, data: data(), backend: 'auto', dataset, gpuMemoryBudgetMb: budgetMb });
    await expect(refused).rejects.toMatchObject({ name: 'GpuMemoryError', fix: { kind: 'batch-size', batchSize: 4 } });
    await expect(refused).rejects.toThrow(/at batch size 8 × 16 tokens it needs about .* of GPU memory, more than the .* budget .*Batch size 4 needs about/);
    expect(of('run-started')).toHaveLength(0);

    await service.handle({ type: 'train', runId: 'run-2', settings: { ...settings, batchSize: 4, epochs: 1 }, configOverrides: {}, data: data(), backend: 'auto', dataset, gpuMemoryBudgetMb: budgetMb });
    await service.loop;
    expect(of('run-started')[0]!.backend).toMatchObject({ name: 'webgpu', fallbackReason: null });
    expect(of('run-ended')[0]!.end).toBe('finished');
  });

  it('says LoRA fits when a full fine-tune does not, and starts the LoRA run with the same budget', async () => {
    const { service, of } = harness(memoryStore(), { chooseBackend: async () => gpu(roomy) });
    await service.handle({ type: 'load-model', source: { kind: 'scratch', size: 'tiny', vocabUrl: 'unused' } });
    await service.handle({ type: 'estimate-memory', task: 'single-label', numLabels: 2, batchSize: 8, maxLength: 16, gradAccumulation: 1, method: fullFineTune });
    const { totalByMethod, totalBytes } = of('memory-estimate')[0]!.estimate;
    expect(totalByMethod.full).toBe(totalBytes);
    expect(totalByMethod.lora).toBeLessThan(totalByMethod.full);
    expect(totalByMethod['head-only']).toBeLessThan(totalByMethod.lora);
    const budgetMb = (totalByMethod.lora + totalByMethod.full) / 2 / 1e6;
    const full = service.handle({ type: 'train', runId: 'run-1', settings: { ...settings, batchSize: 8, epochs: 1 }, configOverrides: {}, data: data(), backend: 'auto', dataset, gpuMemoryBudgetMb: budgetMb });
    await expect(full).rejects.toThrow(/LoRA \(Train → Method\) needs about .* at this batch size and fits/);
    const lora = { ...settings, batchSize: 8, epochs: 1, method: 'lora' as const };
    await service.handle({ type: 'train', runId: 'run-2', settings: lora, configOverrides: {}, data: data(), backend: 'auto', dataset, gpuMemoryBudgetMb: budgetMb });
    await service.loop;
    expect(of('run-ended')[0]!.end).toBe('finished');
  });

  it('trains on WASM, saying why, when a weight is larger than the GPU binds at once', async () => {
    const { service, of } = harness(memoryStore(), { chooseBackend: async () => gpu({ maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 1024 }) });
    await service.handle({ type: 'load-model', source: { kind: 'scratch', size: 'tiny', vocabUrl: 'unused' } });
    await service.handle({ type: 'train', runId: 'run-1', settings: { ...settings, epochs: 1 }, configOverrides: {}, data: data(), backend: 'auto', dataset });
    await service.loop;
    expect(of('run-started')[0]!.backend.fallbackReason).toMatch(/^WebGPU could not run this model \(This model cannot train on this GPU: its largest weight takes .*, more than this GPU lets a program use in one piece \(1 kB\)\.\)$/);
    expect(of('run-ended')[0]!.end).toBe('finished');
  });
});

describe('TrainService checkpoint files and the training project', () => {
  const losses = (h: ReturnType<typeof harness>) => h.of('steps').flatMap((r) => r.records.map((s) => s.loss));
  const train = (h: ReturnType<typeof harness>, extra: Partial<Extract<Parameters<TrainService['handle']>[0], { type: 'train' }>> = {}) =>
    h.service.handle({ type: 'train', runId: 'run-1', settings, configOverrides: {}, data: data(), backend: 'auto', dataset, ...extra });
  const load = (h: ReturnType<typeof harness>) => h.service.handle({ type: 'load-model', source: { kind: 'scratch', size: 'tiny', vocabUrl: 'unused' } });

  it('continues a downloaded checkpoint in a new session exactly as the run would have gone on', async () => {
    const straight = harness();
    await load(straight);
    await train(straight);
    await straight.service.loop;
    expect(losses(straight)).toHaveLength(9);

    // The same run, paused once its first epoch is saved, and its checkpoint downloaded.
    const first = harness(memoryStore(), {}, (r, service) => {
      if (r.type === 'checkpoint-saved' && r.info.step === 3) void service.handle({ type: 'pause' });
    });
    await load(first);
    await train(first);
    await first.service.loop;
    expect(first.of('run-ended').at(-1)!.end).toBe('paused');
    await first.service.handle({ type: 'export-checkpoint' });
    const download = first.of('exported')[0]!;
    expect(download.fileName).toBe('tiny-step3.training_checkpoint.safetensors');

    // Another day, another tab: the model, the same data, and the file.
    const second = harness();
    await load(second);
    await second.service.handle({ type: 'load-checkpoint', file: new File([download.bytes.slice()], download.fileName) });
    expect(second.of('checkpoint-loaded')[0]!.info).toMatchObject({ step: 3, epochsDone: 1, finished: false, labels: ['neg', 'pos'], settings });
    await expect(train(second, { checkpointUse: 'continue', settings: { ...settings, batchSize: 4 } })).rejects.toThrow(
      'Continuing a run needs its own settings: a resumed run keeps the settings it was trained with: batch size 8 (asked for 4). Only these can change when resuming: epochs, max steps, learning rate, warmup ratio, eval steps, eval batch size. Put them back, or choose to fine-tune further with the new ones.',
    );
    const otherRows = { ...data(), train: packRows(rows(24, 9)) };
    await expect(train(second, { checkpointUse: 'continue', data: otherRows })).rejects.toThrow(
      'The checkpoint comes from a run that trained on other rows: as many rows (24), but not the same ones. Load the same data with the same split and max length, or choose to fine-tune further.',
    );
    await train(second, { checkpointUse: 'continue' });
    await second.service.loop;
    expect(second.of('run-started').at(-1)!.notice).toMatch(/Continuing the checkpoint’s run at update 3/);
    expect(second.of('steps').flatMap((r) => r.records.map((s) => s.step))).toEqual([4, 5, 6, 7, 8, 9]);
    expect([...losses(first), ...losses(second)]).toEqual(losses(straight));
  });

  it('fine-tunes further from a checkpoint’s weights with new settings, and refuses one of another model', async () => {
    const first = harness();
    await load(first);
    await train(first, { settings: { ...settings, epochs: 1 } });
    await first.service.loop;
    await first.service.handle({ type: 'export-checkpoint' });
    const file = new File([first.of('exported')[0]!.bytes.slice()], 'run.safetensors');

    const second = harness();
    await load(second);
    await second.service.handle({ type: 'load-checkpoint', file });
    expect(second.of('checkpoint-loaded')[0]!.info.finished).toBe(true);
    await expect(train(second, { checkpointUse: 'continue', settings: { ...settings, epochs: 1 } })).rejects.toThrow(/has finished its 3 updates; raise the epochs to continue it/);
    await train(second, { checkpointUse: 'fine-tune', settings: { ...settings, epochs: 2, learningRate: 1e-3 } });
    await second.service.loop;
    expect(second.of('run-started').at(-1)!).toMatchObject({ totalSteps: 6, notice: expect.stringMatching(/Fine-tuning further from the checkpoint’s weights \(trained for 3 updates\)/) });
    expect(second.of('steps').flatMap((r) => r.records.map((s) => s.step))).toEqual([1, 2, 3, 4, 5, 6]);
    // It starts where the first run ended: its first loss is that model's, not a fresh one's.
    const fresh = harness();
    await load(fresh);
    await train(fresh, { settings: { ...settings, epochs: 2, learningRate: 1e-3 } });
    await fresh.service.loop;
    expect(losses(second)[0]).not.toBe(losses(fresh)[0]);
    // Its training project starts from those weights too, shipped as a Hugging Face folder.
    const rows = (packed: TokenizedDataset['train']) => unpackRows(packed).map((r) => ({ text: 'x', label: ['neg', 'pos'][r.target[0]!]! }));
    const tokenized = data();
    await second.service.handle({ type: 'export-project', rows: { train: rows(tokenized.train), validation: rows(tokenized.validation), description: 'same split' } });
    const project = unzipSync(second.of('exported').at(-1)!.bytes);
    const shipped = readSafetensors(project['training-project/base_model/model.safetensors']!);
    const loaded = parseCheckpoint(new Uint8Array(await file.arrayBuffer()));
    expect(shipped.tensors.get('classifier.weight')!.data).toEqual(loaded.params.get('classifier.weight'));
    expect(new TextDecoder().decode(project['training-project/README.md'])).toContain('a checkpoint of tiny after 3 updates');

    const wider = { ...model, source: { ...model.source, configJson: { ...configJson, hidden_size: 32 } } };
    const other = harness(memoryStore(), { loadModel: async () => wider });
    await load(other);
    await expect(other.service.handle({ type: 'load-checkpoint', file })).rejects.toThrow(/another model than tiny \(hidden_size 16 vs 32\)/);
  });

  it('zips the run as a training project from the data worker’s rows, and refuses rows of another split', async () => {
    const h = harness();
    await load(h);
    const tokenized = data();
    const labelled = (packed: TokenizedDataset['train']) => unpackRows(packed).map((r, i) => ({ text: `row ${i}, "quoted"`, label: ['neg', 'pos'][r.target[0]!]! }));
    const rows: SplitRows = { train: labelled(tokenized.train), validation: labelled(tokenized.validation), description: 'a stratified 25% share of d.csv held out, seed 42' };
    await h.service.handle({ type: 'train', runId: 'run-1', settings, configOverrides: { hidden_dropout_prob: 0.2 }, data: tokenized, backend: 'auto', dataset });
    await h.service.loop;
    await h.service.handle({ type: 'export-project', rows });
    const exported = h.of('exported')[0]!;
    expect(exported.fileName).toBe('training-project.zip');
    const files = unzipSync(exported.bytes);
    const text = (name: string) => new TextDecoder().decode(files[`training-project/${name}`]);
    expect(text('data/train.csv').trim().split('\r\n')).toHaveLength(1 + rows.train.length);
    expect(text('train.py')).toContain('CONFIG_OVERRIDES = {"hidden_dropout_prob": 0.2}');
    expect(text('train.py')).toContain('"learning_rate": 0.005,');
    // The scratch model ships its config and tokenizer, and the script builds it with from_config.
    expect(Object.keys(files)).toEqual(expect.arrayContaining(['training-project/base_model/config.json', 'training-project/base_model/vocab.txt']));

    const swapped = { ...rows, train: rows.train.map((r, i) => (i === 0 ? { ...r, label: r.label === 'neg' ? 'pos' : 'neg' } : r)) };
    await expect(h.service.handle({ type: 'export-project', rows: swapped })).rejects.toThrow(/no longer the one this run trained on/);
  });

  /** The single-label rows with `target` for another task: each row's class as the task's target. */
  function tasked(task: TokenizedDataset['task'], labels: readonly string[], target: (label: number, length: number) => Int32Array | Float32Array, labelOptions = { labelSeparator: ';' }): TokenizedDataset {
    const relabel = (packed: TokenizedDataset['train']) => packRows(unpackRows(packed).map((r) => ({ ...r, target: target(r.target[0]!, r.inputIds.length) })));
    const base = data();
    return { ...base, task, labelOptions, labels, train: relabel(base.train), validation: relabel(base.validation) };
  }
  const oneEpoch = { ...settings, epochs: 1 };

  it('trains the dataset’s task: its head, loss and metrics per epoch, its checkpoint, export and training project', async () => {
    const h = harness();
    await load(h);
    // Label 1 rows are "b" and "c", label 0 rows "a": a multi-hot row of three, read with "|" between labels.
    const multi = tasked('multi-label', ['a', 'b', 'c'], (label) => Float32Array.of(1 - label, label, label), { labelSeparator: '|' });
    const counted = { ...dataset, labels: ['a', 'b', 'c'], trainCounts: [12, 12, 12], validationCounts: [4, 4, 4] };
    await train(h, { data: multi, settings: oneEpoch, dataset: counted });
    await h.service.loop;
    expect(h.of('run-started')[0]!.task).toBe('multi-label');
    const metrics = h.of('eval')[0]!.record.metrics;
    if (metrics.task !== 'multi-label') throw new Error(`expected multi-label metrics, got ${metrics.task}`);
    expect(metrics.perLabel.map((l) => l.label)).toEqual(['a', 'b', 'c']);

    await h.service.handle({ type: 'export-checkpoint' });
    const checkpoint = parseCheckpoint(h.of('exported')[0]!.bytes, 'run');
    expect(checkpoint.modelConfig).toMatchObject({ problem_type: 'multi_label_classification', architectures: ['BertForSequenceClassification'], id2label: { 0: 'a', 1: 'b', 2: 'c' } });
    expect(checkpoint.labelOptions).toEqual({ labelSeparator: '|' });
    expect(checkpoint.paramShapes.get('classifier.weight')).toEqual([3, 16]);

    // The threshold the Evaluate screen sets (slider or tuned) is the one the folder keeps.
    await h.service.handle({ type: 'export', threshold: 0.35 });
    const files = unzipSync(h.of('exported')[1]!.bytes);
    expect(JSON.parse(new TextDecoder().decode(files['config.json']))).toMatchObject({ problem_type: 'multi_label_classification', multi_label_threshold: 0.35 });
    const card = new TextDecoder().decode(files['README.md']);
    expect(card).toContain('A label is predicted when its sigmoid probability is at least **0.35**: config.json stores it as `multi_label_threshold`');
    expect(card).toMatch(/Micro F1/);
    // Rows, not label counts: a multi-label row counts once however many labels it has.
    expect(card).toContain('24 training and 8 validation rows');

    const labelled = (packed: TokenizedDataset['train']) => unpackRows(packed).map((r, i) => ({ text: `row ${i}`, label: r.target[0] === 1 ? 'a' : 'c|b' }));
    const rows: SplitRows = { train: labelled(multi.train), validation: labelled(multi.validation), description: 'a stratified 25% share of d.csv held out, seed 42' };
    await h.service.handle({ type: 'export-project', rows });
    const project = unzipSync(h.of('exported')[2]!.bytes);
    expect(new TextDecoder().decode(project['training-project/train.py'])).toContain('cell.split("|")');
    const dropped = { ...rows, validation: rows.validation.map((r, i) => (i === 0 ? { ...r, label: r.label === 'a' ? 'b' : 'a' } : r)) };
    await expect(h.service.handle({ type: 'export-project', rows: dropped })).rejects.toThrow(/no longer the one this run trained on/);
  });

  it('trains regression on one output with Pearson per epoch, and token classification per token with entity scores', async () => {
    const regression = harness();
    await load(regression);
    await train(regression, { data: tasked('regression', ['LABEL_0'], (label) => Float32Array.of(label * 4 + 0.5)), settings: oneEpoch });
    await regression.service.loop;
    expect(regression.of('eval')[0]!.record.metrics).toMatchObject({ task: 'regression', pearson: expect.any(Number) });
    await regression.service.handle({ type: 'export-checkpoint' });
    const scored = parseCheckpoint(regression.of('exported')[0]!.bytes, 'run');
    expect(scored.modelConfig).toMatchObject({ problem_type: 'regression', id2label: { 0: 'LABEL_0' } });
    expect(scored.paramShapes.get('classifier.weight')).toEqual([1, 16]);

    const ner = harness();
    await load(ner);
    // The first token is [CLS] (-100); every word after it is a B-X word for label 1 rows, O otherwise.
    const tags = tasked('token-classification', ['O', 'B-X'], (label, length) => Int32Array.from({ length }, (_, i) => (i === 0 ? -100 : label)));
    await train(ner, { data: tags, settings: oneEpoch });
    await ner.service.loop;
    expect(ner.of('run-started')[0]!.task).toBe('token-classification');
    expect(ner.of('eval')[0]!.record.metrics).toMatchObject({ task: 'token-classification', f1: expect.any(Number) });
    await ner.service.handle({ type: 'export-checkpoint' });
    expect(parseCheckpoint(ner.of('exported')[0]!.bytes, 'run').modelConfig.architectures).toEqual(['BertForTokenClassification']);
  });

  it('starts a new head when a model fine-tuned for three labels trains on two, naming the old and new labels', async () => {
    // A model a first run fine-tuned for neg/neutral/pos, as the Hub or a folder would give it: config.json with id2label and its head.
    const first = harness();
    await load(first);
    const three = tasked('single-label', ['neg', 'neutral', 'pos'], (label) => Int32Array.of(label * 2));
    await train(first, { data: three, settings: oneEpoch });
    await first.service.loop;
    await first.service.handle({ type: 'export-checkpoint' });
    const fineTuned = parseCheckpoint(first.of('exported')[0]!.bytes, 'run');
    const weights = new Map([...fineTuned.params].map(([name, data]) => [name, { shape: [...fineTuned.paramShapes.get(name)!], data }]));
    const source = { name: 'sentiment-3', configJson: fineTuned.modelConfig, weights };
    const loaded: LoadedModel = { source, tokenizer: model.tokenizer, summary: { ...summarize('sentiment-3', source.configJson, 'folder', 'WordPiece (vocab.txt)'), fineTunedLabels: ['neg', 'neutral', 'pos'] } };

    const h = harness(memoryStore(), { loadModel: async () => loaded });
    await h.service.handle({ type: 'load-model', source: { kind: 'hub', id: 'sentiment-3', endpoint: 'http://hub' } });
    await train(h, { settings: oneEpoch });
    await h.service.loop;
    expect(h.of('run-started')[0]!.notice).toContain(
      'sentiment-3 was fine-tuned for 3 labels (neg, neutral, pos), and this data has 2 labels (neg, pos): a new classification head is trained for them, as from_pretrained(..., ignore_mismatched_sizes=True) does.',
    );
    await h.service.handle({ type: 'export-checkpoint' });
    const run = parseCheckpoint(h.of('exported')[0]!.bytes, 'run');
    expect(run.labels).toEqual(['neg', 'pos']);
    expect(run.paramShapes.get('classifier.weight')).toEqual([2, 16]);

    // The same names in another order keep the head, its outputs matched by name.
    const again = harness(memoryStore(), { loadModel: async () => loaded });
    await again.service.handle({ type: 'load-model', source: { kind: 'hub', id: 'sentiment-3', endpoint: 'http://hub' } });
    await train(again, { data: tasked('single-label', ['pos', 'neutral', 'neg'], (label) => Int32Array.of(label * 2)), settings: oneEpoch });
    await again.service.loop;
    expect(again.of('run-started')[0]!.notice).toContain('sentiment-3 was fine-tuned for these 3 labels (neg, neutral, pos): its classification head is kept, its outputs matched to the data\'s labels by name.');
  });

  it('refuses a checkpoint of another task than the data is read for', async () => {
    const first = harness();
    await load(first);
    await train(first, { data: tasked('regression', ['LABEL_0'], (label) => Float32Array.of(label)), settings: oneEpoch });
    await first.service.loop;
    await first.service.handle({ type: 'export-checkpoint' });
    const download = first.of('exported')[0]!;
    const second = harness();
    await load(second);
    await second.service.handle({ type: 'load-checkpoint', file: new File([download.bytes.slice()], download.fileName) });
    await expect(train(second, { checkpointUse: 'fine-tune' })).rejects.toThrow(
      'The checkpoint is a regression run and the data on the Data screen is read for single-label classification. Choose regression on the Data screen to use the checkpoint, or train a new run from the model.',
    );
  });
});

