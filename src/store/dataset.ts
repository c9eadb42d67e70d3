import { patch } from './patch.ts';
import { effectiveMaxLength, isTraining, settingFieldProblems } from './training.ts';
import type { DatasetSource, RowSample } from '../../workers/protocol.ts';
import type { DatasetSlice, GetState, HubDatasetForm, SliceCreator } from './types.ts';

/** The built-in demo: short reviews written for the studio, two labels, a few hundred rows. */
export const DEMO_DATASET = { path: 'demo/reviews.csv', fileName: 'reviews.csv' } as const;

/** A classroom-sized start: a few hundred rows train in minutes on a laptop. */
const initialHubForm: HubDatasetForm = {
  idInput: 'stanfordnlp/imdb',
  token: '',
  looking: false,
  info: null,
  split: 'train',
  validationSplit: null,
  sample: 'random',
  sampleRows: 300,
  sampleSeed: 42,
  mapping: null,
};

function sampleOf(form: HubDatasetForm): RowSample {
  if (form.sample === 'all') return { kind: 'all' };
  return form.sample === 'first' ? { kind: 'first', rows: form.sampleRows } : { kind: 'random', rows: form.sampleRows, seed: form.sampleSeed };
}

/** A run tokenized the dataset when it started; while it trains, the data stays as the run knows it. */
export const DATASET_LOCKED = 'Training is running, so the dataset stays as it is. Pause or stop the run first; a new dataset is used by the next run.';

function lockedByRun(get: GetState): boolean {
  if (!isTraining(get().training.status)) return false;
  get().showError('data', DATASET_LOCKED);
  return true;
}

export const createDatasetSlice: SliceCreator<DatasetSlice> = (set, get, deps) => ({
  dataset: { summary: null, loading: null, tokenStats: null, previewRow: 0, fromSavedRun: false, hub: initialHubForm, pendingValidation: null, tagNamesWanted: false },
  setHubForm(fields) {
    patch(set, get, 'dataset', { hub: { ...get().dataset.hub, ...fields } });
  },
  lookUpHubDataset(config) {
    const { hub } = get().dataset;
    const id = hub.idInput.trim();
    if (id === '') return get().showError('data', 'Type a dataset id first, like "stanfordnlp/imdb" or "dair-ai/emotion".');
    get().clearError('data');
    get().setHubForm({ looking: true, ...(config === undefined ? { info: null, mapping: null } : {}) });
    deps.data.post({ type: 'hub-dataset-lookup', id, config: config ?? null, access: { endpoint: get().ui.hubEndpoint, token: hub.token.trim() || null } });
  },
  loadHubDataset() {
    if (lockedByRun(get)) return;
    const { hub } = get().dataset;
    if (!hub.info) return get().showError('data', 'Look the dataset up first.');
    if (hub.sample !== 'all' && !(Number.isInteger(hub.sampleRows) && hub.sampleRows >= 1)) return get().showError('data', `The number of rows to sample must be a whole number of at least 1, got ${hub.sampleRows}.`);
    get().clearError('data');
    const base = { kind: 'hub', id: hub.info.id, config: hub.info.config.name, sample: sampleOf(hub), access: { endpoint: get().ui.hubEndpoint, token: hub.token.trim() || null } } as const;
    const validation: DatasetSource | null = hub.validationSplit ? { ...base, split: hub.validationSplit, mapping: null } : null;
    patch(set, get, 'dataset', { loading: { role: 'main', fileName: `${hub.info.id} · ${hub.split}`, phase: 'reading', fraction: 0 }, pendingValidation: validation });
    deps.data.post({ type: 'load-dataset', role: 'main', source: { ...base, split: hub.split, mapping: hub.mapping ?? hub.info.guess } });
  },
  loadDatasetFile(file) {
    if (lockedByRun(get)) return;
    patch(set, get, 'dataset', { loading: { role: 'main', fileName: file.name, phase: 'reading', fraction: 0 } });
    deps.data.post({ type: 'load-dataset', role: 'main', source: { kind: 'file', file } });
  },
  loadValidationFile(file) {
    if (lockedByRun(get)) return;
    patch(set, get, 'dataset', { loading: { role: 'validation', fileName: file.name, phase: 'reading', fraction: 0 } });
    deps.data.post({ type: 'load-dataset', role: 'validation', source: { kind: 'file', file } });
  },
  removeValidationFile() {
    if (lockedByRun(get)) return;
    deps.data.post({ type: 'remove-validation-file' });
  },
  loadDemoDataset() {
    if (lockedByRun(get)) return;
    const { path, fileName } = DEMO_DATASET;
    patch(set, get, 'dataset', { loading: { role: 'main', fileName, phase: 'reading', fraction: 0 } });
    deps.data.post({ type: 'load-dataset', role: 'main', source: { kind: 'url', url: deps.assetUrl(path), fileName } });
  },
  setMapping(mapping) {
    if (lockedByRun(get)) return;
    deps.data.post({ type: 'set-mapping', mapping });
  },
  setTask(task) {
    if (lockedByRun(get)) return;
    const summary = get().dataset.summary;
    if (!summary) return;
    deps.data.post({ type: 'set-task', task, labelOptions: summary.task.labelOptions });
  },
  setLabelSeparator(separator) {
    if (lockedByRun(get)) return;
    const summary = get().dataset.summary;
    if (!summary) return;
    deps.data.post({ type: 'set-task', task: summary.task.chosen ? summary.task.id : null, labelOptions: { ...summary.task.labelOptions, labelSeparator: separator } });
  },
  setTagNames(text) {
    if (lockedByRun(get)) return;
    const names = text.split(',').map((name) => name.trim());
    if (text.trim() !== '' && names.some((name) => name === '' || /\s/.test(name))) {
      return get().showError('data', `Tag names are names without spaces separated by commas, such as O,B-PER,I-PER; got “${text}”.`);
    }
    get().clearError('data');
    deps.data.post({ type: 'set-tag-names', tagNames: text.trim() === '' ? null : names });
  },
  tagNamesFocused() {
    patch(set, get, 'dataset', { tagNamesWanted: false });
  },
  setSplit(split) {
    if (lockedByRun(get)) return;
    deps.data.post({ type: 'set-split', split });
  },
  nextTokenPreview() {
    patch(set, get, 'dataset', { previewRow: get().dataset.previewRow + 1 });
    get().requestTokenStats();
  },
  requestTokenStats() {
    const s = get();
    if (!s.dataset.summary || s.dataset.fromSavedRun || !s.model.tokenizerReady || settingFieldProblems(s).maxLength !== undefined) return;
    deps.data.post({ type: 'token-stats', maxLength: effectiveMaxLength(s), previewRow: s.dataset.previewRow });
  },
});
