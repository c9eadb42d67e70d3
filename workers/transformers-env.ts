/**
 * transformers.js settings for the studio. On import it points onnxruntime-web at a CDN and
 * reads models from huggingface.co; the studio serves the wasm files itself (no third party
 * sees a request, and offline classrooms work) and follows the Hub address the user set.
 */

/** The part of transformers.js' `env` the studio sets. */
export interface TransformersEnv {
  allowRemoteModels: boolean;
  allowLocalModels: boolean;
  remoteHost: string;
  backends: { onnx: { wasm?: { wasmPaths?: unknown } } };
}

export interface ServedWasm {
  /** URLs of the asyncify build, the one transformers.js' WebGPU-capable bundle loads. */
  readonly wasm: string;
  readonly mjs: string;
}

export function configureTransformersEnv(env: TransformersEnv, options: { hubEndpoint: string; wasm: ServedWasm }): void {
  // transformers.js joins remoteHost and the model path without adding a '/'.
  env.remoteHost = `${options.hubEndpoint.replace(/\/+$/, '')}/`;
  env.allowRemoteModels = true;
  // Browsers have no local model folder to read from; every file comes through the Hub client.
  env.allowLocalModels = false;
  const wasmEnv = env.backends.onnx.wasm;
  if (wasmEnv) wasmEnv.wasmPaths = { wasm: options.wasm.wasm, mjs: options.wasm.mjs };
}
