/**
 * The studio's rows of docs/RELIABILITY.md, in headless Chromium on the production build: the
 * same bad and readable dataset files the CLI's tests use, with the same words on screen; a
 * WebGPU device lost mid-run (destroyed from inside the train worker, as a driver reset would)
 * ending in a message and a run that resumes from its last checkpoint on WASM; and a train
 * worker that dies mid-run, replaced, with the run offered again from the browser's storage.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page, Worker } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkScreen } from './support/accessibility.ts';
import { badDatasetFiles, readableDatasetFiles } from './support/dataset-files.ts';
import { fixtureBertRepo, TINY_BERT } from './support/fixture-model.ts';
import {
  configureTraining,
  downloadExport,
  loadDemoDataset,
  loadHubModel,
  lossChartPoints,
  openStudio,
  shownStep,
  type StudioPage,
  trainStatus,
  waitForDataset,
  waitForTrainStatus,
} from './support/studio.ts';
import { type StudioEnvironment, startStudioEnvironment } from './support/studio-environment.ts';

const FIXTURE_REPO = 'e2e-fixtures/bert-tiny-random';
/** 235 training rows of the demo in batches of 64: 4 updates an epoch, 8 in all. */
const RUN = { epochs: 2, maxLength: 16, batchSize: 64 } as const;
const UPDATES_PER_EPOCH = 4;

let env: StudioEnvironment;

beforeAll(async () => {
  env = await startStudioEnvironment('reliability-e2e', { repos: { [FIXTURE_REPO]: fixtureBertRepo(TINY_BERT) } });
}, 300_000);

afterAll(() => env?.close());

function fileIn(name: string, bytes: Uint8Array): string {
  const path = join(env.work, name);
  writeFileSync(path, bytes);
  return path;
}

async function trainWorker(page: Page): Promise<Worker> {
  await expect.poll(() => page.workers().some((w) => w.url().includes('train')), { timeout: 30_000 }).toBe(true);
  return page.workers().find((w) => w.url().includes('train'))!;
}

/** Until the checkpoint the run saved in the browser is at `step` or later. */
async function checkpointSavedAt(page: Page, step: number): Promise<number> {
  const saved = page.getByTestId('checkpoint-saved');
  const savedStep = async () => ((await saved.count()) > 0 ? Number(/^step (\d+),/.exec(await saved.innerText())?.[1] ?? 0) : 0);
  await expect.poll(savedStep, { timeout: 300_000, interval: 100 }).toBeGreaterThanOrEqual(step);
  return savedStep();
}

/** The run's history in the exported zip: each step once, from 1 to `total`. */
async function expectEachStepOnce(studio: StudioPage, total: number): Promise<void> {
  const { files } = await downloadExport(studio);
  const history = JSON.parse(new TextDecoder().decode(files['training_history.json'])) as { steps: { step: number }[] };
  expect(history.steps.map((s) => s.step)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
}

describe('the studio keeps the last good state', () => {
  it('refuses each bad file of the shared set with the words the CLI prints, and keeps the loaded dataset', { timeout: 180_000 }, async () => {
    const studio = await openStudio(env.browser, env.server.url, {});
    const { page } = studio;
    try {
      await loadDemoDataset(studio);
      for (const file of badDatasetFiles().filter((f) => !f.taggedSentences)) {
        await page.getByTestId('dataset-input').setInputFiles(fileIn(file.name, file.bytes));
        const message = page.getByTestId('error-message');
        await message.waitFor({ timeout: 30_000 });
        expect(await message.innerText(), file.what).toBe(file.message);
        expect(await page.getByTestId('dataset-name').innerText()).toBe('reviews.csv');
        if (file.name === 'reviews.pdf') await checkScreen(page, 'reliability-1-pdf-refused');
        await page.getByRole('button', { name: 'Dismiss the error' }).click();
      }
    } finally {
      await studio.context.close();
    }
  });

  it('reads each readable file of the shared set and says how, as the CLI does', { timeout: 120_000 }, async () => {
    const studio = await openStudio(env.browser, env.server.url, {});
    const { page } = studio;
    try {
      for (const file of readableDatasetFiles()) {
        await page.getByTestId('dataset-input').setInputFiles(fileIn(file.name, file.bytes));
        await waitForDataset(studio, file.name);
        expect(await page.getByTestId('dataset-read-as').innerText(), file.what).toBe(file.readAs);
        expect(await page.getByTestId('dataset-rows').innerText()).toBe(String(file.rows));
      }
      await checkScreen(page, 'reliability-2-read-as');
    } finally {
      await studio.context.close();
    }
  });

  it('a WebGPU device lost mid-run ends in a message and a run that resumes from its last checkpoint on WASM', { timeout: 600_000 }, async () => {
    const studio = await openStudio(env.browser, env.server.url, { hub: env.hub.url, backend: 'webgpu' });
    const { page } = studio;
    try {
      await loadDemoDataset(studio);
      await loadHubModel(studio, FIXTURE_REPO);
      await configureTraining(studio, RUN);
      // Keep every device the train worker's onnxruntime asks for, so the test can destroy it as a lost GPU would be.
      const worker = await trainWorker(page);
      await worker.evaluate(() => {
        const scope = self as unknown as { e2eDevices: { destroy(): void }[]; GPUAdapter: { prototype: { requestDevice(...args: unknown[]): Promise<{ destroy(): void }> } } };
        scope.e2eDevices = [];
        const requestDevice = scope.GPUAdapter.prototype.requestDevice;
        scope.GPUAdapter.prototype.requestDevice = async function (this: unknown, ...args: unknown[]) {
          const device = await requestDevice.apply(this, args);
          scope.e2eDevices.push(device);
          return device;
        };
      });
      await page.getByTestId('train-start').click();
      await waitForTrainStatus(studio, ['running'], 300_000);
      expect(await page.getByTestId('backend-name').getAttribute('data-backend')).toBe('webgpu');
      const saved = await checkpointSavedAt(page, UPDATES_PER_EPOCH);
      const destroyed = await worker.evaluate(() => {
        const devices = (self as unknown as { e2eDevices: { destroy(): void }[] }).e2eDevices;
        for (const device of devices) device.destroy();
        return devices.length;
      });
      expect(destroyed).toBeGreaterThan(0);

      await waitForTrainStatus(studio, ['failed'], 120_000);
      const message = await page.getByTestId('error-message').innerText();
      expect(message).toContain('the GPU stopped working (');
      expect(message).toContain(`the run goes back to its last checkpoint, update ${saved}, and Resume continues from there on the CPU (WASM)`);
      await checkScreen(page, 'reliability-3-gpu-lost');

      await page.getByTestId('train-resume').click();
      await waitForTrainStatus(studio, ['running', 'finished'], 300_000);
      expect(await page.getByTestId('backend-name').getAttribute('data-backend')).toBe('wasm');
      expect(await page.getByTestId('backend-reason').innerText()).toContain('the GPU was lost earlier in this tab');
      await waitForTrainStatus(studio, ['finished'], 300_000);
      const total = RUN.epochs * UPDATES_PER_EPOCH;
      expect(await shownStep(page)).toEqual({ step: total, total });
      await expect.poll(() => lossChartPoints(page), { timeout: 5_000 }).toEqual({ points: total, drawn: true });
      await expectEachStepOnce(studio, total);
    } finally {
      await studio.context.close();
    }
  });

  it('a train worker that dies mid-run is replaced, says so, and the run resumes from its saved checkpoint', { timeout: 300_000 }, async () => {
    const studio = await openStudio(env.browser, env.server.url, { hub: env.hub.url, backend: 'wasm' });
    const { page } = studio;
    // WASM steps are quick: batches of 8 make 30 updates an epoch, so the crash lands mid-run.
    const run = { epochs: 3, maxLength: 16, batchSize: 8 };
    const perEpoch = 30;
    const total = run.epochs * perEpoch;
    try {
      await loadDemoDataset(studio);
      await loadHubModel(studio, FIXTURE_REPO);
      await configureTraining(studio, run);
      await page.getByTestId('train-start').click();
      await waitForTrainStatus(studio, ['running'], 120_000);
      const saved = await checkpointSavedAt(page, perEpoch);
      const worker = await trainWorker(page);
      await worker.evaluate(() => {
        setTimeout(() => {
          throw new Error('simulated crash');
        });
      });

      const message = page.getByTestId('error-message');
      await expect.poll(() => message.innerText(), { timeout: 30_000 }).toContain('The training worker stopped (');
      expect(await message.innerText()).toContain('simulated crash) and was started again. The run is kept in the browser at its last checkpoint: resume it with the banner at the top.');
      // The banner offers the last checkpoint saved before the crash: an epoch's end.
      const banner = page.getByTestId('saved-run');
      await banner.waitFor({ timeout: 30_000 });
      const offered = Number(/step (\d+) of (\d+)/.exec(await banner.innerText())?.[1]);
      expect(offered % perEpoch).toBe(0);
      expect(offered).toBeGreaterThanOrEqual(saved);
      expect(offered).toBeLessThan(total);
      expect(await banner.innerText()).toContain(`of ${total}`);
      await checkScreen(page, 'reliability-4-worker-restarted');

      // The crashed run shows as stopped until the saved one is restored and resumed.
      expect(await trainStatus(page)).toBe('stopped');
      await page.getByTestId('saved-run-resume').click();
      await expect.poll(() => trainStatus(page), { timeout: 60_000 }).not.toBe('stopped');
      await waitForTrainStatus(studio, ['finished'], 240_000);
      expect(await shownStep(page)).toEqual({ step: total, total });
      await expectEachStepOnce(studio, total);
    } finally {
      await studio.context.close();
    }
  });
});
