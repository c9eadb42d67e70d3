/**
 * The studio's GPU memory check, in the train worker: the estimate for the Model screen, and the
 * check before a run starts on WebGPU that refuses a run that would not fit, offering the batch
 * size that does (the page shows it as a button), instead of failing mid-run.
 */
import type { TrainingCheckpoint } from '../src/engine/checkpoint.ts';
import { checkGpuFit, fittingBatchSize, formatMemory, type GpuLimits } from '../src/engine/memory/gpu-fit.ts';
import { estimateTrainingMemory, type TrainingMemory } from '../src/engine/memory/training-memory.ts';
import { parseModelConfig } from '../src/engine/models/config.ts';
import type { FineTuneMethod } from '../src/engine/models/fine-tune-method.ts';
import { maxSequenceLength } from '../src/engine/models/positions.ts';
import { fineTuneMethodOf } from '../src/engine/settings.ts';
import { type AnyTask, taskOfModelConfig } from '../src/engine/tasks/index.ts';
import type { ErrorFix, MemoryEstimate } from './protocol.ts';

export interface RunShape {
  readonly batchSize: number;
  readonly maxLength: number;
  readonly gradAccumulation: number;
  readonly method: FineTuneMethod;
}

/**
 * A run that would not fit the GPU. `fix`: the batch size that would, when one does.
 * `wasmCanRun`: the GPU's limits, not the run's size, are the problem, so WASM can take it.
 */
export class GpuMemoryError extends Error {
  constructor(
    message: string,
    readonly fix: ErrorFix | null,
    readonly wasmCanRun: boolean,
  ) {
    super(message);
    this.name = 'GpuMemoryError';
  }
}

function estimator(modelConfig: Record<string, unknown>, numLabels: number, task: AnyTask, shape: RunShape, maxBindingBytes: number) {
  const config = parseModelConfig(modelConfig);
  const seqLength = Math.min(shape.maxLength, maxSequenceLength(config));
  const at = (batchSize: number, method: FineTuneMethod = shape.method): TrainingMemory =>
    estimateTrainingMemory({ config, numLabels, task, batchSize, seqLength, gradAccumulation: shape.gradAccumulation, maxBindingBytes, method });
  return { at, seqLength };
}

/**
 * The Model screen's figure: what training this model with these settings holds on a GPU. The
 * task's head is a sliver of the total, so the default task stands in for the data's.
 */
export function memoryEstimate(modelConfig: Record<string, unknown>, task: AnyTask, numLabels: number, shape: RunShape, maxBindingBytes: number): MemoryEstimate {
  const { at, seqLength } = estimator(modelConfig, numLabels, task, shape, maxBindingBytes);
  // Each method once: the run's own is one of the three, with the run's LoRA and freezing settings.
  const byMethod = {
    full: at(shape.batchSize, { ...shape.method, kind: 'full' }),
    lora: at(shape.batchSize, { ...shape.method, kind: 'lora' }),
    'head-only': at(shape.batchSize, { ...shape.method, kind: 'head-only' }),
  };
  const m = byMethod[shape.method.kind];
  return {
    batchSize: shape.batchSize,
    seqLength,
    parameters: m.parameters,
    parameterBytes: m.parameterBytes,
    optimizerBytes: m.optimizerBytes,
    workingBytes: m.workingBytes,
    totalBytes: m.totalBytes,
    method: shape.method.kind,
    totalByMethod: { full: byMethod.full.totalBytes, lora: byMethod.lora.totalBytes, 'head-only': byMethod['head-only'].totalBytes },
  };
}

/**
 * Throws GpuMemoryError when the run `checkpoint` starts would not fit: a weight larger than the
 * device binds (no batch size helps, WASM can run it) or a total over the budget (`fix`: the
 * largest halved batch size that fits, if any).
 */
export function requireGpuFit(checkpoint: TrainingCheckpoint, limits: GpuLimits, budgetBytes: number): void {
  const { settings } = checkpoint;
  const method = fineTuneMethodOf(settings);
  const { at, seqLength } = estimator(checkpoint.modelConfig, checkpoint.labels.length, taskOfModelConfig(checkpoint.modelConfig), { ...settings, method }, limits.maxStorageBufferBindingSize);
  const fit = checkGpuFit(at(settings.batchSize), limits, budgetBytes);
  if (fit.fits) return;
  const shape = `batch size ${settings.batchSize} × ${seqLength} tokens`;
  if (!fit.batchFix) throw new GpuMemoryError(`This model cannot train on this GPU: ${fit.reason}.`, null, true);
  const fitting = fittingBatchSize(at, settings.batchSize, limits, budgetBytes);
  const where = 'the GPU memory budget is under Train → Advanced';
  // LoRA keeps Adam state for a sliver of the weights: offered when it fits where a full fine-tune does not.
  const lora = method.kind === 'full' ? at(settings.batchSize, { ...method, kind: 'lora' }) : null;
  const loraFits = lora !== null && checkGpuFit(lora, limits, budgetBytes).fits;
  const loraHint = loraFits ? ` LoRA (Train → Method) needs about ${formatMemory(lora.totalBytes)} at this batch size and fits.` : '';
  if (fitting === null) {
    throw new GpuMemoryError(
      `This run cannot start on the GPU: at ${shape} ${fit.reason}, and even batch size 1 does not fit. Raise the budget if this GPU has more memory (${where}), pick a smaller model, or train on the CPU (Compute: WASM).${loraHint}`,
      null,
      false,
    );
  }
  const needs = formatMemory(at(fitting).totalBytes);
  throw new GpuMemoryError(
    `This run cannot start on the GPU: at ${shape} ${fit.reason} (${where}). Batch size ${fitting} needs about ${needs}; gradient accumulation can keep the batch the updates see.${loraHint}`,
    { kind: 'batch-size', batchSize: fitting },
    false,
  );
}
