import { patch } from './patch.ts';
import { effectiveMaxLength, isTraining } from './training.ts';
import { fineTuneMethodOf } from '../engine/settings.ts';
import { DEFAULT_TASK } from '../engine/tasks/index.ts';
import type { ModelSlice, SliceCreator } from './types.ts';

/** The vocabulary a from-scratch model uses: bert-base-uncased's WordPiece, served by the app for offline classrooms. */
export const SCRATCH_VOCAB_PATH = 'tokenizers/bert-base-uncased/vocab.txt';

export const MODEL_LOCKED = 'Training is running, so the model stays as it is. Pause or stop the run first; another model is used by the next run.';

export const createModelSlice: SliceCreator<ModelSlice> = (set, get, deps) => {
  /** Whether loading may begin: not while a run trains, since the run holds the model it started with. */
  const begin = (what: string): boolean => {
    if (isTraining(get().training.status)) {
      get().showError('model', MODEL_LOCKED);
      return false;
    }
    patch(set, get, 'model', { loading: { what, progress: null }, hubUnreachable: false });
    get().clearError('model');
    return true;
  };
  return {
    model: { idInput: 'prajjwal1/bert-tiny', summary: null, loading: null, tokenizerReady: false, hubUnreachable: false, memory: null },
    setModelIdInput(idInput) {
      patch(set, get, 'model', { idInput });
    },
    loadHubModel(id) {
      const modelId = (id ?? get().model.idInput).trim();
      patch(set, get, 'model', { idInput: modelId });
      if (!begin(`Downloading ${modelId}`)) return;
      deps.train.post({ type: 'load-model', source: { kind: 'hub', id: modelId, endpoint: get().ui.hubEndpoint } });
    },
    loadModelFolder(files) {
      const folder = files[0]?.path.split('/')[0] ?? 'folder';
      if (!begin(`Reading the folder ${folder}`)) return;
      deps.train.post({ type: 'load-model', source: { kind: 'folder', files } });
    },
    estimateMemory() {
      const s = get();
      if (!s.model.summary || s.model.summary.source === 'saved-run' || s.model.loading) return;
      const { batchSize, gradAccumulation } = s.training.settings;
      const numLabels = s.dataset.summary?.labels.length ?? 2;
      deps.train.post({ type: 'estimate-memory', task: s.dataset.summary?.task.id ?? DEFAULT_TASK, numLabels, batchSize, maxLength: effectiveMaxLength(s), gradAccumulation, method: fineTuneMethodOf(s.training.settings) });
    },
    loadScratchModel(size) {
      if (!begin(`Setting up a ${size} model from scratch`)) return;
      deps.train.post({ type: 'load-model', source: { kind: 'scratch', size, vocabUrl: deps.assetUrl(SCRATCH_VOCAB_PATH) } });
    },
  };
};
