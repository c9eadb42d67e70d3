import { describe, expect, it } from 'vitest';
import { configureTransformersEnv, type TransformersEnv } from './transformers-env.ts';

describe('configureTransformersEnv', () => {
  it('serves the wasm files from the app and follows the studio’s Hub address', () => {
    const env: TransformersEnv = {
      allowRemoteModels: false,
      allowLocalModels: true,
      remoteHost: 'https://huggingface.co/',
      backends: { onnx: { wasm: { wasmPaths: 'https://cdn.jsdelivr.net/npm/onnxruntime-web/dist/' } } },
    };
    configureTransformersEnv(env, { hubEndpoint: 'http://127.0.0.1:4000//', wasm: { wasm: 'http://app/ort.wasm', mjs: 'http://app/ort.mjs' } });
    expect(env.remoteHost).toBe('http://127.0.0.1:4000/');
    expect(env.allowRemoteModels).toBe(true);
    expect(env.allowLocalModels).toBe(false);
    expect(env.backends.onnx.wasm!.wasmPaths).toEqual({ wasm: 'http://app/ort.wasm', mjs: 'http://app/ort.mjs' });
  });
});
