/** The onnxruntime module behind each CLI backend, loaded only when chosen. */
import os from 'node:os';
import type { Backend } from '../engine/runtime.ts';
import type { BackendChoice } from './args.ts';

export async function backendFor(choice: BackendChoice): Promise<Backend> {
  if (choice === 'cpu') {
    const ort = await import('onnxruntime-node');
    return { name: 'cpu', ort, description: `onnxruntime-node CPU (${os.cpus().length} threads)` };
  }
  const ort = await import('onnxruntime-web');
  // Node has no SharedArrayBuffer-backed worker threads for onnxruntime-web: one thread.
  ort.env.wasm.numThreads = 1;
  return { name: 'wasm', ort, description: 'onnxruntime-web WASM (1 thread)' };
}
