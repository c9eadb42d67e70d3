import { patch } from './patch.ts';
import type { ModelSlice, SliceCreator } from './types.ts';

/** The vocabulary a from-scratch model uses: bert-base-uncased's WordPiece, served by the app for offline classrooms. */
export const SCRATCH_VOCAB_PATH = 'tokenizers/bert-base-uncased/vocab.txt';

export const createModelSlice: SliceCreator<ModelSlice> = (set, get, deps) => {
  const begin = (what: string) => {
    patch(set, get, 'model', { loading: { what, progress: null }, hubUnreachable: false });
    if (get().ui.error?.scope === 'model') get().dismissError();
  };
  return {
    model: { idInput: 'prajjwal1/bert-tiny', summary: null, loading: null, tokenizerReady: false, hubUnreachable: false },
    setModelIdInput(idInput) {
      patch(set, get, 'model', { idInput });
    },
    loadHubModel(id) {
      const modelId = (id ?? get().model.idInput).trim();
      patch(set, get, 'model', { idInput: modelId });
      begin(`Downloading ${modelId}`);
      deps.train.post({ type: 'load-model', source: { kind: 'hub', id: modelId, endpoint: get().ui.hubEndpoint } });
    },
    loadModelFolder(files) {
      const folder = files[0]?.path.split('/')[0] ?? 'folder';
      begin(`Reading the folder ${folder}`);
      deps.train.post({ type: 'load-model', source: { kind: 'folder', files } });
    },
    loadScratchModel(size) {
      begin(`Setting up a ${size} model from scratch`);
      deps.train.post({ type: 'load-model', source: { kind: 'scratch', size, vocabUrl: deps.assetUrl(SCRATCH_VOCAB_PATH) } });
    },
  };
};
