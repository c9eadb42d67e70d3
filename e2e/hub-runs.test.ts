/**
 * The studio with a Hub dataset by id, in headless Chromium on its production build: the local
 * stand-in Hub serves real imdb rows as the Hub serves its Parquet conversion (listing,
 * redirects, range requests, ClassLabel metadata). Look up "imdb", pick the train split, sample
 * 300 rows, see neg/pos; a download cut mid-way leaves that dataset loaded; one epoch on WASM
 * with two different models; the clickable confusion matrix; both runs compared in the Runs
 * view, also after a reload.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevServer, repoRoot } from './support/browser.ts';
import { fixtureBertRepo, TINY_BERT } from './support/fixture-model.ts';
import { classLabelShards } from './support/hub-dataset-fixture.ts';
import { checkScreen } from './support/accessibility.ts';
import type { HubServer, SimulatedFailure } from './support/hub-server.ts';
import { configureTraining, loadHubModel, openStudio, startTraining, type StudioPage, waitForDataset, waitForTrainStatus } from './support/studio.ts';
import { type StudioEnvironment, startStudioEnvironment } from './support/studio-environment.ts';

const imdbCsv = resolve(repoRoot, '../shared/data/imdb/train.csv');
const missing = existsSync(imdbCsv) ? null : `${imdbCsv} is absent`;
const MODELS = { first: 'e2e-fixtures/bert-tiny-random', second: 'e2e-fixtures/bert-one-layer' } as const;
const TEST_SHARD = 'datasets/imdb/plain_text/test/0000.parquet';

let server: DevServer;
let hub: HubServer;
let browser: Browser;
const failures: Record<string, SimulatedFailure> = {};

let env: StudioEnvironment;

beforeAll(async () => {
  if (missing) return;
  env = await startStudioEnvironment('hub-runs-e2e', {
    repos: { [MODELS.first]: fixtureBertRepo(TINY_BERT), [MODELS.second]: fixtureBertRepo({ ...TINY_BERT, layers: 1, seed: 12 }) },
    failures,
    datasets: {
      imdb: {
        files: {
          'plain_text/train': classLabelShards({ csvPath: imdbCsv, names: ['neg', 'pos'], rows: 1200, rowsPerShard: 600, rowGroupSize: 200 }),
          'plain_text/test': classLabelShards({ csvPath: imdbCsv, names: ['neg', 'pos'], rows: 200 }),
        },
      },
    },
  });
  ({ server, hub, browser } = env);
}, 300_000);

afterAll(() => env?.close());

async function trainOneEpoch(studio: StudioPage, model: string): Promise<void> {
  await loadHubModel(studio, model);
  await configureTraining(studio, { epochs: 1, maxLength: 32, batchSize: 32 });
  // The second run asks before it replaces the first one's model (the Runs view keeps its record).
  await startTraining(studio);
  await waitForTrainStatus(studio, ['finished'], 240_000);
}

describe.skipIf(missing !== null)(`Hub datasets and runs in the studio${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('loads imdb by id, samples 300 rows, keeps it through a broken download, trains two models and compares them', { timeout: 600_000 }, async () => {
    const studio = await openStudio(browser, server.url, { hub: hub.url, backend: 'wasm' });
    const { page } = studio;
    try {
      // Look up by id: configs, splits and row counts from the Parquet listing and footers.
      await page.getByTestId('hub-dataset-id').fill('imdb');
      await page.getByTestId('hub-dataset-lookup').click();
      await page.getByTestId('hub-splits').waitFor({ timeout: 60_000 });
      const splits = await page.getByTestId('hub-split-row').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)));
      expect(splits).toEqual([
        ['train', '1,200'],
        ['test', '200'],
      ]);
      expect(await page.getByTestId('hub-class-names').innerText()).toBe('Classes: neg, pos');
      await page.getByTestId('hub-split').selectOption('train');
      await page.getByTestId('hub-sample').selectOption('random');
      await page.getByTestId('hub-sample-rows').fill('300');
      await page.getByTestId('hub-dataset-load').click();
      await waitForDataset(studio, 'imdb · train');
      expect(await page.getByTestId('dataset-rows').innerText()).toBe('300');
      // The ClassLabel names, not 0/1.
      expect(await page.getByTestId('dataset-summary').innerText()).toContain('2: neg, pos');
      expect(hub.requests.some((r) => r.startsWith('GET /datasets/imdb/resolve/refs%2Fconvert%2Fparquet/plain_text/train/'))).toBe(true);
      await checkScreen(page, 'hub-1-imdb-loaded');

      // The Hub breaks in the middle of the next download: a clear error, and imdb · train stays.
      failures[TEST_SHARD] = 'drop';
      await page.getByTestId('hub-split').selectOption('test');
      await page.getByTestId('hub-sample').selectOption('all');
      await page.getByTestId('hub-dataset-load').click();
      const error = page.getByTestId('error-message');
      await error.waitFor({ timeout: 60_000 });
      expect(await error.innerText()).toMatch(/^The download of plain_text\/test\/0\.parquet of dataset "imdb" from 127\.0\.0\.1:\d+ stopped after \d+ of \d+ bytes: the connection was interrupted\. Try again; the dataset loaded before is kept\.$/);
      expect(await page.getByTestId('dataset-name').innerText()).toBe('imdb · train');
      expect(await page.getByTestId('dataset-rows').innerText()).toBe('300');
      await checkScreen(page, 'hub-2-broken-download');
      await page.getByRole('button', { name: 'Dismiss the error' }).click();
      delete failures[TEST_SHARD];

      await trainOneEpoch(studio, MODELS.first);
      // The clickable confusion matrix: a cell lists its validation rows with their probabilities.
      await page.getByTestId('nav-evaluate').click();
      const cells = page.locator('[data-testid^="confusion-cell-"]');
      await cells.first().waitFor({ timeout: 60_000 });
      const cell = cells.first();
      const count = Number((await cell.innerText()).replaceAll(',', ''));
      const [t, p] = (await cell.getAttribute('data-testid'))!.replace('confusion-cell-', '').split('-').map(Number) as [number, number];
      await cell.click();
      const cellRows = page.getByTestId('cell-rows').getByTestId('inspected-row');
      await expect.poll(() => cellRows.count(), { timeout: 30_000 }).toBe(Math.min(count, 50));
      const labels = ['neg', 'pos'];
      const firstRow = await cellRows.first().evaluate((row) => [...row.querySelectorAll('td')].map((td) => td.textContent ?? ''));
      expect(firstRow.slice(1, 3)).toEqual([labels[t], labels[p]]);
      expect(firstRow[3]).toMatch(/^(neg|pos) \d+% · (neg|pos) \d+%$/);
      await page.getByTestId('per-class-chart').locator('.recharts-bar-rectangle').first().waitFor();
      // The mistakes, narrowed to true label "neg".
      await page.getByTestId('worst-truth').selectOption('0');
      await expect.poll(async () => (await page.getByTestId('worst-rows').getByTestId('inspected-row').evaluateAll((rows) => rows.map((r) => r.querySelectorAll('td')[1]?.textContent))).every((l) => l === 'neg'), { timeout: 30_000 }).toBe(true);
      await checkScreen(page, 'hub-3-evaluate-cell');

      // A second model on the same data, then both in the Runs view.
      await trainOneEpoch(studio, MODELS.second);
      const compare = async () => {
        await page.getByTestId('nav-runs').click();
        const rows = page.getByTestId('run-row');
        await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(2);
        expect(await page.getByTestId('run-model').allInnerTexts()).toEqual([MODELS.first, MODELS.second]);
        expect(await page.getByTestId('run-backend').allInnerTexts()).toEqual(['WASM', 'WASM']);
        for (const best of await page.getByTestId('run-best').allInnerTexts()) expect(best).toMatch(/^accuracy \d{1,3}\.\d% \(epoch 1\)$/);
        for (const time of await page.getByTestId('run-time').allInnerTexts()) expect(time).not.toBe('–');
        const lossChart = page.getByTestId('runs-loss-chart').locator('.chart');
        expect(await lossChart.getAttribute('data-series')).toBe('2');
        await expect.poll(() => page.getByTestId('runs-loss-chart').locator('.recharts-line-curve').count()).toBe(2);
        await expect.poll(() => page.getByTestId('runs-metric-chart').locator('.recharts-line').count()).toBe(2);
      };
      await compare();
      await page.getByTestId('run-name').first().fill('tiny BERT, 2 layers');
      await page.getByTestId('run-name').first().press('Enter');
      await checkScreen(page, 'hub-4-runs');
      await page.reload();
      await page.getByTestId('nav-runs').waitFor();
      await compare();
      expect(await page.getByTestId('run-name').first().inputValue()).toBe('tiny BERT, 2 layers');
      expect(studio.problems.filter((problem) => problem.startsWith('page error'))).toEqual([]);
    } finally {
      await studio.context.close();
    }
  });
});
