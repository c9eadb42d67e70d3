/**
 * What one optimizer step may cost a GPU, as counts (issue 8's budgets): compute dispatches per
 * step at batch 16 × 128 with dropout and clipping on, nodes of the compiled WebGPU train step,
 * and the training memory estimate for bert-base at batch 8 × 128. Counts do not depend on the
 * machine, so CI holds them (bench/budgets.test.ts for nodes and memory, e2e/step-budgets.test.ts
 * for dispatches measured in headless Chromium); `npm run bench` prints them beside the times.
 */
import { compileTrainingArtifacts } from '../src/engine/artifacts.ts';
import { WEBGPU_DEFAULT_LIMITS } from '../src/engine/memory/gpu-fit.ts';
import { estimateTrainingMemory } from '../src/engine/memory/training-memory.ts';
import { parseModelConfig } from '../src/engine/models/config.ts';
import { type FineTuneMethod, fullFineTune, parameterPlan } from '../src/engine/models/fine-tune-method.ts';
import { trainerAdamW } from '../src/engine/optim/adamw.ts';
import { defaultSettings } from '../src/engine/settings.ts';
import { singleLabel } from '../src/engine/tasks/single-label.ts';
import { presetConfigJson } from './common.ts';

export interface StepBudget {
  /** Compute dispatches of one optimizer step, the update included. */
  readonly kernelsPerStep: number;
  /** Nodes of the compiled WebGPU train step (the graph onnxruntime runs). */
  readonly nodesPerStep: number;
}

export const stepBudgets: Readonly<Record<'tiny' | 'mini' | 'base', StepBudget>> = {
  tiny: { kernelsPerStep: 700, nodesPerStep: 850 },
  mini: { kernelsPerStep: 1_100, nodesPerStep: 1_200 },
  base: { kernelsPerStep: 2_800, nodesPerStep: 2_800 },
};

/** Clipping and AdamW together, for any model size. */
export const optimizerKernelBudget = 64;

/** bert-base's training memory estimate at batch 8 × 128, in MiB. */
export const baseMemoryBudgetMb = 2_500;

/**
 * The same with LoRA r 8 on query and value: issue 10's 1 GB, read as 10⁹ bytes (953.7 MiB). The
 * frozen fp32 weights are 418.8 MiB of it.
 */
export const baseLoraMemoryBudgetMb = 1e9 / 2 ** 20;

export interface StaticStepFigures {
  readonly nodes_per_step: number;
  readonly gpu_estimate_mb: number;
  readonly parameters: number;
}

const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

/** A preset's WebGPU step figures known without running it: the train step's node count and the memory estimate. */
export function staticStepFigures(
  preset: string,
  batch: number,
  seq: number,
  maxBindingBytes = WEBGPU_DEFAULT_LIMITS.maxStorageBufferBindingSize,
  method: FineTuneMethod = fullFineTune,
): StaticStepFigures {
  const config = parseModelConfig(presetConfigJson(preset));
  const artifacts = compileTrainingArtifacts({
    config,
    numLabels: 2,
    task: singleLabel,
    optimizer: { ...trainerAdamW, weightDecay: defaultSettings.weightDecay },
    maxGradNorm: defaultSettings.maxGradNorm,
    gradAccumulation: 1,
    update: 'resident',
    plan: parameterPlan(config, 2, method),
  });
  const memory = estimateTrainingMemory({ config, numLabels: 2, task: singleLabel, batchSize: batch, seqLength: seq, gradAccumulation: 1, maxBindingBytes, method });
  return { nodes_per_step: artifacts.trainStepNodes, gpu_estimate_mb: mib(memory.totalBytes), parameters: memory.parameters };
}
