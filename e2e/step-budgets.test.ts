/**
 * The WebGPU step's counts in a real browser, held to issue 8's budgets: the benchmark page
 * (bench.html) trains BERT tiny and mini at batch 16 × 128 with dropout and clipping on, in
 * headless Chromium (SwiftShader), and its GPU meter counts every compute dispatch of the last
 * step and the peak of live GPU buffers. Counts and bytes do not depend on the machine; nothing
 * here is timed. The same page with LoRA adapters holds issue 10's memory estimate to the same
 * bar (small's figures, too slow on SwiftShader for every CI run, are in bench/README.md).
 */
import { describe, expect, it } from 'vitest';
import { type BrowserBenchLine, runBrowserBench } from '../bench/browser-bench.ts';
import { optimizerKernelBudget, staticStepFigures, stepBudgets } from '../bench/budgets.ts';
import type { BenchLine } from '../workers/bench-protocol.ts';

/** The bar for the Model screen's estimate against the measured peak. */
const ESTIMATE_TOLERANCE = 0.15;

function measured(lines: readonly BrowserBenchLine[], preset: string): BenchLine {
  const line = lines.find((l) => l.preset === preset);
  if (!line) throw new Error(`the benchmark page gave no line for ${preset}`);
  if ('error' in line) throw new Error(`${preset} failed in the browser: ${line.error}`);
  return line;
}

describe('the WebGPU train step within its budgets, in headless Chromium', () => {
  it('tiny and mini at batch 16 × 128: dispatches, optimizer dispatches, nodes, and the memory estimate against the measured peak', { timeout: 900_000 }, async () => {
    const lines = await runBrowserBench({ presets: ['tiny', 'mini'], backends: ['webgpu'], method: 'full', batch: 16, seq: 128, steps: 1, warmup: 1, timeoutMs: 840_000 });
    for (const preset of ['tiny', 'mini'] as const) {
      const line = measured(lines, preset);
      const budget = stepBudgets[preset];
      // The counts, for the CI log and bench/README.md.
      console.log(JSON.stringify(line));
      expect(line.backend).toBe('ort-web-webgpu');
      expect(Number.isFinite(line.loss)).toBe(true);
      expect(line.kernels_per_step, `${preset} dispatches per step`).toBeLessThanOrEqual(budget.kernelsPerStep);
      expect(line.optimizer_kernels_per_step, `${preset} optimizer dispatches`).toBeLessThanOrEqual(optimizerKernelBudget);
      // A step that launched nothing would meet any ceiling: the optimizer and the graph both ran.
      expect(line.optimizer_kernels_per_step).toBeGreaterThan(0);
      expect(line.graph_kernels_per_step).toBeGreaterThan(budget.kernelsPerStep / 2);
      expect(line.nodes_per_step).toBeLessThanOrEqual(budget.nodesPerStep);
      const peak = line.gpu_peak_mb!;
      const estimate = line.gpu_estimate_mb!;
      expect(peak).toBeGreaterThan(0);
      expect(Math.abs(estimate - peak) / peak, `${preset}: estimate ${estimate} MiB against a measured peak of ${peak} MiB`).toBeLessThanOrEqual(ESTIMATE_TOLERANCE);
    }
  });

  it('LoRA on tiny and mini at batch 16 × 128: the memory estimate against the measured peak, well under a full fine-tune', { timeout: 900_000 }, async () => {
    const lines = await runBrowserBench({ presets: ['tiny', 'mini'], backends: ['webgpu'], method: 'lora', batch: 16, seq: 128, steps: 1, warmup: 1, timeoutMs: 840_000 });
    for (const preset of ['tiny', 'mini'] as const) {
      const line = measured(lines, preset);
      console.log(JSON.stringify(line));
      expect(line.method).toBe('lora');
      expect(Number.isFinite(line.loss)).toBe(true);
      expect(line.optimizer_kernels_per_step).toBeGreaterThan(0);
      const peak = line.gpu_peak_mb!;
      const estimate = line.gpu_estimate_mb!;
      expect(peak).toBeGreaterThan(0);
      expect(Math.abs(estimate - peak) / peak, `${preset} with LoRA: estimate ${estimate} MiB against a measured peak of ${peak} MiB`).toBeLessThanOrEqual(ESTIMATE_TOLERANCE);
      // The page trained adapters, not every weight: no Adam moments or gradients for the frozen
      // ones (tiny's full fine-tune is estimated at 100 MiB, LoRA at 58).
      const full = staticStepFigures(preset, 16, 128).gpu_estimate_mb;
      expect(peak, `${preset}: LoRA's measured peak against a full fine-tune's estimate of ${full} MiB`).toBeLessThan(0.8 * full);
    }
  });
});
