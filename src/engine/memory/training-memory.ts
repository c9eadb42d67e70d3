/**
 * What a training run holds in GPU memory on WebGPU, before it starts: the parameters, the
 * optimizer's state (ResidentAdamW), and what onnxruntime holds while running the train step
 * (simulated from the graph itself, see working-memory.ts). The Model screen shows it, the
 * trainer checks it against the device before a run, and the bench compares it with what the
 * GPU meter measures.
 */
import type { AnyTask } from '../tasks/index.ts';
import { gradientStepGraph } from '../artifacts.ts';
import type { EncoderConfig } from '../models/config.ts';
import { type FineTuneMethod, fullFineTune, parameterPlan } from '../models/fine-tune-method.ts';
import { decaysParameter } from '../optim/adamw.ts';
import { chunkElementsFor, chunkParams } from '../optim/param-chunks.ts';
import { residentAdamWBytes } from '../optim/resident-adamw.ts';
import { simulateWorkingMemory } from './working-memory.ts';

export interface TrainingMemoryInput {
  readonly config: EncoderConfig;
  readonly numLabels: number;
  readonly task: AnyTask;
  readonly batchSize: number;
  /** Tokens per row the batches pad to (the run's max length, or less for short data). */
  readonly seqLength: number;
  readonly gradAccumulation: number;
  /** The device's maxStorageBufferBindingSize (chunk sizes depend on it). */
  readonly maxBindingBytes: number;
  /** Which parameters train: frozen ones have no gradients and no optimizer state. A full fine-tune when absent. */
  readonly method?: FineTuneMethod;
}

export interface TrainingMemory {
  readonly parameters: number;
  /** The parameters that train (LoRA adapters included); the rest are frozen. */
  readonly trainableParameters: number;
  readonly parameterBytes: number;
  /** Adam moments, scratch and (with accumulation) the gradient sum. */
  readonly optimizerBytes: number;
  /** onnxruntime's buffers at the train step's peak, its cache included: activations, gradients, initializers. */
  readonly workingBytes: number;
  readonly totalBytes: number;
  /** The largest single buffer the run needs, for the device's maxBufferSize. */
  readonly largestBufferBytes: number;
}

export function estimateTrainingMemory(input: TrainingMemoryInput): TrainingMemory {
  const plan = parameterPlan(input.config, input.numLabels, input.method ?? fullFineTune, input.task.head);
  const { graph: g, sparseTables } = gradientStepGraph(input.config, input.numLabels, input.task, plan);
  const sparse = new Set(sparseTables.map((t) => t.param));
  const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
  const params = g.params.map((p) => {
    const shape = p.shape as readonly number[];
    return { name: p.name, size: sizeOf(shape), ...(sparse.has(p.name) ? { rowWidth: shape[1]! } : {}) };
  });
  const parameters = params.reduce((n, p) => n + p.size, 0);
  // ResidentUpdate chunks the trained parameters alone, sized by their total as it does.
  const trained = params.filter((p) => plan.trainable.has(p.name));
  const trainableParameters = trained.reduce((n, p) => n + p.size, 0);
  const chunks = chunkParams(trained, decaysParameter, chunkElementsFor(trainableParameters, input.maxBindingBytes));
  const dims = { batch: input.batchSize, seq: input.seqLength };
  const working = simulateWorkingMemory(g, dims, new Set(g.params));
  const optimizerBytes = residentAdamWBytes(chunks, input.gradAccumulation, input.batchSize * input.seqLength);
  const parameterBytes = parameters * 4;
  return {
    parameters,
    trainableParameters,
    parameterBytes,
    optimizerBytes,
    workingBytes: working.peakBytes,
    totalBytes: parameterBytes + optimizerBytes + working.peakBytes,
    largestBufferBytes: Math.max(...chunks.map((c) => c.size * 4), ...params.map((p) => p.size * 4)),
  };
}
