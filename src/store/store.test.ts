import { describe, expect, it } from 'vitest';
import { multiLabelMetrics } from '../engine/multi-label-metrics.ts';
import { metricsOfTask, type TaskId } from '../engine/tasks/index.ts';
import { packRows } from '../../workers/packed-rows.ts';
import type { DataRequest, DatasetSummary, EvalRecord, ModelSummary, SavedRunInfo, TokenizedDataset, TrainRequest } from '../../workers/protocol.ts';
import { defaultSettings, fineTuneMethodOf } from '../engine/settings.ts';
import { memoryRunStore } from '../runs/run-store.ts';
import { DATASET_LOCKED } from './dataset.ts';
import { handleDataReply, handleTrainReply, handleTrainWorkerLost } from './replies.ts';
import { createStudioStore } from './store.ts';
import { discardedByNewRun, dropoutOverrides, effectiveMaxLength, plannedSteps, resumeBlocker, settingFieldProblems, settingLock, trainBlocker } from './training.ts';
import type { StoreDeps } from './types.ts';
import { settingsFromUrl } from './ui.ts';
import { singleLabelFields } from '../../workers/summary-fixture.ts';

function setup(initial = { hubEndpoint: 'https://huggingface.co', backendChoice: 'auto' as const }, runs = memoryRunStore()) {
  const data: DataRequest[] = [];
  const train: TrainRequest[] = [];
  const downloads: [string, number][] = [];
  const deps: StoreDeps = {
    data: { post: (r) => data.push(r) },
    train: { post: (r) => train.push(r) },
    download: (name, bytes) => downloads.push([name, bytes.length]),
    assetUrl: (path) => `http://studio/${path}`,
    runs,
  };
  const store = createStudioStore(deps, initial);
  return {
    store,
    deps,
    s: () => store.getState(),
    data,
    train,
    downloads,
    dataReply: (r: Parameters<typeof handleDataReply>[2]) => handleDataReply(store, deps, r),
    trainReply: (r: Parameters<typeof handleTrainReply>[2]) => handleTrainReply(store, deps, r),
    trainWorkerLost: (reason: string) => handleTrainWorkerLost(store, deps, reason),
  };
}

const summary: DatasetSummary = {
  fileName: 'reviews.csv',
  readAs: 'CSV (comma-separated)',
  rowCount: 10,
  columns: ['text', 'label'],
  preview: [['nice', 'pos']],
  mapping: { text: 'text', label: 'label' },
  labels: ['neg', 'pos'],
  trainCounts: [4, 4],
  validationCounts: [1, 1],
  ...singleLabelFields(8, 2),
  warnings: [],
  split: { kind: 'fraction', fraction: 0.2, seed: 42 },
  validationFile: null,
};

const model: ModelSummary = {
  name: 'prajjwal1/bert-tiny',
  source: 'hub',
  modelType: 'distilbert',
  className: 'DistilBertForSequenceClassification',
  layers: 2,
  hiddenSize: 128,
  heads: 2,
  intermediateSize: 512,
  vocabSize: 30522,
  maxPositions: 64,
  parametersWithoutLabels: 4_385_920,
  fineTunedLabels: null,
  pretrained: true,
  tokenizerKind: 'tokenizer.json',
};

const tokenizer = { tokenizerJson: {}, tokenizerConfig: {}, specialTokensMap: {} };
const evalRecord = (step: number): EvalRecord => ({
  step,
  epoch: step / 5,
  trainLoss: 0.5,
  metrics: { task: 'single-label', loss: 0.4, accuracy: 0.9, macroF1: 0.89, examples: 2, perClass: [], confusion: [] },
});

/** Dataset and model loaded, tokenizer ready: what Train needs. */
function ready() {
  const h = setup();
  h.dataReply({ type: 'dataset', summary });
  h.trainReply({ type: 'model-loaded', summary: model, tokenizer });
  h.dataReply({ type: 'tokenizer-ready' });
  return h;
}

const savedInfo: SavedRunInfo = {
  savedAt: '2025-01-01T00:00:00Z',
  modelName: 'prajjwal1/bert-tiny',
  datasetName: 'reviews.csv',
  step: 4,
  totalSteps: 10,
  epochsDone: 1,
  epochs: 2,
  state: 'paused',
  storage: 'opfs',
};

const tokenizedRows = (rows: number): TokenizedDataset => ({
  task: 'single-label',
  labelOptions: { labelSeparator: ';' },
  labels: ['neg', 'pos'],
  maxLength: 64,
  train: packRows(Array.from({ length: rows }, (_, i) => ({ inputIds: Int32Array.of(101, i, 102), tokenTypeIds: null, target: Int32Array.of(i % 2) }))),
  validation: packRows([]),
  validationTexts: [],
  truncated: 0,
  fingerprint: 'rows',
});

/** Train pressed and the rows tokenized: the train worker has been asked to start the run. */
function startRun(h: ReturnType<typeof setup>, rows = 0): void {
  h.s().startTraining();
  h.dataReply({ type: 'tokenized', data: tokenizedRows(rows) });
}

/** A one-update run of `task`, started and finished, as the train worker reports it. */
function finishRun(h: ReturnType<typeof setup>, task: TaskId): void {
  startRun(h);
  h.trainReply({ type: 'run-started', task, backend: { name: 'wasm', description: 'cpu', fallbackReason: null }, totalSteps: 1, step: 0, notice: null });
  h.trainReply({ type: 'steps', records: [{ step: 1, epoch: 1, loss: 1, learningRate: 1, gradNorm: 1 }], totalSteps: 1 });
  h.trainReply({ type: 'run-ended', end: 'finished', message: null });
}

describe('settingsFromUrl', () => {
  it('reads the Hub address and a forced backend from the page address', () => {
    expect(settingsFromUrl('?hub=http://127.0.0.1:5000&backend=wasm')).toEqual({ hubEndpoint: 'http://127.0.0.1:5000', backendChoice: 'wasm' });
    expect(settingsFromUrl('')).toEqual({ hubEndpoint: 'https://huggingface.co', backendChoice: 'auto' });
    expect(settingsFromUrl('?backend=gpu').backendChoice).toBe('auto');
  });
});

describe('the studio store', () => {
  it('starts by telling the data worker the Hub address and asking for a saved run', () => {
    const h = setup({ hubEndpoint: 'http://hub.test', backendChoice: 'auto' });
    h.s().start();
    expect(h.data).toEqual([{ type: 'configure', hubEndpoint: 'http://hub.test' }]);
    expect(h.train).toEqual([{ type: 'probe-saved-run' }]);
  });

  it('loads the demo dataset from the app and shows progress, then the summary', () => {
    const h = setup();
    h.s().loadDemoDataset();
    expect(h.data[0]).toEqual({ type: 'load-dataset', role: 'main', source: { kind: 'url', url: 'http://studio/demo/reviews.csv', fileName: 'reviews.csv' } });
    expect(h.s().dataset.loading).toMatchObject({ fileName: 'reviews.csv', phase: 'reading' });
    h.dataReply({ type: 'dataset-progress', role: 'main', fileName: 'reviews.csv', phase: 'parsing', fraction: null });
    expect(h.s().dataset.loading?.phase).toBe('parsing');
    h.dataReply({ type: 'dataset', summary });
    expect(h.s().dataset).toMatchObject({ summary, loading: null });
  });

  it('keeps the loaded dataset when a bad file fails, and shows the specific error', () => {
    const h = setup();
    h.dataReply({ type: 'dataset', summary });
    h.s().loadDatasetFile(new File(['x'], 'bad.csv'));
    h.dataReply({ type: 'dataset-error', role: 'main', message: 'bad.csv, line 3: expected 2 columns' });
    expect(h.s().dataset.summary).toBe(summary);
    expect(h.s().dataset.loading).toBeNull();
    expect(h.s().ui.error).toEqual({ scope: 'data', message: 'bad.csv, line 3: expected 2 columns' });
    h.dataReply({ type: 'dataset', summary: { ...summary, fileName: 'good.csv' } });
    expect(h.s().ui.error).toBeNull();
  });

  it('offers the tag names field when a file’s tags are ids without names: the banner’s button asks the Data screen to focus it, and the message stays', () => {
    const h = setup();
    h.s().goTo('train');
    const message = 'ids.jsonl, line 1: "ner_tags" holds tag ids (3 for word 1) but no tag list was given to name them.';
    h.dataReply({ type: 'dataset-error', role: 'main', message, fix: { kind: 'tag-names' } });
    expect(h.s().ui.error).toEqual({ scope: 'data', message, fix: { kind: 'tag-names' } });
    expect(h.s().dataset.tagNamesWanted).toBe(false);
    h.s().applyErrorFix();
    expect(h.s().ui.screen).toBe('data');
    expect(h.s().dataset.tagNamesWanted).toBe(true);
    expect(h.s().ui.error?.message).toBe(message);
    h.s().tagNamesFocused();
    expect(h.s().dataset.tagNamesWanted).toBe(false);
    // Typed names clear the message; the worker reads the file again with them.
    h.s().setTagNames('O,B-PER,I-PER,B-ORG');
    expect(h.s().ui.error).toBeNull();
  });

  it('asks for token statistics once both the dataset and the tokenizer are there, capped at the model’s length', () => {
    const h = setup();
    h.dataReply({ type: 'dataset', summary });
    expect(h.data.filter((r) => r.type === 'token-stats')).toEqual([]);
    h.trainReply({ type: 'model-loaded', summary: model, tokenizer });
    expect(h.data.at(-1)).toEqual({ type: 'set-tokenizer', files: tokenizer });
    h.dataReply({ type: 'tokenizer-ready' });
    expect(h.data.at(-1)).toEqual({ type: 'token-stats', maxLength: 64, previewRow: 0 });
    h.s().setSetting('maxLength', 32);
    expect(h.data.at(-1)).toEqual({ type: 'token-stats', maxLength: 32, previewRow: 0 });
    h.s().nextTokenPreview();
    expect(h.data.at(-1)).toEqual({ type: 'token-stats', maxLength: 32, previewRow: 1 });
  });

  it('loads Hub models from the configured address and says when the Hub is out of reach', () => {
    const h = setup();
    h.s().setHubEndpoint('not a url');
    expect(h.s().ui.error?.message).toMatch(/not a web address/);
    h.s().setHubEndpoint('http://127.0.0.1:9000/');
    expect(h.data.at(-1)).toEqual({ type: 'configure', hubEndpoint: 'http://127.0.0.1:9000' });
    h.s().loadHubModel(' owner/model ');
    expect(h.train.at(-1)).toEqual({ type: 'load-model', source: { kind: 'hub', id: 'owner/model', endpoint: 'http://127.0.0.1:9000' } });
    expect(h.s().model.loading?.what).toBe('Downloading owner/model');
    h.trainReply({ type: 'error', scope: 'model', message: 'Cannot reach http://127.0.0.1:9000: you may be offline.', hubUnreachable: true });
    expect(h.s().model).toMatchObject({ loading: null, hubUnreachable: true });
    expect(h.s().ui.error?.scope).toBe('model');
    h.s().loadScratchModel('tiny');
    expect(h.train.at(-1)).toEqual({ type: 'load-model', source: { kind: 'scratch', size: 'tiny', vocabUrl: 'http://studio/tokenizers/bert-base-uncased/vocab.txt' } });
    expect(h.s().ui.error).toBeNull();
  });

  it('runs a training from Train to the end: tokenize, train, steps, evals, evaluation', () => {
    const h = ready();
    expect(trainBlocker(h.s())).toBeNull();
    h.s().setDropout(0.2);
    h.s().setBackendChoice('wasm');
    h.s().startTraining();
    expect(h.s().training.status).toBe('preparing');
    expect(h.data.at(-1)).toEqual({ type: 'tokenize', maxLength: 64 });
    h.dataReply({ type: 'tokenize-progress', done: 5, total: 10 });
    expect(h.s().training.tokenized).toEqual({ done: 5, total: 10 });
    const tokenized: TokenizedDataset = { task: 'single-label', labelOptions: { labelSeparator: ';' }, labels: ['neg', 'pos'], maxLength: 64, train: packRows([]), validation: packRows([]), validationTexts: [], truncated: 0, fingerprint: '0123456789abcdef' };
    h.dataReply({ type: 'tokenized', data: tokenized });
    const request = h.train.at(-1) as Extract<TrainRequest, { type: 'train' }>;
    expect(request).toMatchObject({ type: 'train', backend: 'wasm', dataset: summary, configOverrides: { dropout: 0.2, attention_dropout: 0.2, seq_classif_dropout: 0.2 } });
    expect(request.settings).toEqual({ ...defaultSettings, maxLength: 64 });
    // The run is saved after about a minute of training, not only at each epoch's end.
    expect(request.checkpointCadence).toEqual({ everyUpdates: 0, everyMs: 60_000 });

    const backend = { name: 'wasm' as const, description: '1 thread', fallbackReason: null };
    h.trainReply({ type: 'run-started', task: 'single-label', backend, totalSteps: 10, step: 0, notice: 'new head' });
    expect(h.s().training).toMatchObject({ status: 'running', backend, totalSteps: 10, notice: 'new head' });
    const step = (n: number) => ({ step: n, epoch: n / 5, loss: 1 / n, learningRate: 1e-4, gradNorm: 1 });
    h.trainReply({ type: 'steps', records: [step(1), step(2)], totalSteps: 10 });
    // The first steps also paid for compiling the kernels: no speed or time left from them.
    expect(h.s().training).toMatchObject({ samplesPerSecond: null, etaMs: null, paceFrom: { step: 2 } });
    h.trainReply({ type: 'steps', records: [step(3), step(4), step(5)], totalSteps: 10 });
    h.trainReply({ type: 'eval', record: evalRecord(5) });
    expect(h.s().training.steps.map((s) => s.step)).toEqual([1, 2, 3, 4, 5]);
    expect(h.s().training.etaMs).toEqual(expect.any(Number));
    expect(h.s().training.run).toMatchObject({ datasetName: 'reviews.csv', modelName: 'prajjwal1/bert-tiny', trainRows: 0, settings: { ...defaultSettings, maxLength: 64 } });
    expect(h.s().training.evals).toHaveLength(1);
    expect(trainBlocker(h.s())).toBe('A run is in progress.');

    h.trainReply({ type: 'run-ended', end: 'finished', message: null });
    expect(h.s().training.status).toBe('finished');
    expect(h.train.at(-1)).toEqual({ type: 'evaluate', backend: 'wasm', options: { threshold: 0.5 } });
    expect(h.s().evaluation.status).toBe('running');
    const details = { task: 'single-label' as const, worst: [] };
    h.trainReply({ type: 'evaluation', metrics: evalRecord(10).metrics, details });
    expect(h.s().evaluation).toMatchObject({ status: 'ready', metrics: evalRecord(10).metrics, details });
  });

  it('reads the dataset for another task, separator or tag names through the data worker, and not while a run trains', () => {
    const h = ready();
    h.s().setTask('multi-label');
    expect(h.data.at(-1)).toEqual({ type: 'set-task', task: 'multi-label', labelOptions: { labelSeparator: ';' } });
    // The guess stays the guess when only the separator changes; a chosen task stays chosen.
    h.s().setLabelSeparator('|');
    expect(h.data.at(-1)).toEqual({ type: 'set-task', task: null, labelOptions: { labelSeparator: '|' } });
    h.dataReply({ type: 'dataset', summary: { ...summary, task: { ...summary.task, id: 'regression', chosen: true } } });
    h.s().setLabelSeparator(',');
    expect(h.data.at(-1)).toEqual({ type: 'set-task', task: 'regression', labelOptions: { labelSeparator: ',' } });
    h.s().setTagNames(' O, B-PER ,I-PER ');
    expect(h.data.at(-1)).toEqual({ type: 'set-tag-names', tagNames: ['O', 'B-PER', 'I-PER'] });
    h.s().setTagNames('');
    expect(h.data.at(-1)).toEqual({ type: 'set-tag-names', tagNames: null });
    const sent = h.data.length;
    h.s().setTagNames('O,B PER');
    expect(h.s().ui.error?.message).toBe('Tag names are names without spaces separated by commas, such as O,B-PER,I-PER; got “O,B PER”.');
    startRun(h, 4);
    h.s().setTask('single-label');
    expect(h.data.length).toBe(sent + 1);
    expect(h.s().ui.error?.message).toBe(DATASET_LOCKED);
  });

  it('counts a run’s rows, not its target values: a multi-hot row holds one value per label', () => {
    const h = ready();
    h.s().startTraining();
    const multiHot = packRows(Array.from({ length: 3 }, () => ({ inputIds: Int32Array.of(101, 102), tokenTypeIds: null, target: Float32Array.of(1, 0, 1) })));
    h.dataReply({ type: 'tokenized', data: { ...tokenizedRows(0), task: 'multi-label', labels: ['a', 'b', 'c'], train: multiHot } });
    expect(h.s().training.run?.trainRows).toBe(3);
    expect(h.s().runs.current?.trainRows).toBe(3);
  });

  it('keeps every run: recorded at its start, each evaluation and its end, renamed, pinned, exported and deleted', async () => {
    const h = ready();
    const train = (evalAccuracy: number) => {
      h.s().startTraining();
      h.dataReply({ type: 'tokenized', data: { task: 'single-label', labelOptions: { labelSeparator: ';' }, labels: ['neg', 'pos'], maxLength: 64, train: packRows([]), validation: packRows([]), validationTexts: [], truncated: 0, fingerprint: 'feedfacecafebeef' } });
      const runId = (h.train.at(-1) as Extract<TrainRequest, { type: 'train' }>).runId;
      h.trainReply({ type: 'run-started', task: 'single-label', backend: { name: 'wasm', description: '2 threads', fallbackReason: null }, totalSteps: 5, step: 0, notice: null });
      h.trainReply({ type: 'steps', records: [1, 2, 3, 4, 5].map((n) => ({ step: n, epoch: n / 5, loss: 1 / n, learningRate: 1e-4, gradNorm: 1 })), totalSteps: 5 });
      h.trainReply({ type: 'eval', record: { ...evalRecord(5), metrics: { ...metricsOfTask(evalRecord(5).metrics, 'single-label'), accuracy: evalAccuracy } } });
      h.trainReply({ type: 'run-ended', end: 'finished', message: null });
      return runId;
    };
    const first = train(0.7);
    h.s().setSetting('learningRate', 3e-5);
    const second = train(0.8);
    expect(first).not.toBe(second);
    const records = h.s().runs.records;
    expect(records.map((r) => [r.id, r.status, r.evals.length, r.dataset.fingerprint, r.backend?.name])).toEqual([
      [first, 'finished', 1, 'feedfacecafebeef', 'wasm'],
      [second, 'finished', 1, 'feedfacecafebeef', 'wasm'],
    ]);
    expect(records[1]!.settings.learningRate).toBe(3e-5);
    expect(records.every((r) => r.trainingMs >= 0)).toBe(true);
    expect(h.s().runs.selected).toEqual([first, second]);
    // Kept where a reloaded page finds them.
    await Promise.resolve();
    const reloaded = setup(undefined, h.deps.runs);
    reloaded.s().loadRuns();
    await expect.poll(() => reloaded.s().runs.records.map((r) => r.id)).toEqual([first, second]);

    h.s().renameRun(first, '  BERT tiny, lr 5e-5 ');
    expect(h.s().runs.records[0]!.name).toBe('BERT tiny, lr 5e-5');
    h.s().pinRun(second);
    expect(h.train.at(-1)).toEqual({ type: 'pin-weights', runId: second });
    h.trainReply({ type: 'run-weights', runId: second, checkpoint: Uint8Array.of(1, 2, 3) });
    await expect.poll(() => h.s().runs.records[1]!.pinned).toBe(true);
    expect(await h.deps.runs.weights(second)).toEqual(Uint8Array.of(1, 2, 3));
    h.s().exportRuns('csv');
    expect(h.downloads.at(-1)![0]).toBe('finetune-studio-runs.csv');
    h.s().deleteRun(first);
    expect(h.s().runs.records.map((r) => r.id)).toEqual([second]);
    await expect.poll(async () => (await h.deps.runs.list()).map((r) => r.id)).toEqual([second]);
  });

  it('refuses to start with impossible settings, naming the setting', () => {
    const h = ready();
    h.s().setSetting('learningRate', 2);
    expect(trainBlocker(h.s())).toBe('Fix the settings first. Learning rate must be in (0, 1), got 2.');
    h.s().startTraining();
    expect(h.s().ui.error?.message).toBe('Fix the settings first. Learning rate must be in (0, 1), got 2.');
    expect(h.s().training.status).toBe('idle');
  });

  it('marks a field as soon as its text is not a usable value, and blocks Train until it is fixed', () => {
    const h = ready();
    h.s().setSettingText('learningRate', 'abc');
    // The last number stays the setting; the text is kept for the field, and named.
    expect(h.s().training.settings.learningRate).toBe(defaultSettings.learningRate);
    expect(settingFieldProblems(h.s())).toEqual({ learningRate: 'Learning rate must be a number, not “abc”' });
    expect(trainBlocker(h.s())).toBe('Fix the settings first. Learning rate must be a number, not “abc”.');
    h.s().setSettingText('batchSize', '0');
    h.s().setSettingText('epochs', '2.5');
    expect(settingFieldProblems(h.s())).toMatchObject({ batchSize: 'Batch size must be a whole number ≥ 1, got 0', epochs: 'Epochs must be a whole number ≥ 1, got 2.5' });
    h.s().setSettingText('learningRate', '3e-5');
    h.s().setSettingText('batchSize', '8');
    h.s().setSettingText('epochs', '2');
    expect(settingFieldProblems(h.s())).toEqual({});
    expect(h.s().training.settings).toMatchObject({ learningRate: 3e-5, batchSize: 8, epochs: 2 });
    expect(trainBlocker(h.s())).toBeNull();
    h.s().setSettingText('dropout', '1.5');
    expect(settingFieldProblems(h.s()).dropout).toBe('Dropout must be at least 0 and below 1, got 1.5');
    h.s().setSettingText('dropout', '');
    expect(h.s().training.dropout).toBeNull();
    expect(settingFieldProblems(h.s())).toEqual({});
    h.s().setSettingText('checkpointSeconds', '-5');
    expect(settingFieldProblems(h.s()).checkpointSeconds).toBe('The checkpoint interval must be a number of seconds ≥ 0, got -5');
    h.s().setSettingText('checkpointSeconds', '30');
    h.s().setSettingText('checkpointSteps', '50');
    expect(h.s().training.checkpointCadence).toEqual({ everyUpdates: 50, everyMs: 30_000 });
    expect(settingFieldProblems(h.s())).toEqual({});
  });

  it('does not ask for token statistics at a max length no run could use', () => {
    const h = ready();
    const asked = h.data.length;
    h.s().setSettingText('maxLength', '4');
    expect(h.data).toHaveLength(asked);
    expect(settingFieldProblems(h.s()).maxLength).toBe('Max length must be a whole number ≥ 8, got 4');
  });

  it('says what is missing before Train can start', () => {
    const h = setup();
    h.s().startTraining();
    expect(h.s().ui.error?.message).toBe('Load a dataset first (step 1).');
    expect(h.data).toEqual([]);
  });

  it('pauses, resumes and stops through the worker', () => {
    const h = ready();
    startRun(h);
    h.trainReply({ type: 'run-started', task: 'single-label', backend: { name: 'webgpu', description: 'gpu', fallbackReason: null }, totalSteps: 10, step: 0, notice: null });
    h.s().pauseTraining();
    expect(h.s().training.status).toBe('pausing');
    expect(h.train.at(-1)).toEqual({ type: 'pause' });
    h.trainReply({ type: 'steps', records: [{ step: 1, epoch: 0.2, loss: 1, learningRate: 1, gradNorm: 1 }], totalSteps: 10 });
    h.trainReply({ type: 'run-ended', end: 'paused', message: null });
    expect(h.s().training.status).toBe('paused');
    h.s().resumeTraining();
    expect(h.train.at(-1)).toEqual({ type: 'resume', backend: 'auto', settings: { ...defaultSettings, maxLength: 64 }, gpuMemoryBudgetMb: 4000 });
    h.trainReply({ type: 'run-started', task: 'single-label', backend: { name: 'webgpu', description: 'gpu', fallbackReason: null }, totalSteps: 10, step: 0, notice: null });
    h.s().stopTraining();
    expect(h.s().training.status).toBe('stopping');
    expect(h.train.at(-1)).toEqual({ type: 'stop' });
  });

  it('on a paused run, changes only what Resume applies, and recomputes where the run ends', () => {
    const h = ready();
    startRun(h, 80);
    const backend = { name: 'wasm' as const, description: 'cpu', fallbackReason: null };
    h.trainReply({ type: 'run-started', task: 'single-label', backend, totalSteps: 15, step: 0, notice: null });
    expect(settingLock(h.s(), 'epochs')).toMatch(/^Locked while the run trains/);
    expect(settingLock(h.s(), 'batchSize')).toMatch(/^Fixed for this run/);
    const steps = Array.from({ length: 7 }, (_, i) => ({ step: i + 1, epoch: (i + 1) / 5, loss: 1, learningRate: 1, gradNorm: 1 }));
    h.trainReply({ type: 'steps', records: steps, totalSteps: 15 });
    h.trainReply({ type: 'run-ended', end: 'paused', message: null });
    expect(settingLock(h.s(), 'epochs')).toBeNull();
    expect(settingLock(h.s(), 'maxSteps')).toBeNull();
    expect(settingLock(h.s(), 'learningRate')).toBeNull();
    expect(settingLock(h.s(), 'batchSize')).toMatch(/^Fixed for this paused run/);
    expect(settingLock(h.s(), 'earlyStoppingPatience')).toMatch(/^Fixed for this paused run/);
    expect(settingLock(h.s(), 'backend')).toMatch(/^Fixed for this paused run/);
    // 80 rows at batch 16: 5 steps an epoch, so 4 epochs end at step 20.
    h.s().setSettingText('epochs', '4');
    expect(plannedSteps(h.s())).toBe(20);
    // The run is in epoch 2: it cannot end before that.
    h.s().setSettingText('epochs', '1');
    expect(settingFieldProblems(h.s()).epochs).toBe('This run is in epoch 2 already: 2 or more');
    expect(resumeBlocker(h.s())).toBe('Fix the settings first. This run is in epoch 2 already: 2 or more.');
    expect(plannedSteps(h.s())).toBe(15);
    h.s().setSettingText('epochs', '3');
    expect(resumeBlocker(h.s())).toBeNull();
    h.s().setSettingText('maxSteps', '5');
    expect(settingFieldProblems(h.s()).maxSteps).toBe('This run has taken 7 steps already: 7 or more, or 0 for all epochs');
    h.s().setSettingText('maxSteps', '0');
    // Resume sends the run's own settings with the edited schedule, and the run now has them.
    h.s().setSettingText('epochs', '4');
    h.s().setSettingText('learningRate', '2e-5');
    h.s().resumeTraining();
    expect(h.train.at(-1)).toEqual({ type: 'resume', backend: 'auto', settings: { ...defaultSettings, maxLength: 64, epochs: 4, learningRate: 2e-5 }, gpuMemoryBudgetMb: 4000 });
    expect(h.s().training.run?.settings.epochs).toBe(4);
  });

  it('names what a new run would discard: the run in the tab, else the one saved in the browser', () => {
    const h = ready();
    expect(discardedByNewRun(h.s())).toBeNull();
    h.trainReply({ type: 'saved-run', info: { ...savedInfo, state: 'paused' } });
    expect(discardedByNewRun(h.s())).toBe('the run saved in this browser (prajjwal1/bert-tiny on reviews.csv, step 4 of 10, paused)');
    startRun(h, 80);
    expect(discardedByNewRun(h.s())).toBe('the run saved in this browser (prajjwal1/bert-tiny on reviews.csv, step 4 of 10, paused)');
    h.trainReply({ type: 'run-started', task: 'single-label', backend: { name: 'wasm', description: 'cpu', fallbackReason: null }, totalSteps: 1200, step: 0, notice: null });
    h.trainReply({ type: 'steps', records: [{ step: 1025, epoch: 1.5, loss: 1, learningRate: 1, gradNorm: 1 }], totalSteps: 1200 });
    h.trainReply({ type: 'run-ended', end: 'paused', message: null });
    expect(discardedByNewRun(h.s())).toBe('the paused run (prajjwal1/bert-tiny on reviews.csv, step 1,025 of 1,200)');
    h.trainReply({ type: 'run-ended', end: 'finished', message: null });
    expect(discardedByNewRun(h.s())).toMatch(/^the finished model \(/);
  });

  it('keeps the dataset and the model as the run has them while it trains', () => {
    const h = ready();
    startRun(h, 80);
    h.trainReply({ type: 'run-started', task: 'single-label', backend: { name: 'wasm', description: 'cpu', fallbackReason: null }, totalSteps: 15, step: 0, notice: null });
    const posted = { data: h.data.length, train: h.train.length };
    h.s().loadDemoDataset();
    expect(h.s().ui.error?.message).toMatch(/^Training is running, so the dataset stays as it is/);
    h.s().loadHubModel('owner/other');
    expect(h.s().ui.error?.message).toMatch(/^Training is running, so the model stays as it is/);
    expect({ data: h.data.length, train: h.train.length }).toEqual(posted);
    expect(h.s().dataset.loading).toBeNull();
    expect(h.s().model.loading).toBeNull();
  });

  it('clears an error once what caused it is fixed', () => {
    const h = setup();
    h.trainReply({ type: 'error', scope: 'model', message: 'owner/missing was not found on the Hub' });
    h.trainReply({ type: 'model-loaded', summary: model, tokenizer });
    expect(h.s().ui.error).toBeNull();
    h.s().showError('data', 'bad.csv, line 2: oops');
    h.trainReply({ type: 'model-loaded', summary: model, tokenizer });
    expect(h.s().ui.error?.scope).toBe('data');
  });

  it('keeps the model after a failure, offers Resume, and shows why', () => {
    const h = ready();
    startRun(h);
    h.trainReply({ type: 'run-started', task: 'single-label', backend: { name: 'wasm', description: 'cpu', fallbackReason: 'no WebGPU' }, totalSteps: 10, step: 0, notice: null });
    h.trainReply({ type: 'steps', records: [{ step: 1, epoch: 0.2, loss: 1, learningRate: 1, gradNorm: 1 }], totalSteps: 10 });
    h.trainReply({ type: 'run-ended', end: 'failed', message: 'the loss became NaN at step 2' });
    expect(h.s().training.status).toBe('failed');
    expect(h.s().ui.error?.message).toMatch(/the loss became NaN at step 2.*you can resume/);
    h.s().resumeTraining();
    expect(h.train.at(-1)).toEqual({ type: 'resume', backend: 'auto', settings: { ...defaultSettings, maxLength: 64 }, gpuMemoryBudgetMb: 4000 });
  });

  it('drops the steps and evaluations past the checkpoint a run goes back to (a lost GPU)', () => {
    const h = ready();
    h.s().startTraining();
    const gpu = { name: 'webgpu' as const, description: 'gpu', fallbackReason: null };
    h.trainReply({ type: 'run-started', task: 'single-label', backend: gpu, totalSteps: 10, step: 0, notice: null });
    const step = (n: number) => ({ step: n, epoch: n / 5, loss: 1 / n, learningRate: 1e-4, gradNorm: 1 });
    h.trainReply({ type: 'steps', records: [1, 2, 3, 4, 5, 6, 7].map(step), totalSteps: 10 });
    h.trainReply({ type: 'eval', record: evalRecord(5) });
    h.trainReply({ type: 'run-ended', end: 'failed', message: 'the GPU stopped working (destroyed)' });
    h.s().resumeTraining();
    h.trainReply({ type: 'run-started', task: 'single-label', backend: { ...gpu, name: 'wasm', fallbackReason: 'the GPU was lost' }, totalSteps: 10, step: 5, notice: null });
    expect(h.s().training.steps.map((s) => s.step)).toEqual([1, 2, 3, 4, 5]);
    expect(h.s().training.evals.map((e) => e.step)).toEqual([5]);
  });

  it('forgets the model when the train worker dies, says so, and asks the new worker for the saved run', () => {
    const h = ready();
    h.s().startTraining();
    h.trainReply({ type: 'run-started', task: 'single-label', backend: { name: 'wasm', description: 'cpu', fallbackReason: null }, totalSteps: 10, step: 0, notice: null });
    h.trainReply({ type: 'steps', records: [{ step: 1, epoch: 0.2, loss: 1, learningRate: 1, gradNorm: 1 }], totalSteps: 10 });
    h.trainWorkerLost('Uncaught Error: out of memory');
    expect(h.s().model.summary).toBeNull();
    expect(h.s().training.status).toBe('stopped');
    expect(h.s().ui.error?.message).toBe(
      'The training worker stopped (Uncaught Error: out of memory) and was started again. The run is kept in the browser at its last checkpoint: resume it with the banner at the top.',
    );
    expect(h.train.at(-1)).toEqual({ type: 'probe-saved-run' });
    expect(trainBlocker(h.s())).toBe('Load a model first (step 2).');
  });

  it('goes back to idle when preparing a run fails', () => {
    const h = ready();
    h.s().startTraining();
    h.dataReply({ type: 'error', scope: 'train', message: 'Row 3 has an unknown label' });
    expect(h.s().training.status).toBe('idle');
    expect(h.s().ui.error?.message).toBe('Row 3 has an unknown label');
  });

  it('asks the train worker what training the model takes, and forgets the figure with the model', () => {
    const h = ready();
    h.s().setSetting('batchSize', 8);
    h.s().estimateMemory();
    // Max length 128 is capped at the model's 64 positions, as the run would be.
    expect(h.train.at(-1)).toEqual({ type: 'estimate-memory', task: 'single-label', numLabels: 2, batchSize: 8, maxLength: 64, gradAccumulation: 1, method: fineTuneMethodOf(h.s().training.settings) });
    const estimate = { batchSize: 8, seqLength: 64, parameters: 10, parameterBytes: 40, optimizerBytes: 80, workingBytes: 100, totalBytes: 220, method: 'full' as const, totalByMethod: { full: 220, lora: 150, 'head-only': 120 } };
    h.trainReply({ type: 'memory-estimate', estimate });
    expect(h.s().model.memory).toEqual(estimate);
    h.trainReply({ type: 'model-loaded', summary: { ...model, name: 'other' }, tokenizer });
    expect(h.s().model.memory).toBeNull();
  });

  it('sends the GPU memory budget with a run, and offers the batch size the worker found when a run does not fit', () => {
    const h = ready();
    h.s().setSettingText('gpuMemoryBudget', '0');
    expect(settingFieldProblems(h.s()).gpuMemoryBudget).toBe('The GPU memory budget must be at least 1 MB, got 0');
    h.s().setSettingText('gpuMemoryBudget', '1500');
    startRun(h);
    expect(h.train.at(-1)).toMatchObject({ type: 'train', gpuMemoryBudgetMb: 1500 });
    h.trainReply({ type: 'error', scope: 'train', message: 'This run cannot start on the GPU', fix: { kind: 'batch-size', batchSize: 4 } });
    expect(h.s().training.status).toBe('idle');
    expect(h.s().ui.error).toEqual({ scope: 'train', message: 'This run cannot start on the GPU', fix: { kind: 'batch-size', batchSize: 4 } });
    h.s().applyErrorFix();
    expect(h.s().training.settings.batchSize).toBe(4);
    expect(h.s().ui.error).toBeNull();
  });

  it('classifies typed text through both workers and shows only the latest answer', () => {
    const h = ready();
    startRun(h);
    h.trainReply({ type: 'steps', records: [{ step: 1, epoch: 1, loss: 1, learningRate: 1, gradNorm: 1 }], totalSteps: 1 });
    h.trainReply({ type: 'run-ended', end: 'finished', message: null });
    h.s().setTryText('  what a day  ');
    h.s().classify();
    expect(h.data.at(-1)).toEqual({ type: 'encode', requestId: 1, text: 'what a day', textPair: null, maxLength: 64, asWords: false });
    h.s().classify();
    h.dataReply({ type: 'encoded', requestId: 1, ids: Int32Array.of(1), typeIds: null, words: null, wordIds: null });
    expect(h.train.filter((r) => r.type === 'classify')).toEqual([]);
    h.dataReply({ type: 'encoded', requestId: 2, ids: Int32Array.of(101, 7, 102), typeIds: null, words: null, wordIds: null });
    expect(h.train.at(-1)).toMatchObject({ type: 'classify', requestId: 2, backend: 'auto', words: null, options: { threshold: 0.5 } });
    const prediction = { task: 'single-label' as const, label: 'pos', score: 0.75, probabilities: { neg: 0.25, pos: 0.75 }, logits: [0, Math.log(3)] };
    h.trainReply({ type: 'classified', requestId: 2, prediction });
    expect(h.s().evaluation.tryResult).toEqual({ text: 'what a day', prediction });
  });

  it('downloads the exported zip', () => {
    const h = ready();
    h.s().exportModel();
    expect(h.s().ui.error?.scope).toBe('export');
    startRun(h);
    h.trainReply({ type: 'steps', records: [{ step: 1, epoch: 1, loss: 1, learningRate: 1, gradNorm: 1 }], totalSteps: 1 });
    h.trainReply({ type: 'run-ended', end: 'finished', message: null });
    h.s().exportModel();
    expect(h.train.at(-1)).toEqual({ type: 'export', threshold: 0.5 });
    h.trainReply({ type: 'exported', fileName: 'm.zip', bytes: new Uint8Array(5) });
    expect(h.downloads).toEqual([['m.zip', 5]]);
    expect(h.s().evaluation).toMatchObject({ exporting: false, exported: { fileName: 'm.zip', bytes: 5 } });
  });

  it('downloads the training project (rows from the data worker, zip from the train worker) and the checkpoint', () => {
    const h = ready();
    h.s().exportProject();
    expect(h.s().ui.error?.scope).toBe('export');
    startRun(h);
    h.trainReply({ type: 'steps', records: [{ step: 1, epoch: 1, loss: 1, learningRate: 1, gradNorm: 1 }], totalSteps: 1 });
    h.trainReply({ type: 'run-ended', end: 'finished', message: null });
    h.s().exportProject();
    expect(h.s().evaluation.exporting).toBe(true);
    expect(h.data.at(-1)).toEqual({ type: 'split-rows' });
    const rows = { train: [{ text: 'nice', label: 'pos' }], validation: [{ text: 'bad', label: 'neg' }], description: 'a 20% share' };
    h.dataReply({ type: 'split-rows', rows });
    expect(h.train.at(-1)).toEqual({ type: 'export-project', rows });
    h.trainReply({ type: 'exported', fileName: 'training-project.zip', bytes: new Uint8Array(7) });
    expect(h.downloads).toEqual([['training-project.zip', 7]]);
    // Rows arriving after the export ended (an error, say) start nothing.
    h.dataReply({ type: 'split-rows', rows });
    expect(h.train.filter((r) => r.type === 'export-project')).toHaveLength(1);

    h.s().exportCheckpoint();
    expect(h.train.at(-1)).toEqual({ type: 'export-checkpoint' });
    h.trainReply({ type: 'exported', fileName: 'tiny-step1.training_checkpoint.safetensors', bytes: new Uint8Array(9) });
    expect(h.s().evaluation.exported).toEqual({ fileName: 'tiny-step1.training_checkpoint.safetensors', bytes: 9 });
  });

  it('asks for the dataset again before packing the project of a run restored from the browser', () => {
    const h = ready();
    startRun(h);
    h.trainReply({ type: 'steps', records: [{ step: 1, epoch: 1, loss: 1, learningRate: 1, gradNorm: 1 }], totalSteps: 1 });
    h.trainReply({ type: 'run-ended', end: 'finished', message: null });
    h.store.setState({ dataset: { ...h.s().dataset, fromSavedRun: true } });
    h.s().exportProject();
    expect(h.s().ui.error).toMatchObject({ scope: 'export', message: expect.stringMatching(/load the same file/) });
    expect(h.data.some((r) => r.type === 'split-rows')).toBe(false);
  });

  it('loads a checkpoint file, puts its settings on the screen and starts the next run from it', () => {
    const h = ready();
    const file = new File([new Uint8Array(3)], 'run.safetensors');
    h.s().loadCheckpoint(file);
    expect(h.train.at(-1)).toEqual({ type: 'load-checkpoint', file });
    const settings = { ...defaultSettings, epochs: 5, learningRate: 2e-5, maxLength: 64 };
    h.trainReply({ type: 'checkpoint-loaded', info: { fileName: 'run.safetensors', labels: ['neg', 'pos'], settings, step: 40, epochsDone: 2, finished: false } });
    expect(h.s().training).toMatchObject({ settings, checkpointUse: 'continue', checkpoint: { step: 40 } });
    const tokenized: TokenizedDataset = { task: 'single-label', labelOptions: { labelSeparator: ';' }, labels: ['neg', 'pos'], maxLength: 64, train: packRows([]), validation: packRows([]), validationTexts: [], truncated: 0, fingerprint: '0123456789abcdef' };
    h.s().startTraining();
    h.dataReply({ type: 'tokenized', data: tokenized });
    expect(h.train.at(-1)).toMatchObject({ type: 'train', settings, checkpointUse: 'continue' });

    h.trainReply({ type: 'run-ended', end: 'stopped', message: null });
    h.s().setCheckpointUse('fine-tune');
    h.s().startTraining();
    h.dataReply({ type: 'tokenized', data: tokenized });
    expect(h.train.at(-1)).toMatchObject({ type: 'train', checkpointUse: 'fine-tune' });

    h.trainReply({ type: 'run-ended', end: 'stopped', message: null });
    h.s().forgetCheckpoint();
    h.s().startTraining();
    h.dataReply({ type: 'tokenized', data: tokenized });
    expect(h.train.at(-1)).toMatchObject({ type: 'train', checkpointUse: null });

    // A finished run can only be fine-tuned further; a new model drops the checkpoint.
    h.trainReply({ type: 'checkpoint-loaded', info: { fileName: 'done.safetensors', labels: ['neg', 'pos'], settings, step: 50, epochsDone: 5, finished: true } });
    expect(h.s().training.checkpointUse).toBe('fine-tune');
    h.trainReply({ type: 'model-loaded', summary: model, tokenizer });
    expect(h.s().training.checkpoint).toBeNull();
  });

  it('scores a multi-label evaluation again at a chosen or tuned threshold, without running the model, and tries sentences at it', () => {
    const h = ready();
    finishRun(h, 'multi-label');
    // Set while the evaluation runs: the evaluation asked for 0.5, so its answer is scored again at 0.3.
    h.s().setThreshold(0.3);
    expect(h.train.filter((r) => r.type === 'rescore')).toEqual([]);
    const scoredAt = (threshold: number) => ({ task: 'multi-label' as const, ...multiLabelMetrics(Float32Array.of(2, -1, 0.1, -3), [1, 0, 0, 1], ['a', 'b'], threshold) });
    h.trainReply({ type: 'evaluation', metrics: scoredAt(0.5), details: { task: 'multi-label', worst: [] } });
    expect(h.train.at(-1)).toEqual({ type: 'rescore', options: { threshold: 0.3 } });
    const metrics = scoredAt(0.3);
    expect(metrics.tuned.threshold).toBe(0.55);
    h.trainReply({ type: 'evaluation', metrics, details: { task: 'multi-label', worst: [] } });
    h.s().setThreshold(0.3);
    expect(h.train.filter((r) => r.type === 'rescore')).toHaveLength(1);
    h.s().tuneThreshold();
    expect(h.s().evaluation.threshold).toBe(0.55);
    expect(h.train.at(-1)).toEqual({ type: 'rescore', options: { threshold: 0.55 } });
    h.s().setThreshold(1.2);
    expect(h.s().ui.error).toMatchObject({ scope: 'evaluate', message: 'The threshold is a probability between 0 and 1 (not included), got 1.2.' });
    expect(h.s().evaluation.threshold).toBe(0.55);

    h.s().setTryText('so happy');
    h.s().classify();
    expect(h.data.at(-1)).toMatchObject({ type: 'encode', asWords: false });
    h.dataReply({ type: 'encoded', requestId: 1, ids: Int32Array.of(101, 7, 102), typeIds: null, words: null, wordIds: null });
    expect(h.train.at(-1)).toMatchObject({ type: 'classify', options: { threshold: 0.55 } });
    // The download keeps the threshold on screen, for config.json and the model card.
    h.s().exportModel();
    expect(h.train.at(-1)).toEqual({ type: 'export', threshold: 0.55 });
    h.trainReply({ type: 'exported', fileName: 'm.zip', bytes: new Uint8Array(5) });

    // A new run's model starts again at 0.5.
    h.s().startTraining();
    expect(h.s().evaluation.threshold).toBe(0.5);
  });

  it('asks a pair model for both texts, and says so when the second is missing', () => {
    const h = setup();
    h.dataReply({ type: 'dataset', summary: { ...summary, mapping: { text: 'sentence1', textPair: 'sentence2', label: 'score' } } });
    h.trainReply({ type: 'model-loaded', summary: model, tokenizer });
    finishRun(h, 'regression');
    h.s().setTryText('A man plays the guitar.');
    h.s().classify();
    expect(h.data.filter((r) => r.type === 'encode')).toEqual([]);
    expect(h.s().ui.error).toMatchObject({ scope: 'evaluate', message: 'This model reads text pairs: type the second text (sentence2) too.' });
    h.s().setTryPairText(' A man is playing a guitar. ');
    h.s().classify();
    expect(h.data.at(-1)).toEqual({ type: 'encode', requestId: 1, text: 'A man plays the guitar.', textPair: 'A man is playing a guitar.', maxLength: 64, asWords: false });
  });

  it('reads a typed sentence as words for a token classifier', () => {
    const h = ready();
    finishRun(h, 'token-classification');
    h.s().setTryText('Ada met Grace');
    h.s().classify();
    expect(h.data.at(-1)).toEqual({ type: 'encode', requestId: 1, text: 'Ada met Grace', textPair: null, maxLength: 64, asWords: true });
    const words = ['Ada', 'met', 'Grace'];
    const wordIds = [null, 0, 1, 2, null];
    h.dataReply({ type: 'encoded', requestId: 1, ids: Int32Array.of(101, 7, 8, 9, 102), typeIds: null, words, wordIds });
    expect(h.train.at(-1)).toMatchObject({ type: 'classify', requestId: 1, words, wordIds });
  });

  it('offers a saved run after a reload, restores it and resumes training', () => {
    const h = setup();
    const info: SavedRunInfo = { savedAt: '2025-01-01T00:00:00Z', modelName: 'm', datasetName: 'd.csv', step: 4, totalSteps: 10, epochsDone: 1, epochs: 2, state: 'paused', storage: 'opfs' };
    h.trainReply({ type: 'saved-run', info });
    expect(h.s().ui.savedRun).toEqual(info);
    h.s().resumeSavedRun();
    expect(h.train.at(-1)).toEqual({ type: 'restore-saved-run' });
    h.trainReply({
      type: 'restored',
      info,
      dataset: summary,
      model: { ...model, source: 'saved-run' },
      tokenizer,
      settings: { ...defaultSettings, epochs: 2 },
      steps: [1, 2, 3, 4].map((n) => ({ step: n, epoch: n / 5, loss: 1, learningRate: 1, gradNorm: 1 })),
      evals: [],
      backend: null,
      runId: null,
      task: 'single-label',
    });
    expect(h.s().ui).toMatchObject({ savedRun: null, screen: 'train' });
    expect(h.s().dataset).toMatchObject({ summary, fromSavedRun: true });
    expect(h.data.at(-1)).toEqual({ type: 'set-tokenizer', files: tokenizer });
    expect(h.train.at(-1)).toEqual({ type: 'resume', backend: 'auto', settings: { ...defaultSettings, epochs: 2 }, gpuMemoryBudgetMb: 4000 });
    expect(h.s().training).toMatchObject({ status: 'preparing', totalSteps: 10 });
    expect(trainBlocker(h.s())).toBe('Load a dataset first (step 1).');
  });

  it('opens a finished saved run on the evaluate screen, or discards it', () => {
    const h = setup();
    const info: SavedRunInfo = { savedAt: '2025-01-01T00:00:00Z', modelName: 'm', datasetName: 'd.csv', step: 10, totalSteps: 10, epochsDone: 2, epochs: 2, state: 'finished', storage: 'opfs' };
    h.trainReply({ type: 'saved-run', info });
    h.s().discardSavedRun();
    expect(h.train.at(-1)).toEqual({ type: 'discard-saved-run' });
    expect(h.s().ui.savedRun).toBeNull();
    h.trainReply({ type: 'saved-run', info });
    h.s().openSavedRun();
    const steps = [{ step: 1, epoch: 1, loss: 1, learningRate: 1, gradNorm: 1 }];
    h.trainReply({ type: 'restored', info, dataset: summary, model, tokenizer, settings: defaultSettings, steps, evals: [], backend: null, runId: null, task: 'token-classification' });
    expect(h.s().ui.screen).toBe('evaluate');
    expect(h.s().training).toMatchObject({ status: 'finished', task: 'token-classification' });
    expect(h.train.at(-1)).toEqual({ type: 'evaluate', backend: 'auto', options: { threshold: 0.5 } });
  });
});

describe('training helpers', () => {
  it('caps max length at the model’s positions', () => {
    const h = ready();
    expect(effectiveMaxLength(h.s())).toBe(64);
    h.s().setSetting('maxLength', 16);
    expect(effectiveMaxLength(h.s())).toBe(16);
  });

  it('names dropout as each family’s config does', () => {
    expect(dropoutOverrides('bert', 0.3)).toEqual({ hidden_dropout_prob: 0.3, attention_probs_dropout_prob: 0.3 });
    expect(dropoutOverrides('roberta', null)).toEqual({});
  });
});
