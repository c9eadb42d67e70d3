import { describe, expect, it } from 'vitest';
import { checkGpuFit, fittingBatchSize, formatMemory } from './gpu-fit.ts';
import type { TrainingMemory } from './training-memory.ts';

const limits = { maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 2 ** 27 };

/** A model of 100 MB and its moments, plus 10 MB of activations per row. */
function memoryAt(batchSize: number): TrainingMemory {
  const workingBytes = batchSize * 10e6;
  return { parameters: 25e6, trainableParameters: 25e6, parameterBytes: 100e6, optimizerBytes: 200e6, workingBytes, totalBytes: 300e6 + workingBytes, largestBufferBytes: 90e6 };
}

describe('GPU fit before a run', () => {
  it('fits within the budget and the device limits', () => {
    expect(checkGpuFit(memoryAt(16), limits, 1e9)).toEqual({ fits: true });
  });

  it('says how much a run needs against the budget, and that a batch size can fix it', () => {
    expect(checkGpuFit(memoryAt(16), limits, 400e6)).toEqual({ fits: false, reason: 'it needs about 460 MB of GPU memory, more than the 400 MB budget', batchFix: true });
  });

  it('refuses a weight larger than the device binds at once, which no batch size fixes', () => {
    const memory = { ...memoryAt(1), largestBufferBytes: 200e6 };
    expect(checkGpuFit(memory, limits, 10e9)).toEqual({
      fits: false,
      reason: 'its largest weight takes 200 MB, more than this GPU lets a program use in one piece (134 MB)',
      batchFix: false,
    });
  });

  it('offers the largest halved batch size that fits, or none', () => {
    expect(fittingBatchSize(memoryAt, 16, limits, 400e6)).toBe(8);
    expect(fittingBatchSize(memoryAt, 32, limits, 330e6)).toBe(2);
    expect(fittingBatchSize(memoryAt, 16, limits, 300e6)).toBeNull();
  });

  it('writes memory as a spec sheet does', () => {
    expect(formatMemory(2_145_000_000)).toBe('2.1 GB');
    expect(formatMemory(309_400_000)).toBe('309 MB');
    expect(formatMemory(4_000)).toBe('4 kB');
  });
});
