/**
 * The data worker: parses dataset files, splits them, and tokenizes with transformers.js, so
 * none of it runs on the page's thread. The work itself is DataService; this file only
 * connects it to messages and to the files the app serves.
 */
/// <reference lib="webworker" />
import asyncifyMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import asyncifyWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import { cacheStorageFileCache, type FileCache } from '../src/hub/hub-client.ts';
import { createTokenizer } from '../src/tokenize/tokenizer.ts';
import { DataService } from './data-service.ts';
import { type DataReply, type DataRequest, type ErrorScope, transferablesOf } from './protocol.ts';
import { configureTransformersEnv } from './transformers-env.ts';

declare const self: DedicatedWorkerGlobalScope;

function send(reply: DataReply): void {
  self.postMessage(reply, transferablesOf(reply));
}

const service = new DataService({
  send,
  createTokenizer,
  async configure(hubEndpoint) {
    const { env } = await import('@huggingface/transformers');
    configureTransformersEnv(env, { hubEndpoint, wasm: { wasm: absolute(asyncifyWasmUrl), mjs: absolute(asyncifyMjsUrl) } });
  },
  fetch: (input, init) => fetch(input, init),
  now: () => performance.now(),
  hubCache: datasetCache(),
});

function datasetCache(): FileCache | undefined {
  try {
    return cacheStorageFileCache('finetune-studio-datasets');
  } catch {
    // Without Cache Storage (plain http on a LAN address) Hub datasets still load, just not kept.
    return undefined;
  }
}

function absolute(url: string): string {
  return new URL(url, self.location.href).href;
}

/** The screen that asked: where the error is shown. */
function scopeOf(request: DataRequest): ErrorScope {
  switch (request.type) {
    case 'encode':
      return 'evaluate';
    case 'set-tokenizer':
      return 'model';
    case 'tokenize':
      return 'train';
    case 'split-rows':
      return 'export';
    default:
      return 'data';
  }
}

// Requests run one at a time, in order: a mapping change never races the file it applies to.
let queue = Promise.resolve();
self.onmessage = (event: MessageEvent<DataRequest>) => {
  const request = event.data;
  queue = queue.then(() =>
    service.handle(request).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      send({ type: 'error', scope: scopeOf(request), message });
    }),
  );
};
