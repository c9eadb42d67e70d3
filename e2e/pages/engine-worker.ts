/**
 * Trains a tiny from-scratch BERT for a few steps with the real engine (startingPoint +
 * Trainer) on the backend the page asks for, and reports what an end-to-end test needs to
 * know: per-step losses, a checksum of the trained weights, the WebGPU adapter, and — through
 * an instrumented onnxruntime module, so the engine is used exactly as the app uses it — each
 * session's execution providers, ORT's node-placement log, and where the parameter and
 * moment tensors were before and after every train step.
 */
import { metricValue } from '../../src/engine/best-model.ts';
import type { TokenizedExample } from '../../src/engine/batching.ts';
import { parseModelConfig } from '../../src/engine/models/config.ts';
import { classifierParamSpecs } from '../../src/engine/models/params.ts';
import { startingPoint } from '../../src/engine/pretrained.ts';
import { Rng } from '../../src/engine/random.ts';
import type { Backend, OrtModule, RuntimeSession, RuntimeSessionOptions, RuntimeTensor } from '../../src/engine/runtime.ts';
import { defaultSettings, type TrainingSettings } from '../../src/engine/settings.ts';
import { Trainer } from '../../src/engine/trainer.ts';
// Vite serves these from node_modules and rewrites them for a build: no CDN. Each bundle names its own
// binary: the native WebGPU EP lives in the asyncify build, the plain WASM bundle in the base one.
import webgpuWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import plainWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import { installGpuMeter } from '../../workers/gpu-meter.ts';
import type {
  AdapterSummary,
  EngineRunRequest,
  EngineRunResult,
  EvalSummary,
  ParamChecksum,
  SessionRecord,
  TrainRunRecord,
} from './engine-protocol.ts';

/** L2 H64 A4: tiny, so SwiftShader (≈100× slower than WASM) gets through it quickly. */
const tinyBertConfig = {
  model_type: 'bert',
  vocab_size: 200,
  hidden_size: 64,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  intermediate_size: 128,
  max_position_embeddings: 64,
  type_vocab_size: 2,
  hidden_act: 'gelu',
  pad_token_id: 0,
};

const CLS = 1;
const SEP = 2;

/**
 * Rows of 4…16 tokens, so every batch of 8 pads to the 16 bucket and has padding in it.
 * Learnable: label 0 rows draw their tokens from ids 10…104, label 1 rows from 105…199.
 */
function syntheticRows(count: number, seed: number): TokenizedExample[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, (_, i) => {
    const label = rng.nextInt(2);
    const length = 4 + ((i * 5) % 13);
    const ids = new Int32Array(length);
    ids[0] = CLS;
    ids[length - 1] = SEP;
    for (let s = 1; s < length - 1; s++) ids[s] = label === 0 ? 10 + rng.nextInt(95) : 105 + rng.nextInt(95);
    return { inputIds: ids, tokenTypeIds: null, target: Int32Array.of(label) };
  });
}

// Installed before onnxruntime makes its device, so every kernel launch and buffer is counted.
const meter = installGpuMeter();

// ---- console capture: ORT writes its log through console.* (verbose lines through console.error).

const log: string[] = [];
for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
  console[level] = (...args: unknown[]) => {
    log.push(`${level}: ${args.map((a) => (a instanceof Error ? (a.stack ?? a.message) : String(a))).join(' ')}`);
  };
}

function checksum(params: ReadonlyMap<string, Float32Array>): ParamChecksum {
  let count = 0;
  let sum = 0;
  let sumAbs = 0;
  let sumSquares = 0;
  for (const data of params.values()) {
    for (const x of data) {
      count++;
      sum += x;
      sumAbs += Math.abs(x);
      sumSquares += x * x;
    }
  }
  return { count, sum, sumAbs, sumSquares };
}

interface MinimalGpu {
  requestAdapter(): Promise<{ info?: Record<string, unknown>; isFallbackAdapter?: boolean } | null>;
}

async function adapterSummary(): Promise<AdapterSummary | null> {
  const gpu = (navigator as unknown as { gpu?: MinimalGpu }).gpu;
  if (!gpu) return null;
  const adapter = await gpu.requestAdapter();
  if (!adapter) return null;
  const info = adapter.info ?? {};
  const text = (key: string) => (typeof info[key] === 'string' ? (info[key] as string) : '');
  const fallback = typeof info.isFallbackAdapter === 'boolean' ? info.isFallbackAdapter : adapter.isFallbackAdapter;
  return {
    vendor: text('vendor'),
    architecture: text('architecture'),
    device: text('device'),
    description: text('description'),
    isFallbackAdapter: typeof fallback === 'boolean' ? fallback : null,
  };
}

/**
 * Wraps onnxruntime so every session the engine creates logs verbosely (its node placements) and
 * the train step reports where its state tensors were. Verbose sessions also log each WebGPU
 * kernel launch (~1000 lines a step, a fraction of a second); RunOptions' logSeverityLevel does
 * not silence those, the EP logs through the session's logger.
 */
function instrument(ort: OrtModule, paramNames: ReadonlySet<string>, sessions: SessionRecord[], trainRuns: TrainRunRecord[]): OrtModule {
  const create = async (model: Uint8Array, options?: RuntimeSessionOptions): Promise<RuntimeSession> => {
    const from = log.length;
    const session = await ort.InferenceSession.create(model, { ...options, logSeverityLevel: 0 });
    const creationLog = log.splice(from);
    const outputs = new Set(session.outputNames);
    const role = outputs.has('loss') ? 'train_step' : outputs.has('logits') ? 'eval_step' : 'other';
    sessions.push({
      index: sessions.length,
      role,
      executionProviders: [...(options?.executionProviders ?? [])],
      inputCount: session.inputNames.length,
      outputCount: session.outputNames.length,
      preferredOutputLocation: { ...(options?.preferredOutputLocation ?? {}) },
      creationLog,
    });
    if (role !== 'train_step') return session;
    const paramInputs = session.inputNames.filter((n) => paramNames.has(n));
    const stateOutputs = session.outputNames.filter((n) => n.endsWith('.next') || n.startsWith('grad.') || n.startsWith('grad_rows.'));
    const count = (locations: string[]) => {
      const counts: Record<string, number> = {};
      for (const l of locations) counts[l] = (counts[l] ?? 0) + 1;
      return counts;
    };
    return {
      inputNames: session.inputNames,
      outputNames: session.outputNames,
      release: () => session.release(),
      async run(feeds: Record<string, RuntimeTensor>, fetches?: Record<string, RuntimeTensor | null>) {
        const inputs = count(paramInputs.map((n) => feeds[n]!.location));
        const before = meter?.read();
        const out = await session.run(feeds, fetches);
        const after = meter?.read();
        trainRuns.push({
          paramInputs: inputs,
          stateOutputs: count(stateOutputs.map((n) => out[n]!.location)),
          lossLocation: out.loss!.location,
          dispatches: before && after ? after.dispatches - before.dispatches : 0,
          bytesCreated: before && after ? after.bytesCreated - before.bytesCreated : 0,
          liveBytesAfter: after?.liveBytes ?? 0,
        });
        return out;
      },
    };
  };
  return { ...(ort.env ? { env: ort.env } : {}), Tensor: ort.Tensor, InferenceSession: { create } };
}

async function run(request: EngineRunRequest): Promise<EngineRunResult> {
  const { backend: name } = request;
  const ort = name === 'webgpu' ? await import('onnxruntime-web/webgpu') : await import('onnxruntime-web/wasm');
  ort.env.wasm.wasmPaths = { wasm: name === 'webgpu' ? webgpuWasmUrl : plainWasmUrl };
  ort.env.logLevel = 'verbose';
  const adapter = await adapterSummary();

  const sessions: SessionRecord[] = [];
  const trainRuns: TrainRunRecord[] = [];
  const paramNames = new Set(classifierParamSpecs(parseModelConfig(tinyBertConfig), 2).map((p) => p.name));
  const backend: Backend = { name, ort: instrument(ort as unknown as OrtModule, paramNames, sessions, trainRuns), description: `e2e ${name}` };
  const settings: TrainingSettings = {
    ...defaultSettings,
    batchSize: 8,
    learningRate: request.learningRate,
    maxSteps: request.steps,
    maxLength: 64,
    seed: request.seed,
    evalBatchSize: 8,
    ...(request.method === 'lora' ? { method: 'lora', loraR: 4, loraAlpha: 8, freezeLayers: 1 } : {}),
  };
  const start = startingPoint({ name: 'tiny-bert (from scratch)', configJson: tinyBertConfig, weights: new Map() }, ['neg', 'pos'], settings, {
    // The GPU's and the CPU's dropout masks differ by design (GPU sin), so compare without dropout.
    hidden_dropout_prob: 0,
    attention_probs_dropout_prob: 0,
  });
  // 40 training rows: five batches of 8 per epoch. 16 held-out rows, evaluated after every epoch.
  const train = syntheticRows(40, request.seed);
  const validation = syntheticRows(16, request.seed + 1);
  const evals: EvalSummary[] = [];
  const losses: number[] = [];
  const gradNorms: number[] = [];
  const learningRates: number[] = [];
  const trainer = await Trainer.create({
    backend,
    checkpoint: start.checkpoint,
    train,
    validation,
    onEvent: (event) => {
      if (event.type === 'eval') {
        const { step, metrics } = event.record;
        evals.push({ step, loss: metrics.loss, accuracy: metricValue(metrics, 'accuracy') });
        return;
      }
      losses.push(event.record.loss);
      gradNorms.push(event.record.gradNorm);
      learningRates.push(event.record.learningRate);
    },
  });
  try {
    const before = await trainer.evaluate(validation);
    evals.push({ step: 0, loss: before.loss, accuracy: metricValue(before, 'accuracy') });
    const outcome = await trainer.train();
    if (outcome !== 'finished') throw new Error(`training ended ${outcome}`);
    const snapshot = await trainer.snapshot();
    return {
      ok: true,
      backend: name,
      crossOriginIsolated: self.crossOriginIsolated,
      numThreads: ort.env.wasm.numThreads ?? 0,
      adapter,
      losses,
      gradNorms,
      learningRates,
      evals,
      initialChecksum: checksum(start.checkpoint.params),
      checksum: checksum(snapshot.params),
      trainedCount: trainer.artifacts.trainable.size,
      frozenChanged: [...snapshot.params].filter(([n, values]) => !trainer.artifacts.trainable.has(n) && values.some((x, i) => !Object.is(x, start.checkpoint.params.get(n)![i]))).map(([n]) => n),
      sessions,
      trainRuns,
      otherLog: log.length <= 2000 ? [...log] : [...log.slice(0, 1000), `… ${log.length - 2000} lines left out …`, ...log.slice(-1000)],
    };
  } finally {
    await trainer.release();
  }
}

self.onmessage = async (event: MessageEvent<EngineRunRequest>) => {
  let result: EngineRunResult;
  try {
    result = await run(event.data);
  } catch (error) {
    result = { ok: false, backend: event.data.backend, error: error instanceof Error ? (error.stack ?? error.message) : String(error), log: log.slice(-500) };
  }
  self.postMessage(result);
};
