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
  // onnxruntime-web runs its thread pool on Node worker threads too; bench/README.md measured
  // 2 threads 35-47% faster than 1. Beyond 4 its small kernels stop scaling.
  const threads = Math.max(1, Math.min(4, os.availableParallelism()));
  ort.env.wasm.numThreads = threads;
  return { name: 'wasm', ort, description: `onnxruntime-web WASM (${threads} thread${threads === 1 ? '' : 's'})` };
}
