import { patch } from './patch.ts';
import { effectiveMaxLength } from './training.ts';
import type { DatasetSlice, SliceCreator } from './types.ts';

/** The built-in demo: short reviews written for the studio, two labels, a few hundred rows. */
export const DEMO_DATASET = { path: 'demo/reviews.csv', fileName: 'reviews.csv' } as const;

export const createDatasetSlice: SliceCreator<DatasetSlice> = (set, get, deps) => ({
  dataset: { summary: null, loading: null, tokenStats: null, previewRow: 0, fromSavedRun: false },
  loadDatasetFile(file) {
    patch(set, get, 'dataset', { loading: { role: 'main', fileName: file.name, phase: 'reading', fraction: 0 } });
    deps.data.post({ type: 'load-dataset', role: 'main', source: { kind: 'file', file } });
  },
  loadValidationFile(file) {
    patch(set, get, 'dataset', { loading: { role: 'validation', fileName: file.name, phase: 'reading', fraction: 0 } });
    deps.data.post({ type: 'load-dataset', role: 'validation', source: { kind: 'file', file } });
  },
  removeValidationFile() {
    deps.data.post({ type: 'remove-validation-file' });
  },
  loadDemoDataset() {
    const { path, fileName } = DEMO_DATASET;
    patch(set, get, 'dataset', { loading: { role: 'main', fileName, phase: 'reading', fraction: 0 } });
    deps.data.post({ type: 'load-dataset', role: 'main', source: { kind: 'url', url: deps.assetUrl(path), fileName } });
  },
  setMapping(mapping) {
    deps.data.post({ type: 'set-mapping', mapping });
  },
  setSplit(split) {
    deps.data.post({ type: 'set-split', split });
  },
  nextTokenPreview() {
    patch(set, get, 'dataset', { previewRow: get().dataset.previewRow + 1 });
    get().requestTokenStats();
  },
  requestTokenStats() {
    const s = get();
    if (!s.dataset.summary || s.dataset.fromSavedRun || !s.model.tokenizerReady) return;
    deps.data.post({ type: 'token-stats', maxLength: effectiveMaxLength(s), previewRow: s.dataset.previewRow });
  },
});
