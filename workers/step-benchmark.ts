/**
 * One training-step measurement in the browser, through the path a user's run takes
 * (startingPoint → Trainer on onnxruntime-web's WebGPU or WASM backend): full-length random
 * batches of a BERT preset, `warmup + steps` updates, times between the trainer's step events,
 * and on WebGPU what the GPU pays for, from the GPU meter: dispatches of the last timed step
 * (split between the train-step graph and the optimizer's kernels) and the peak of live buffers,
 * beside the estimate the studio makes before a run.
 */
/// <reference lib="webworker" />
import { benchRun } from '../bench/common.ts';
import { estimateTrainingMemory } from '../src/engine/memory/training-memory.ts';
import { parseModelConfig } from '../src/engine/models/config.ts';
import type { OrtModule, RuntimeSession, RuntimeSessionOptions } from '../src/engine/runtime.ts';
import { fineTuneMethodOf } from '../src/engine/settings.ts';
import { singleLabel } from '../src/engine/tasks/single-label.ts';
import { Trainer } from '../src/engine/trainer.ts';
import { type ChosenBackend, wasmBackend, webgpuBackend } from './backend.ts';
import type { BenchLine, BenchRequest } from './bench-protocol.ts';
import type { GpuMeter } from './gpu-meter.ts';

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
const mib = (bytes: number) => round(bytes / 2 ** 20);
const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** The dispatches made inside the train step's session.run calls, counted by wrapping the session the trainer creates for it. */
function countingGraphDispatches(ort: OrtModule, meter: GpuMeter | null): { ort: OrtModule; graphDispatches: () => number } {
  let graphDispatches = 0;
  const create = async (model: Uint8Array, options?: RuntimeSessionOptions): Promise<RuntimeSession> => {
    const session = await ort.InferenceSession.create(model, options);
    if (!meter || !session.outputNames.includes('loss')) return session;
    return {
      inputNames: session.inputNames,
      outputNames: session.outputNames,
      release: () => session.release(),
      run: async (feeds, fetches) => {
        const before = meter.read().dispatches;
        try {
          return await session.run(feeds, fetches);
        } finally {
          graphDispatches += meter.read().dispatches - before;
        }
      },
    };
  };
  return { ort: { ...(ort.env ? { env: ort.env } : {}), Tensor: ort.Tensor, InferenceSession: { create } }, graphDispatches: () => graphDispatches };
}

async function chosenBackend(name: BenchRequest['backend']): Promise<ChosenBackend> {
  if (name === 'wasm') return wasmBackend(null);
  const webgpu = await webgpuBackend();
  if ('reason' in webgpu) throw new Error(`this browser cannot run the WebGPU benchmark: ${webgpu.reason}`);
  return webgpu;
}

export async function measureStep(request: BenchRequest, meter: GpuMeter | null, progress: (text: string) => void): Promise<BenchLine> {
  const { preset, method, batch, seq, steps, warmup } = request;
  if (steps < 1) throw new Error('a benchmark needs at least one timed step');
  const chosen = await chosenBackend(request.backend);
  const counted = countingGraphDispatches(chosen.backend.ort, request.backend === 'webgpu' ? meter : null);
  const backend = { ...chosen.backend, ort: counted.ort };
  const { checkpoint, rows } = benchRun(preset, batch, seq, warmup + steps, { method });
  const stamps: number[] = [];
  const dispatchesAt: number[] = [];
  const graphAt: number[] = [];
  let lastLoss = Number.NaN;
  const mark = () => {
    stamps.push(performance.now());
    dispatchesAt.push(meter?.read().dispatches ?? 0);
    graphAt.push(counted.graphDispatches());
  };
  progress(`${preset} on ${request.backend}: compiling`);
  const t0 = performance.now();
  const trainer = await Trainer.create({
    backend,
    checkpoint,
    train: rows,
    validation: [],
    onEvent: (event) => {
      if (event.type !== 'step') return;
      mark();
      lastLoss = event.record.loss;
      progress(`${preset} on ${request.backend}: step ${stamps.length - 1} of ${warmup + steps}`);
    },
  });
  try {
    mark();
    const created = stamps[0]! - t0;
    await trainer.train();
    const durations = stamps.slice(1).map((t, i) => t - stamps[i]!);
    const timed = durations.slice(warmup);
    if (timed.length === 0) throw new Error(`the trainer ran ${durations.length} steps, fewer than the ${warmup} warm-up steps asked for`);
    const last = stamps.length - 1;
    const webgpu = request.backend === 'webgpu' && meter !== null;
    const kernels = dispatchesAt[last]! - dispatchesAt[last - 1]!;
    const graphKernels = graphAt[last]! - graphAt[last - 1]!;
    const device = webgpu ? await backend.ort.env?.webgpu?.device : undefined;
    const estimate = device
      ? estimateTrainingMemory({
          config: parseModelConfig(checkpoint.modelConfig),
          numLabels: 2,
          task: singleLabel,
          batchSize: batch,
          seqLength: seq,
          gradAccumulation: 1,
          method: fineTuneMethodOf(checkpoint.settings),
          maxBindingBytes: device.limits.maxStorageBufferBindingSize,
        })
      : null;
    const stepMs = median(timed);
    return {
      backend: request.backend === 'webgpu' ? 'ort-web-webgpu' : 'ort-web-wasm-browser',
      preset,
      method,
      seq,
      batch,
      steps: timed.length,
      warmup,
      step_ms_median: round(stepMs),
      samples_per_s: round(batch / (stepMs / 1000), 2),
      first_step_ms: round(durations[0]!),
      create_ms: round(created),
      loss: round(lastLoss, 4),
      kernels_per_step: webgpu ? kernels : null,
      graph_kernels_per_step: webgpu ? graphKernels : null,
      optimizer_kernels_per_step: webgpu ? kernels - graphKernels : null,
      nodes_per_step: trainer.artifacts.trainStepNodes,
      gpu_peak_mb: webgpu ? mib(meter.read().peakBytes) : null,
      gpu_estimate_mb: estimate ? mib(estimate.totalBytes) : null,
      adapter: request.backend === 'webgpu' ? chosen.info.description : null,
      backend_description: chosen.info.description,
      user_agent: self.navigator.userAgent,
    };
  } finally {
    await trainer.release();
  }
}
