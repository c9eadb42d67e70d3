/**
 * How one optimizer update reaches the weights. The trainer hands each update's micro-batches
 * (already as feeds) to an Updater and gets back the loss and the gradient norm; where the
 * parameters and Adam moments live, and which code applies AdamW, is the updater's business:
 *
 * - InGraphUpdate (CPU, WASM): the train-step graph computes the update itself and returns new
 *   parameters and moments, which replace the old ones.
 * - ResidentUpdate (WebGPU): the graph returns gradients; compute kernels update parameters
 *   and moments in place in GPU buffers that are allocated once.
 *
 * Both discard an update whose loss or gradient norm is not finite, leaving the weights as they
 * were, and say so with a DivergedError.
 */
import type { TrainingCheckpoint } from '../checkpoint.ts';
import { readFloat32, type RuntimeTensor } from '../runtime.ts';

export interface UpdateResult {
  /** Mean loss over the update's micro-batches. */
  readonly loss: number;
  /** The global gradient norm before clipping, as Trainer logs grad_norm. */
  readonly gradNorm: number;
}

/** What an update needs besides its batches: its number (1-based, as torch counts) and learning rate. */
export interface UpdateStep {
  readonly t: number;
  readonly learningRate: number;
}

export interface Updater {
  /** The current parameters, as feeds for evaluation graphs. */
  readonly params: ReadonlyMap<string, RuntimeTensor>;
  /** One optimizer update from `microBatches` (the batch feeds and dropout seed of each). */
  update(microBatches: readonly Record<string, RuntimeTensor>[], step: UpdateStep): Promise<UpdateResult>;
  /** The parameters and Adam moments by parameter name, read back to the CPU. */
  read(): Promise<WeightsAndMoments>;
  /** The parameters alone, read back to the CPU. */
  readParams(): Promise<Map<string, Float32Array>>;
  /** Replaces every parameter's values (sizes already checked); the moments stay as they are. */
  loadParams(values: ReadonlyMap<string, Float32Array>): void;
  release(): Promise<void>;
}

export interface WeightsAndMoments {
  readonly params: Map<string, Float32Array>;
  readonly m: Map<string, Float32Array>;
  readonly v: Map<string, Float32Array>;
}

/** A non-finite loss or gradient norm: the update was discarded and the weights are as before it. */
export class DivergedError extends Error {
  override name = 'DivergedError';
}

export function requireFinite(value: number, what: string, t: number): number {
  if (!Number.isFinite(value)) {
    throw new DivergedError(`the ${what} became ${value} at step ${t}; the update was discarded. Try a lower learning rate.`);
  }
  return value;
}

export async function readScalar(tensor: RuntimeTensor): Promise<number> {
  return (await readFloat32(tensor))[0]!;
}

/**
 * The saved Adam moments of the parameters a run trains, or null before the first update. A
 * checkpoint with moments but none for one of them comes from a run that kept it frozen.
 */
export function trainedMoments(checkpoint: Pick<TrainingCheckpoint, 'moments'>, trained: readonly string[]): Pick<WeightsAndMoments, 'm' | 'v'> | null {
  const saved = checkpoint.moments;
  if (!saved) return null;
  const pick = (source: ReadonlyMap<string, Float32Array>) =>
    new Map(
      trained.map((name) => {
        const values = source.get(name);
        if (!values) throw new Error(`the checkpoint has no optimizer moments for ${name}: it was saved by a run that did not train it`);
        return [name, values] as const;
      }),
    );
  return { m: pick(saved.m), v: pick(saved.v) };
}
