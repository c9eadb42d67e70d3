/**
 * The train worker: loads models, trains (WebGPU first, else WASM), saves the run in the
 * browser, evaluates and exports. The work itself is TrainService; this file connects it to
 * messages, to the browser's storage and to the onnxruntime bundles the app serves.
 */
/// <reference lib="webworker" />
import { cacheStorageFileCache, type FileCache } from '../src/hub/hub-client.ts';
import { chooseBackend, wasmBackend } from './backend.ts';
import { GpuMemoryError } from './gpu-budget.ts';
import { loadModel } from './model-loader.ts';
import { type TrainReply, type TrainRequest, transferablesOf } from './protocol.ts';
import { openBlobStore, SavedRun } from './saved-run.ts';
import { messageOf, TrainService } from './train-service.ts';

declare const self: DedicatedWorkerGlobalScope;

function send(reply: TrainReply): void {
  self.postMessage(reply, transferablesOf(reply));
}

function modelCache(): FileCache | undefined {
  try {
    return cacheStorageFileCache();
  } catch {
    // Without Cache Storage (plain http on a LAN address) models still load, just not kept.
    return undefined;
  }
}

let savedRun: Promise<SavedRun> | null = null;

const service = new TrainService({
  send,
  chooseBackend,
  wasmBackend,
  loadModel: (source, onProgress) => loadModel(source, { fetch: (input, init) => fetch(input, init), cache: modelCache(), onProgress }),
  savedRun: () => (savedRun ??= openBlobStore().then((store) => new SavedRun(store))),
});

const scopes: Partial<Record<TrainRequest['type'], 'model' | 'evaluate' | 'export'>> = {
  'load-model': 'model',
  'estimate-memory': 'model',
  evaluate: 'evaluate',
  rescore: 'evaluate',
  'inspect-rows': 'evaluate',
  classify: 'evaluate',
  export: 'export',
  'export-project': 'export',
  'export-checkpoint': 'export',
};

function fail(request: TrainRequest, error: unknown): void {
  const fix = error instanceof GpuMemoryError && error.fix ? { fix: error.fix } : {};
  send({ type: 'error', scope: scopes[request.type] ?? 'train', message: messageOf(error), hubUnreachable: TrainService.hubUnreachable(error), ...fix });
}

// Requests run in order, except Pause and Stop, which must reach a run while it trains.
let queue = Promise.resolve();
self.onmessage = (event: MessageEvent<TrainRequest>) => {
  const request = event.data;
  if (request.type === 'pause' || request.type === 'stop') {
    service.handle(request).catch((error: unknown) => fail(request, error));
    return;
  }
  queue = queue.then(() => service.handle(request).catch((error: unknown) => fail(request, error)));
};
