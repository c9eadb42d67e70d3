/**
 * The studio's entry: starts the two workers, the store that listens to them, and React.
 * Everything heavy (parsing, tokenizing, training) runs in the workers; this thread draws.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { type DataReply, type DataRequest, type TrainReply, type TrainRequest, transferablesOf } from '../workers/protocol.ts';
import { App } from './app/App.tsx';
import { downloadBytes } from './app/export/download.ts';
import './app/styles.css';
import { handleDataReply, handleTrainReply, handleTrainWorkerLost } from './store/replies.ts';
import { browserRunStore } from './runs/run-store.ts';
import { createStudioStore } from './store/store.ts';
import type { StoreDeps } from './store/types.ts';
import { settingsFromUrl } from './store/ui.ts';
import { StudioContext } from './store/useStudio.ts';

const dataWorker = new Worker(new URL('../workers/tokenize.worker.ts', import.meta.url), { type: 'module', name: 'data' });
let trainWorker: Worker;

const deps: StoreDeps = {
  data: { post: (request: DataRequest) => dataWorker.postMessage(request, transferablesOf(request)) },
  train: { post: (request: TrainRequest) => trainWorker.postMessage(request, transferablesOf(request)) },
  download: downloadBytes,
  assetUrl: (path) => new URL(path, document.baseURI).href,
  runs: browserRunStore(),
};

const store = createStudioStore(deps, settingsFromUrl(location.search));

/**
 * The train worker, replaced by a fresh one when it dies after it had started: an uncaught error
 * leaves its state unknown, and the run it held is in the browser's storage at its last
 * checkpoint. One that fails while loading is not restarted, which could only fail again.
 */
function startTrainWorker(): Worker {
  const worker = new Worker(new URL('../workers/train.worker.ts', import.meta.url), { type: 'module', name: 'train' });
  let started = false;
  worker.onmessage = (event: MessageEvent<TrainReply>) => {
    started = true;
    handleTrainReply(store, deps, event.data);
  };
  worker.onerror = (event) => {
    if (!started) {
      store.getState().showError('train', `The training worker stopped: ${event.message || 'it could not be loaded'}. Reload the page.`);
      return;
    }
    event.preventDefault();
    worker.terminate();
    trainWorker = startTrainWorker();
    handleTrainWorkerLost(store, deps, event.message || 'it crashed');
  };
  return worker;
}

trainWorker = startTrainWorker();
dataWorker.onmessage = (event: MessageEvent<DataReply>) => handleDataReply(store, deps, event.data);
// A worker that fails to load (an old browser, a blocked script) would otherwise fail silently.
dataWorker.onerror = (event) => store.getState().showError('data', `The data worker stopped: ${event.message || 'it could not be loaded'}. Reload the page.`);
store.getState().start();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <StudioContext.Provider value={store}>
      <App />
    </StudioContext.Provider>
  </StrictMode>,
);
