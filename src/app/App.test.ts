import type { RunRecord } from '../runs/run-record.ts';
import { memoryRunStore } from '../runs/run-store.ts';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { DatasetSummary, EvaluationDetails, ModelSummary } from '../../workers/protocol.ts';
import { multiLabelMetrics } from '../engine/multi-label-metrics.ts';
import type { TaskId, TaskMetrics, TaskPrediction } from '../engine/tasks/index.ts';
import { defaultSettings } from '../engine/settings.ts';
import { createStudioStore } from '../store/store.ts';
import type { Screen, StudioState, StudioStore } from '../store/types.ts';
import { StudioContext } from '../store/useStudio.ts';
import { App } from './App.tsx';
import { singleLabelFields } from '../../workers/summary-fixture.ts';
import { roundedDomain } from './evaluate/TaskResults.tsx';

const summary: DatasetSummary = {
  fileName: 'reviews.csv',
  readAs: 'CSV (comma-separated)',
  rowCount: 10,
  columns: ['text', 'label'],
  preview: [['nice <b>film</b>', 'pos']],
  mapping: { text: 'text', label: 'label' },
  labels: ['neg', 'pos'],
  trainCounts: [4, 4],
  validationCounts: [1, 1],
  ...singleLabelFields(8, 2),
  warnings: ['Label "x" has only 1 example.'],
  split: { kind: 'fraction', fraction: 0.2, seed: 42 },
  validationFile: null,
};
const model: ModelSummary = {
  name: 'prajjwal1/bert-tiny',
  source: 'hub',
  modelType: 'bert',
  className: 'BertForSequenceClassification',
  layers: 2,
  hiddenSize: 128,
  heads: 2,
  intermediateSize: 512,
  vocabSize: 30522,
  maxPositions: 512,
  parametersWithoutLabels: 4_385_920,
  fineTunedLabels: null,
  pretrained: true,
  tokenizerKind: 'tokenizer.json',
};
const metrics = {
  task: 'single-label' as const,
  loss: 0.4,
  accuracy: 0.875,
  macroF1: 0.86,
  examples: 2,
  perClass: [
    { label: 'neg', precision: 1, recall: 1, f1: 1, support: 1 },
    { label: 'pos', precision: 1, recall: 1, f1: 1, support: 1 },
  ],
  confusion: [
    [1, 0],
    [0, 1],
  ],
};

/** A store in the state after a finished run, showing `screen`. */
function finishedRun(screen: Screen, error: string | null = null): StudioStore {
  const nothing = { post: () => undefined };
  const store = createStudioStore({ data: nothing, train: nothing, download: () => undefined, assetUrl: (p) => p, runs: memoryRunStore() }, { hubEndpoint: 'https://huggingface.co', backendChoice: 'auto' });
  const s = store.getState();
  store.setState({
    ui: { ...s.ui, screen, error: error ? { scope: 'data', message: error } : null },
    dataset: {
      ...s.dataset,
      summary,
      tokenStats: { sampled: 10, total: 10, bins: [{ from: 0, to: 15, count: 10 }], maxLength: 128, truncatedShare: 0, preview: { row: 0, text: 'nice film', tokens: ['nice', 'film'], ids: [101, 3835, 2143, 102] } },
    },
    model: { ...s.model, summary: model, tokenizerReady: true },
    training: {
      ...s.training,
      settings: defaultSettings,
      status: 'finished',
      backend: { name: 'webgpu', description: 'Google SwiftShader', fallbackReason: null },
      steps: [{ step: 1, epoch: 1, loss: 0.7, learningRate: 5e-5, gradNorm: 1 }],
      evals: [{ step: 1, epoch: 1, trainLoss: 0.7, metrics }],
      totalSteps: 1,
    },
    evaluation: { ...s.evaluation, status: 'ready', metrics, details: { task: 'single-label', worst: [] }, tryText: 'great', tryResult: { text: 'great', prediction: { task: 'single-label', label: 'pos', score: 0.9, probabilities: { pos: 0.9, neg: 0.1 }, logits: [1, -1] } } },
  });
  return store;
}

/** The same run paused part-way through its first epoch, with the epochs raised on screen for the resume. */
function pausedRun(): StudioStore {
  const store = finishedRun('train');
  const s = store.getState();
  store.setState({
    training: {
      ...s.training,
      status: 'paused',
      settings: { ...defaultSettings, epochs: 4 },
      run: { datasetName: 'reviews.csv', modelName: 'prajjwal1/bert-tiny', trainRows: 8, validationCounts: [1, 1], labels: ['neg', 'pos'], settings: defaultSettings },
      steps: [{ step: 1, epoch: 0.5, loss: 0.7, learningRate: 5e-5, gradNorm: 1 }],
      totalSteps: 3,
    },
  });
  return store;
}

/** Server rendering reads a store's initial state; this one reads its current state instead. */
function render(store: StudioStore): string {
  const current: StudioStore = { ...store, getInitialState: (): StudioState => store.getState() };
  return renderToStaticMarkup(createElement(StudioContext.Provider, { value: current }, createElement(App)));
}

const testIds = (html: string) => new Set([...html.matchAll(/data-testid="([^"]+)"/g)].map((m) => m[1]!));

describe('App', () => {
  it('has every control the end-to-end tests drive, each on its screen', () => {
    const onScreen = (screen: Screen) => testIds(render(finishedRun(screen)));
    expect([...onScreen('data')]).toEqual(expect.arrayContaining(['dataset-input', 'demo-dataset', 'label-chart', 'token-stats', 'dataset-preview']));
    expect([...onScreen('model')]).toEqual(expect.arrayContaining(['model-id', 'model-load', 'model-folder-input', 'model-summary']));
    expect([...onScreen('train')]).toEqual(expect.arrayContaining(['train-start', 'train-pause', 'train-resume', 'train-stop', 'loss-chart', 'epoch-metrics', 'backend-name']));
    expect([...onScreen('evaluate')]).toEqual(expect.arrayContaining(['eval-accuracy', 'try-input', 'try-output', 'confusion-matrix', 'worst-rows']));
    expect([...onScreen('export')]).toEqual(expect.arrayContaining(['export-download']));
    expect([...testIds(render(finishedRun('data', 'bad.csv, line 2: oops')))]).toContain('error-message');
  });

  it('shows the numbers a teacher reads out', () => {
    const evaluate = render(finishedRun('evaluate'));
    expect(evaluate).toContain('data-testid="eval-accuracy">87.5%<');
    expect(evaluate).toMatch(/data-testid="try-label">pos</);
    const train = render(finishedRun('train'));
    expect(train).toMatch(/data-testid="backend-name" data-backend="webgpu">WebGPU</);
    expect(train).toContain('data-status="finished"');
    expect(render(finishedRun('model'))).toContain('4.4 M parameters');
  });

  it('escapes text from the data instead of rendering it as markup', () => {
    expect(render(finishedRun('data'))).toContain('nice &lt;b&gt;film&lt;/b&gt;');
  });

  it('enables only the controls that make sense after a finished run', () => {
    const train = render(finishedRun('train'));
    const disabled = (id: string) => new RegExp(`<button[^>]*disabled=""[^>]*data-testid="${id}"|<button[^>]*data-testid="${id}"[^>]*disabled=""`).test(train);
    expect(disabled('train-start')).toBe(false);
    expect(disabled('train-pause')).toBe(true);
    expect(disabled('train-resume')).toBe(true);
    expect(disabled('train-stop')).toBe(true);
  });

  it('makes Resume the primary action of a paused run, asks before a new one, and locks what the run keeps', () => {
    const train = render(pausedRun());
    const button = (id: string) => new RegExp(`<button[^>]*data-testid="${id}"[^>]*>([^<]*)<`).exec(train);
    expect(button('train-resume')?.[0]).toMatch(/class="button button-big button-primary"/);
    expect(button('train-resume')?.[0]).toContain('data-primary=""');
    expect(button('train-start')?.[1]).toBe('Train a new run…');
    expect(button('train-start')?.[0]).not.toContain('button-primary');
    // Batch size shapes the steps taken: read-only, with the reason for hover and focus.
    expect(train).toMatch(/readOnly=""[^>]*aria-disabled="true"[^>]*data-testid="setting-batchSize"|data-testid="setting-batchSize"[^>]*readOnly=""/);
    expect(train).toContain('Fixed for this paused run');
    // 8 rows at batch 16 is 1 step an epoch: 4 epochs end at step 4, counted from the edited epochs.
    expect(train).toContain('Step 1 of 4 · epoch 1 of 4 (as edited, from Resume on)');
  });

  it('marks a field that is not a number and says why Train waits', () => {
    const store = finishedRun('train');
    store.getState().setSettingText('learningRate', 'abc');
    const train = render(store);
    expect(train).toMatch(/aria-invalid="true"[^>]*data-testid="setting-learningRate"/);
    expect(train).toContain('Learning rate must be a number, not “abc”');
    expect(/<button[^>]*data-testid="train-start"[^>]*>/.exec(train)?.[0]).toContain('disabled=""');
    expect(train).toContain('data-testid="train-blocker">Fix the settings first. Learning rate must be a number, not “abc”.<');
  });

  it('offers full fine-tune, LoRA and head only with what each holds in GPU memory, and suggests LoRA when a full fine-tune does not fit', () => {
    const store = finishedRun('train');
    const s = store.getState();
    const totalByMethod = { full: 3e9, lora: 1.2e9, 'head-only': 0.9e9 };
    store.setState({
      training: { ...s.training, status: 'idle', gpuMemoryBudgetMb: 2000 },
      model: { ...s.model, memory: { batchSize: 16, seqLength: 128, parameters: 1, parameterBytes: 4, optimizerBytes: 8, workingBytes: 1, totalBytes: 3e9, method: 'full', totalByMethod } },
    });
    const train = render(store);
    expect(train).toMatch(/data-testid="method-full"[^>]*checked=""/);
    expect(train).toMatch(/LoRA \(less memory\)[\s\S]*about 1\.2 GB of GPU memory/);
    expect(train).toContain('data-testid="method-suggestion"');
    expect(train).not.toContain('setting-loraR');
    store.getState().setSetting('method', 'lora');
    const lora = render(store);
    expect(lora).toMatch(/data-testid="method-lora"[^>]*checked=""|checked=""[^>]*data-testid="method-lora"/);
    expect(lora).toContain('setting-loraR');
    expect(lora).not.toContain('data-testid="method-suggestion"');
  });

  it('shows the chance level beside the accuracy', () => {
    expect(render(finishedRun('evaluate'))).toMatch(/data-testid="chance-level"[\s\S]*50\.0%[\s\S]*chance level[\s\S]*equally common/);
  });
});

/** The evaluate screen of a finished run of another task, with its evaluation and a try-it answer. */
function evaluated(task: TaskId, metrics: TaskMetrics, details: EvaluationDetails, prediction: TaskPrediction, data: Partial<DatasetSummary> = {}): string {
  const store = finishedRun('evaluate');
  const s = store.getState();
  store.setState({
    dataset: { ...s.dataset, summary: { ...summary, ...data } },
    training: { ...s.training, task, evals: [{ step: 1, epoch: 1, trainLoss: 0.7, metrics }] },
    evaluation: { ...s.evaluation, metrics, details, tryText: 'typed', tryResult: { text: 'typed', prediction } },
  });
  return render(store);
}

describe('Evaluate per task', () => {
  it('shows multi-label scores at the threshold, the threshold control, per-label scores and try-it labels at the threshold', () => {
    const labels = ['joy', 'love', 'anger'];
    const scores = multiLabelMetrics(Float32Array.of(2, -1, -3, 1, 1, -2), [1, 0, 0, 1, 1, 0], labels, 0.5);
    const html = evaluated(
      'multi-label',
      { task: 'multi-label', ...scores },
      { task: 'multi-label', worst: [{ index: 1, text: 'so sweet', truth: ['joy', 'love'], predicted: ['joy'], loss: 0.4 }] },
      { task: 'multi-label', labels: ['joy'], probabilities: { joy: 0.9, love: 0.35, anger: 0.6 }, logits: [0, 0, 0] },
    );
    expect(html).toContain(`data-testid="eval-micro-f1">${scores.microF1.toFixed(3)}<`);
    expect(html).toContain('data-testid="eval-subset-accuracy">1.000<');
    expect(html).toMatch(/data-testid="threshold-input"[^>]*value="0.5"/);
    expect(html).toContain(`Tune on validation: ${scores.tuned.threshold.toFixed(2)}`);
    expect(html).toMatch(/data-testid="per-label"[\s\S]*joy[\s\S]*love[\s\S]*anger/);
    // Ticked, and said in words, at or above 0.5: joy and anger, most likely first; love is not.
    expect(html).toMatch(/data-testid="try-labels"><span class="try-label">joy, anger</);
    expect(html.match(/role="img" aria-label="predicted"/g)).toHaveLength(2);
    expect(html.match(/class="prob-threshold" style="left:50.0%"/g)).toHaveLength(3);
    expect(html).toMatch(/data-testid="worst-rows"[\s\S]*so sweet[\s\S]*joy, love[\s\S]*>joy</);
    expect(html).not.toContain('confusion-matrix');
  });

  it('says on the Export screen which threshold a multi-label model\'s config.json keeps, and none for another task', () => {
    const store = finishedRun('export');
    expect(render(store)).not.toContain('export-threshold');
    const s = store.getState();
    store.setState({ training: { ...s.training, task: 'multi-label' }, evaluation: { ...s.evaluation, threshold: 0.35 } });
    const html = render(store);
    expect(html).toContain('data-testid="export-threshold">config.json keeps the decision threshold set on the Evaluate screen, 0.35, as <code>multi_label_threshold</code>');
    // The examples to use it are this task's, the threshold read from config.json.
    expect(html).toMatch(/data-testid="usage-python">[^]*torch\.sigmoid[^]*# 0\.35/);
    expect(html).toMatch(/data-testid="usage-js">[^]*top_k: null[^]*multi_label_threshold; \/\/ 0\.35/);
  });

  it('shows regression scores, the predicted-against-true plot, the largest errors and the predicted score', () => {
    const points = [
      { index: 0, truth: 1, predicted: 1.5 },
      { index: 1, truth: 4, predicted: 2 },
    ];
    const html = evaluated(
      'regression',
      { task: 'regression', loss: 2.125, mse: 2.125, pearson: 1, spearman: 1, examples: 2 },
      { task: 'regression', worst: [{ ...points[1]!, text: 'two dogs run' }], points },
      { task: 'regression', score: 3.21, logits: [3.21] },
      { mapping: { text: 'sentence1', textPair: 'sentence2', label: 'score' }, scores: { min: 0, max: 5, mean: 2.7, bins: [] } },
    );
    expect(html).toContain('data-testid="eval-mse">2.125<');
    expect(html).toContain('data-testid="eval-pearson">1.000<');
    expect(html).toContain('data-testid="eval-spearman">1.000<');
    expect(html).toMatch(/data-testid="regression-scatter" data-points="2"/);
    expect(html).toMatch(/two dogs run<\/td><td>4.00<\/td><td>2.00<\/td><td class="wrong">−2.00</);
    expect(html).toContain('data-testid="try-score">3.210<');
    expect(html).toMatch(/data-testid="try-score-range">[\s\S]*the training scores run from 0.00 to 5.00, 2.70 on average/);
    // Trained on pairs: Try it asks for both texts.
    expect(/<input[^>]*data-testid="try-pair-input"[^>]*>/.exec(html)?.[0]).toContain('aria-label="The second text of the pair (sentence2)"');
  });

  it('shows entity scores per type and marks the entities of the typed sentence with their type in words', () => {
    const html = evaluated(
      'token-classification',
      {
        task: 'token-classification',
        precision: 0.5,
        recall: 1,
        f1: 2 / 3,
        accuracy: 0.75,
        words: 4,
        loss: 0.3,
        examples: 1,
        perType: [{ type: 'person', precision: 0.5, recall: 1, f1: 2 / 3, support: 1, predicted: 2 }],
      },
      { task: 'token-classification', worst: [{ index: 0, words: ['Ada', 'met', 'Bob'], truth: ['B-person', 'O', 'O'], predicted: ['B-person', 'O', 'B-person'], wrongWords: 1 }] },
      {
        task: 'token-classification',
        words: [
          { word: 'Ada', tag: 'B-person', score: 0.9 },
          { word: 'Lovelace', tag: 'I-person', score: 0.8 },
          { word: 'wrote', tag: 'O', score: 0.99 },
        ],
        entities: [{ entity: 'person', start: 0, end: 2, text: 'Ada Lovelace' }],
      },
    );
    expect(html).toContain('data-testid="eval-entity-f1">0.667<');
    expect(html).toContain('data-testid="eval-token-accuracy">0.750<');
    expect(html).toMatch(/data-testid="per-entity-type"[\s\S]*person<\/td><td>50.0%<\/td><td>100.0%<\/td><td>0.667<\/td><td>1<\/td><td>2</);
    expect(html).toMatch(/<mark class="entity" data-testid="try-entity" data-entity="person">Ada Lovelace <span class="entity-type">person<\/span><\/mark> wrote/);
    expect(html).toMatch(/data-testid="try-tags"[\s\S]*Lovelace<\/td><td class="label-cell">I-person</);
    expect(html).toMatch(/Ada met <span><mark class="tag-mistake">Bob <span class="entity-type">O → B-person/);
  });
});


describe('roundedDomain', () => {
  it('gives both scatter axes one range that starts and ends on a round step', () => {
    expect(roundedDomain([0, 5, 0.21, 4.8])).toEqual([0, 5]);
    expect(roundedDomain([-0.3, 5.3])).toEqual([-1, 6]);
    const [from, to] = roundedDomain([0.423, 0.468]);
    expect(from).toBeCloseTo(0.42, 10);
    expect(to).toBeCloseTo(0.47, 10);
    expect(roundedDomain([2, 2])).toEqual([2, 2.2]);
  });
});

/** A screen of the finished run whose dataset is read for another task. */
function withDataset(screen: Screen, changes: Partial<DatasetSummary>, task: TaskId | null = null, metrics: TaskMetrics | null = null): string {
  const store = finishedRun(screen);
  const s = store.getState();
  store.setState({
    dataset: { ...s.dataset, summary: { ...summary, ...changes } },
    training: { ...s.training, task, ...(metrics ? { evals: [{ step: 1, epoch: 1, trainLoss: 0.7, metrics }] } : {}) },
  });
  return render(store);
}

describe('Data and Train screens per task', () => {
  const multiLabelTask = { id: 'multi-label', guess: { id: 'multi-label', reason: 'some rows have several labels (such as "joy;love")' }, chosen: false, labelOptions: { labelSeparator: '|' } } as const;

  it('names the guessed task with its reason, offers the others, and shows the separator for multi-label', () => {
    const html = withDataset('data', { task: multiLabelTask });
    expect(html).toContain('<strong>Task: Multi-label classification</strong> — some rows have several labels (such as &quot;joy;love&quot;)');
    expect(html).toMatch(/data-testid="task-select"[\s\S]*Single-label classification[\s\S]*Multi-label classification \(suggested\)[\s\S]*Regression/);
    expect(html).toMatch(/data-testid="label-separator"[^>]*value="\|"/);
    expect(html).toContain('Rows per label (a row counts for each of its labels)');
    const chosen = withDataset('data', { task: { ...multiLabelTask, id: 'single-label', chosen: true } });
    expect(chosen).toContain('(chosen; the labels suggest multi-label classification: some rows have several labels');
    expect(chosen).not.toContain('label-separator');
  });

  it('opens the collapsed tag names field while the error about unnamed tag ids is up, with a button to it in the banner', () => {
    const collapsed = render(finishedRun('data', 'ids.jsonl, line 1: bad'));
    expect(collapsed).toMatch(/<details class="tag-names"><summary>/);
    const store = finishedRun('data');
    const s = store.getState();
    store.setState({ ui: { ...s.ui, error: { scope: 'data', message: 'ids.jsonl, line 1: "ner_tags" holds tag ids', fix: { kind: 'tag-names' } } } });
    const html = render(store);
    expect(html).toMatch(/<details class="tag-names" open=""><summary>Tagged sentences whose tags are numbers\?<\/summary>/);
    expect(html).toMatch(/data-testid="error-fix">Type the tag names</);
  });

  it('shows a regression dataset’s scores instead of rows per label', () => {
    const scores = { min: 0, max: 5, mean: 2.7, bins: [{ from: 0, to: 2.5, train: 3, validation: 1 }, { from: 2.5, to: 5, train: 5, validation: 1 }] };
    const html = withDataset('data', { task: { ...multiLabelTask, id: 'regression', guess: { id: 'regression', reason: 'every label is a number and some have decimals (such as "3.8")' } }, labels: ['LABEL_0'], scores });
    expect(html).toContain('a score per row, from 0.00 to 5.00 (mean 2.70)');
    expect(testIds(html)).toContain('score-chart');
    expect(testIds(html)).not.toContain('label-chart');
  });

  it('shows tagged sentences as token classification with entities per type, and no column or task choice', () => {
    const task = { id: 'token-classification', guess: { id: 'token-classification', reason: 'the file holds tagged sentences (a tag per word)' }, chosen: false, labelOptions: { labelSeparator: ';' } } as const;
    const html = withDataset('data', { task, tagged: true, labels: ['O', 'B-PER', 'I-PER'], entities: { types: ['PER'], train: [4], validation: [1] } });
    expect(html).toContain('<strong>Task: Token classification (NER)</strong> — the file holds tagged sentences (a tag per word)');
    expect([...testIds(html)]).toEqual(expect.arrayContaining(['entity-chart', 'label-chart', 'tag-names']));
    expect([...testIds(html)]).not.toEqual(expect.arrayContaining(['task-select']));
    expect([...testIds(html)]).not.toEqual(expect.arrayContaining(['column-text']));
  });

  it('says on the Model screen that a model fine-tuned for three labels gets a new head for the data’s two, naming both', () => {
    const store = finishedRun('model');
    const s = store.getState();
    store.setState({ model: { ...s.model, summary: { ...model, fineTunedLabels: ['neg', 'neutral', 'pos'] } } });
    expect(render(store)).toContain(
      'prajjwal1/bert-tiny was fine-tuned for 3 labels (neg, neutral, pos), and this data has 2 labels (neg, pos): a new classification head is trained for them, as from_pretrained(..., ignore_mismatched_sizes=True) does.',
    );
  });

  it('scores each epoch with the task’s own metrics on the Train screen, and offers them for the best model', () => {
    const regression = withDataset('train', {}, 'regression', { task: 'regression', loss: 0.5, mse: 0.5, pearson: 0.8125, spearman: 0.75, examples: 2 });
    expect(regression).toMatch(/<th>Pearson’s r<\/th><\/tr>/);
    expect(regression).not.toContain('<th>Accuracy</th>');
    expect(regression).toContain('<td>0.813</td>');
    expect(regression).toMatch(/data-testid="setting-metricForBestModel"[\s\S]*?<option value="macroF1"[^>]*>the highest Pearson’s r<\/option><option value="loss"[^>]*>the lowest validation MSE<\/option><\/select>/);
    const ner = withDataset('train', {}, 'token-classification', { task: 'token-classification', precision: 0.5, recall: 1, f1: 2 / 3, accuracy: 0.75, words: 4, loss: 0.3, examples: 1, perType: [] });
    expect(ner).toContain('<th>Token accuracy</th><th>Entity F1</th>');
    expect(ner).toContain('<td>75.0%</td><td>0.667</td>');
  });
});

describe('Runs', () => {
  it('plots each run’s headline score named by its task, and shows a regression run’s best MSE and Pearson’s r as numbers, not shares', () => {
    const store = finishedRun('runs');
    const s = store.getState();
    const record = (id: string, metricForBestModel: 'loss' | 'accuracy', evalMetrics: TaskMetrics): RunRecord => ({
      id,
      name: `run ${id}`,
      createdAt: '2026-01-01T10:00:00.000Z',
      updatedAt: '2026-01-01T10:05:00.000Z',
      model: { name: model.name, className: model.className, parameters: 4_000_000 },
      dataset: { name: 'stsb.csv', fingerprint: 'f', trainRows: 8, validationRows: 2 },
      labels: ['score'],
      settings: { ...defaultSettings, metricForBestModel },
      backend: null,
      status: 'finished',
      steps: [],
      evals: [{ step: 1, epoch: 1, trainLoss: null, metrics: evalMetrics }],
      trainingMs: 1000,
      pinned: false,
    });
    const regression = { task: 'regression', loss: 0.5, mse: 0.5, pearson: 0.8125, spearman: 0.75, examples: 2 } as const;
    store.setState({ runs: { ...s.runs, records: [record('a', 'loss', regression), record('b', 'accuracy', regression)], selected: ['a', 'b'] } });
    const html = render(store);
    expect(html).toContain('data-testid="runs-metric-axes">x: epoch · y: Pearson’s r</p>');
    expect(html.match(/data-testid="run-best">[^<]*</g)).toEqual(['data-testid="run-best">validation MSE 0.5000 (epoch 1)<', 'data-testid="run-best">Pearson’s r 0.813 (epoch 1)<']);
  });
});
