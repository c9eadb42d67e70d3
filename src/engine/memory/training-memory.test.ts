import { describe, expect, it } from 'vitest';
import { parseModelConfig } from '../models/config.ts';
import { fullFineTune, type FineTuneMethod } from '../models/fine-tune-method.ts';
import { tinyConfigs } from '../models/test-support.ts';
import { singleLabel } from '../tasks/single-label.ts';
import { estimateTrainingMemory } from './training-memory.ts';

const config = parseModelConfig(tinyConfigs.bert);
const estimate = (method: FineTuneMethod) =>
  estimateTrainingMemory({ config, numLabels: 2, task: singleLabel, batchSize: 4, seqLength: 16, gradAccumulation: 1, maxBindingBytes: 2 ** 27, method });

describe('the training memory estimate of a fine-tune method', () => {
  it('keeps every weight but Adam state only for what trains', () => {
    const full = estimate(fullFineTune);
    const lora = estimate({ ...fullFineTune, kind: 'lora', lora: { r: 4, alpha: 8, dropout: 0, targetModules: [] } });
    const head = estimate({ ...fullFineTune, kind: 'head-only' });
    expect(full.trainableParameters).toBe(full.parameters);
    // 2 layers × query and value × (4·32 + 32·4), and the classifier 2·32 + 2.
    expect(lora.trainableParameters).toBe(4 * 256 + 66);
    expect(lora.parameters).toBe(full.parameters + 4 * 256);
    // Moments (and their scratch) scale with the trained parameters.
    expect(lora.optimizerBytes).toBeLessThan(full.optimizerBytes / 10);
    expect(head.optimizerBytes).toBeLessThan(full.optimizerBytes / 10);
    // No weight gradients for frozen weights, no backward pass below the head.
    expect(lora.workingBytes).toBeLessThan(full.workingBytes);
    expect(head.workingBytes).toBeLessThan(lora.workingBytes);
  });
});
