import { describe, expect, it } from 'vitest';
import { fullFineTune } from '../src/engine/models/fine-tune-method.ts';
import { baseLoraMemoryBudgetMb, baseMemoryBudgetMb, staticStepFigures, stepBudgets } from './budgets.ts';

describe('the WebGPU train step stays within its budgets', () => {
  for (const preset of ['tiny', 'mini'] as const) {
    it(`${preset}: nodes per step`, () => {
      const { nodes_per_step } = staticStepFigures(preset, 16, 128);
      expect(nodes_per_step).toBeLessThanOrEqual(stepBudgets[preset].nodesPerStep);
      // A graph that lost most of itself would pass a ceiling: the step still has an encoder in it.
      expect(nodes_per_step).toBeGreaterThan(stepBudgets[preset].nodesPerStep / 2);
    });
  }

  it('base: nodes per step, and the memory estimate at batch 8 × 128', { timeout: 120_000 }, () => {
    const figures = staticStepFigures('base', 8, 128);
    expect(figures.nodes_per_step).toBeLessThanOrEqual(stepBudgets.base.nodesPerStep);
    expect(figures.gpu_estimate_mb).toBeLessThanOrEqual(baseMemoryBudgetMb);
    // The parameters alone are 418 MiB and their two moments as much again each.
    expect(figures.gpu_estimate_mb).toBeGreaterThan(1_300);
  });

  it('base with LoRA r 8 on query and value: the memory estimate at batch 8 × 128 within 1 GB, with no Adam state for the frozen weights', { timeout: 120_000 }, () => {
    const full = staticStepFigures('base', 8, 128);
    const lora = staticStepFigures('base', 8, 128, undefined, { ...fullFineTune, kind: 'lora' });
    expect(lora.gpu_estimate_mb).toBeLessThanOrEqual(baseLoraMemoryBudgetMb);
    expect(lora.gpu_estimate_mb).toBeLessThan(0.6 * full.gpu_estimate_mb);
    // The frozen weights are still there, in fp32: 418 MiB.
    expect(lora.gpu_estimate_mb).toBeGreaterThan(418);
  });
});
