/**
 * Whether a training run fits a GPU before it starts, from the training memory estimate: the
 * largest buffer against what the device allocates and binds at once, the total against a
 * memory budget (browsers do not say how much memory a GPU has, so the budget is the user's
 * setting). When the total is the problem, the largest batch size that fits is offered.
 */
import type { TrainingMemory } from './training-memory.ts';

export interface GpuLimits {
  readonly maxBufferSize: number;
  readonly maxStorageBufferBindingSize: number;
}

/** What WebGPU guarantees every adapter: the limits of a device that offers nothing more. */
export const WEBGPU_DEFAULT_LIMITS: GpuLimits = { maxBufferSize: 268_435_456, maxStorageBufferBindingSize: 134_217_728 };

export type GpuFit =
  | { readonly fits: true }
  /** `batchFix`: what the total needs; false when only another backend (or a smaller model) helps. */
  | { readonly fits: false; readonly reason: string; readonly batchFix: boolean };

/** Bytes in the units people read on a spec sheet: "310 MB", "2.1 GB". */
export function formatMemory(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${Math.round(bytes / 1e6).toLocaleString('en-US')} MB`;
  return `${Math.max(1, Math.round(bytes / 1e3))} kB`;
}

export function checkGpuFit(memory: TrainingMemory, limits: GpuLimits, budgetBytes: number): GpuFit {
  const largest = memory.largestBufferBytes;
  const binding = Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize);
  if (largest > binding) {
    return {
      fits: false,
      reason: `its largest weight takes ${formatMemory(largest)}, more than this GPU lets a program use in one piece (${formatMemory(binding)})`,
      batchFix: false,
    };
  }
  if (memory.totalBytes > budgetBytes) {
    return { fits: false, reason: `it needs about ${formatMemory(memory.totalBytes)} of GPU memory, more than the ${formatMemory(budgetBytes)} budget`, batchFix: true };
  }
  return { fits: true };
}

/**
 * The largest batch size below `batchSize` whose estimate fits, halving (the studio's sizes are
 * powers of two or what the user typed); null when not even one row fits.
 */
export function fittingBatchSize(estimateAt: (batchSize: number) => TrainingMemory, batchSize: number, limits: GpuLimits, budgetBytes: number): number | null {
  for (let b = Math.floor(batchSize / 2); b >= 1; b = Math.floor(b / 2)) {
    if (checkGpuFit(estimateAt(b), limits, budgetBytes).fits) return b;
    if (b === 1) break;
  }
  return null;
}
