/**
 * What the benchmark page asks its worker for and what comes back: one training-step
 * measurement per worker, so each run's GPU memory peak is its own. Shared by
 * workers/bench.worker.ts, src/bench-page/ and bench/browser-bench.ts.
 */
export type BenchBackendName = 'webgpu' | 'wasm';
export type BenchMethod = 'full' | 'lora';

export interface BenchRequest {
  readonly backend: BenchBackendName;
  readonly preset: string;
  readonly method: BenchMethod;
  readonly batch: number;
  readonly seq: number;
  /** Timed steps, after `warmup` untimed ones. */
  readonly steps: number;
  readonly warmup: number;
}

/**
 * One JSON line, the same fields `npm run bench` prints for its Node backends where they apply,
 * plus what a GPU pays for. Times on a software adapter (SwiftShader) are no speed claim; the
 * counts and bytes are the same on any adapter.
 */
export interface BenchLine {
  readonly backend: 'ort-web-webgpu' | 'ort-web-wasm-browser';
  readonly preset: string;
  readonly method: BenchMethod;
  readonly seq: number;
  readonly batch: number;
  readonly steps: number;
  readonly warmup: number;
  readonly step_ms_median: number;
  readonly samples_per_s: number;
  readonly first_step_ms: number;
  /** Compile and session creation. */
  readonly create_ms: number;
  readonly loss: number;
  /** Compute dispatches of the last timed step (WebGPU): the train-step graph's and the optimizer's. */
  readonly kernels_per_step: number | null;
  readonly graph_kernels_per_step: number | null;
  readonly optimizer_kernels_per_step: number | null;
  /** Nodes of the compiled train step. */
  readonly nodes_per_step: number;
  /** The largest sum of live GPU buffers over the run, and what the studio estimated before it (MiB). */
  readonly gpu_peak_mb: number | null;
  readonly gpu_estimate_mb: number | null;
  readonly adapter: string | null;
  /** The backend as the studio names it: the adapter, or the WASM thread count. */
  readonly backend_description: string;
  readonly user_agent: string;
}

export type BenchReply =
  | { readonly type: 'progress'; readonly text: string }
  | { readonly type: 'result'; readonly line: BenchLine }
  | { readonly type: 'failed'; readonly error: string };
