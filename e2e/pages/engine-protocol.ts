/**
 * What the engine test page asks its worker for and what comes back. Shared by
 * `engine-page.ts`, `engine-worker.ts` and `engine-webgpu.test.ts` (types only).
 */
export type EngineBackendName = 'webgpu' | 'wasm';

export interface EngineRunRequest {
  readonly backend: EngineBackendName;
  /** Optimizer updates to take. */
  readonly steps: number;
  readonly learningRate: number;
  readonly seed: number;
  /** 'full' fine-tunes every parameter; 'lora' trains LoRA adapters (r 4) and the classifier, with layer 0 frozen as well. */
  readonly method: 'full' | 'lora';
}

export interface AdapterSummary {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  readonly isFallbackAdapter: boolean | null;
}

/** Sums over every parameter value: equal models give equal sums, up to float rounding. */
export interface ParamChecksum {
  readonly count: number;
  readonly sum: number;
  readonly sumAbs: number;
  readonly sumSquares: number;
}

/** One session the trainer created, as the instrumented onnxruntime module saw it. */
export interface SessionRecord {
  readonly index: number;
  /** 'train_step' when the session has a `loss` output, 'eval_step' when it has `logits`. */
  readonly role: 'train_step' | 'eval_step' | 'other';
  readonly executionProviders: readonly string[];
  readonly inputCount: number;
  readonly outputCount: number;
  /** Outputs the trainer asked to keep on the device. */
  readonly preferredOutputLocation: Readonly<Record<string, string>>;
  /** ORT's log lines written while this session was created. */
  readonly creationLog: readonly string[];
}

/** Where the train step's state tensors were, run by run. */
export interface TrainRunRecord {
  /** Locations of the parameter feeds, counted. */
  readonly paramInputs: Readonly<Record<string, number>>;
  /**
   * Locations of what the step returns for the optimizer, counted: updated parameters and
   * moments (`*.next`, in-graph update) or gradients (`grad.*`, and `grad_rows.*` for embedding
   * tables, resident update).
   */
  readonly stateOutputs: Readonly<Record<string, number>>;
  readonly lossLocation: string;
  /** GPU compute dispatches during the run, bytes of the buffers it created, and live GPU bytes after it (WebGPU only; 0 elsewhere). */
  readonly dispatches: number;
  readonly bytesCreated: number;
  readonly liveBytesAfter: number;
}

/** The trainer's evaluation on the held-out rows; step 0 is before training. */
export interface EvalSummary {
  readonly step: number;
  readonly loss: number;
  readonly accuracy: number;
}

export interface EngineRunSuccess {
  readonly ok: true;
  readonly backend: EngineBackendName;
  readonly crossOriginIsolated: boolean;
  readonly numThreads: number;
  readonly adapter: AdapterSummary | null;
  readonly losses: readonly number[];
  readonly gradNorms: readonly number[];
  readonly learningRates: readonly number[];
  readonly evals: readonly EvalSummary[];
  readonly initialChecksum: ParamChecksum;
  readonly checksum: ParamChecksum;
  /** Parameters the run trained, and frozen ones whose values changed (none, if freezing works). */
  readonly trainedCount: number;
  readonly frozenChanged: readonly string[];
  readonly sessions: readonly SessionRecord[];
  readonly trainRuns: readonly TrainRunRecord[];
  /** Log lines outside session creation (ORT runs, warnings), capped. */
  readonly otherLog: readonly string[];
}

export interface EngineRunFailure {
  readonly ok: false;
  readonly backend: EngineBackendName;
  readonly error: string;
  readonly log: readonly string[];
}

export type EngineRunResult = EngineRunSuccess | EngineRunFailure;
