/**
 * The studio's other tasks end to end in headless Chromium (production build, WASM): a few
 * hundred rows of GoEmotions (multi-label), STS-B (regression, sentence pairs) and WNUT-17
 * (token classification, tagged JSON Lines) from ../shared/data, each dropped on the Data screen
 * with its own validation file, the task the Data screen reads from the labels, one short epoch of a tiny random
 * BERT from the stand-in Hub, then the Evaluate screen's scores for that task and a Try it
 * answer. The multi-label threshold is moved and tuned, and its scores follow without retraining.
 * Models this small learn no WNUT entity in a CI minute, so a made-up CoNLL file of cities and
 * names, which they do learn, shows the entities marked in a typed sentence.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TaskId, taskById } from '../src/engine/tasks/index.ts';
import { checkScreen } from './support/accessibility.ts';
import { type DevServer, repoRoot } from './support/browser.ts';
import { fixtureBertRepo, TINY_BERT } from './support/fixture-model.ts';
import type { HubServer } from './support/hub-server.ts';
import {
  configureTraining,
  dropFile,
  loadHubModel,
  openStudio,
  SCREEN_SIZES,
  type SettingKey,
  startTraining,
  type StudioPage,
  waitForDataset,
  waitForTrainStatus,
} from './support/studio.ts';
import { type StudioEnvironment, startStudioEnvironment } from './support/studio-environment.ts';

const FIXTURE_REPO = 'e2e-fixtures/bert-tiny-random';
const sharedData = resolve(repoRoot, '../shared/data');
const missing = ['goemotions', 'stsb', 'wnut17'].map((name) => resolve(sharedData, name)).find((folder) => !existsSync(folder));
/** Rows of each task's training and validation files: enough for every score to be defined, few enough for a CI minute. */
const TRAIN_ROWS = 300;
const VALIDATION_ROWS = 100;
const TRAINING = { epochs: 1, batchSize: 16, maxLength: 32, learningRate: 0.001 } as const;
const THREE_DECIMALS = /^-?\d+\.\d{3}$/;

let env: StudioEnvironment;
let server: DevServer;
let hub: HubServer;
let browser: Browser;

beforeAll(async () => {
  if (missing) return;
  env = await startStudioEnvironment('studio-tasks-e2e', { repos: { [FIXTURE_REPO]: fixtureBertRepo(TINY_BERT) } });
  ({ server, hub, browser } = env);
}, 300_000);

afterAll(() => env?.close());

/** The first `rows` rows of a shared file, with its header line when it has one (none of these files has a line break inside a cell). */
function head(file: string, rows: number, header: boolean): Uint8Array {
  const lines = readFileSync(resolve(sharedData, file), 'utf8').split('\n');
  return new TextEncoder().encode(`${lines.slice(0, rows + (header ? 1 : 0)).join('\n')}\n`);
}

interface TaskFiles {
  /** The task the Data screen reads the files for, from their labels. */
  readonly task: TaskId;
  readonly train: { readonly name: string; readonly bytes: Uint8Array };
  readonly validation: { readonly name: string; readonly bytes: Uint8Array };
  readonly type: string;
}

function filesOf(folder: string, extension: 'csv' | 'jsonl', task: TaskId): TaskFiles {
  const header = extension === 'csv';
  return {
    task,
    train: { name: `${folder}-train.${extension}`, bytes: head(`${folder}/train.${extension}`, TRAIN_ROWS, header) },
    validation: { name: `${folder}-validation.${extension}`, bytes: head(`${folder}/validation.${extension}`, VALIDATION_ROWS, header) },
    type: header ? 'text/csv' : 'application/jsonl',
  };
}

/** Drops the training file, gives the validation file, lets `mapColumns` set what the guess did not, loads the model and trains one epoch. */
async function trainOn(studio: StudioPage, files: TaskFiles, settings: Partial<Record<SettingKey, number>> = TRAINING, mapColumns: () => Promise<void> = async () => undefined): Promise<void> {
  const { page } = studio;
  await dropFile(page, files.train.name, files.train.bytes, files.type);
  await waitForDataset(studio, files.train.name);
  await mapColumns();
  expect(await page.getByTestId('task-reason').innerText()).toContain(`Task: ${taskById(files.task).title}`);
  await page.getByTestId('validation-input').setInputFiles({ name: files.validation.name, mimeType: files.type, buffer: Buffer.from(files.validation.bytes) });
  await expect.poll(() => page.getByTestId('validation-file').innerText(), { timeout: 60_000 }).toContain(`${files.validation.name} (${VALIDATION_ROWS} rows)`);
  await loadHubModel(studio, FIXTURE_REPO);
  await configureTraining(studio, settings);
  await startTraining(studio);
  await waitForTrainStatus(studio, ['finished'], 240_000);
  await page.getByTestId('nav-evaluate').click();
}

/**
 * Sentences whose entities a tiny model learns in one short run: a city (location) or a first
 * and last name (person) in a fixed frame, as a CoNLL file (a word and its tag per line).
 */
function placesAndPeople(count: number, seed: number): Uint8Array {
  const cities = ['paris', 'london', 'tokyo', 'berlin', 'rome', 'madrid', 'chicago', 'boston'];
  const people = [['john', 'smith'], ['mary', 'jones'], ['david', 'brown'], ['sarah', 'miller']];
  const sentences = Array.from({ length: count }, (_, i) => {
    const n = (i >> 1) + seed;
    if (i % 2 === 0) return [['we', 'O'], ['flew', 'O'], ['to', 'O'], [cities[n % cities.length]!, 'B-location'], ['last', 'O'], ['week', 'O']];
    const [first, last] = people[n % people.length]!;
    return [[first!, 'B-person'], [last!, 'I-person'], ['called', 'O'], ['me', 'O'], ['today', 'O']];
  });
  return new TextEncoder().encode(sentences.map((words) => words.map(([word, tag]) => `${word} ${tag}\n`).join('')).join('\n'));
}

async function tryIt(studio: StudioPage, text: string): Promise<void> {
  await studio.page.getByTestId('try-input').fill(text);
  await studio.page.getByTestId('try-submit').click();
}

describe.skipIf(missing !== undefined)(`the studio's other tasks${missing ? ` (skipped: ${missing} is absent)` : ''}`, () => {
  it('multi-label (GoEmotions): micro/macro-F1, subset accuracy and per-label scores at a threshold that moves and tunes without retraining; Try it ticks the labels over it', { timeout: 420_000 }, async () => {
    const studio = await openStudio(browser, server.url, { hub: hub.url, backend: 'wasm' });
    const { page } = studio;
    try {
      await trainOn(studio, filesOf('goemotions', 'csv', 'multi-label'), TRAINING, async () => expect(await page.getByTestId('column-label').inputValue()).toBe('labels'));
      await expect.poll(() => page.getByTestId('eval-micro-f1').innerText(), { timeout: 60_000 }).toMatch(THREE_DECIMALS);
      expect(await page.getByTestId('eval-macro-f1').innerText()).toMatch(THREE_DECIMALS);
      expect(await page.getByTestId('eval-subset-accuracy').innerText()).toMatch(THREE_DECIMALS);
      const labels = await page.getByTestId('per-label').locator('tbody tr').count();
      expect(labels).toBeGreaterThanOrEqual(25);
      expect(await page.getByTestId('threshold-value').innerText()).toBe('0.50');
      await expect.poll(() => page.getByTestId('worst-row').count()).toBeGreaterThan(0);

      // Moved off the tuned value, then tuned: the scores are those of the tuned threshold.
      const tuned = /(\d\.\d\d)$/.exec(await page.getByTestId('tune-threshold').innerText())![1]!;
      const away = tuned === '0.95' ? '0.05' : '0.95';
      await page.getByTestId('threshold-input').fill(away);
      await expect.poll(() => page.getByTestId('threshold-note').innerText()).toContain(`The scores above are at ${away}`);
      await page.getByTestId('tune-threshold').click();
      await expect.poll(() => page.getByTestId('threshold-note').innerText()).toContain(`The scores above are at ${tuned}`);
      expect(await page.getByTestId('threshold-value').innerText()).toBe(tuned);
      expect(await page.getByTestId('eval-micro-f1').innerText()).toBe(await page.getByTestId('tuned-micro-f1').innerText());

      await tryIt(studio, 'Thank you so much, this made my day!');
      await expect.poll(() => page.getByTestId('try-probability').count(), { timeout: 60_000 }).toBe(labels);
      const probabilities = await page.getByTestId('try-probability').evaluateAll((rows) => rows.map((li) => ({ marked: li.classList.contains('prob-marked'), value: Number.parseFloat(li.querySelector('.prob-value')?.textContent ?? '') })));
      const threshold = Number(tuned) * 100;
      // Rounded to 0.1%: a value shown at the threshold may sit on either side of it.
      expect(probabilities.filter((p) => Math.abs(p.value - threshold) > 0.05).every((p) => p.marked === p.value > threshold)).toBe(true);
      expect(await page.getByTestId('try-labels').innerText()).toMatch(/probability at least|No label reaches the threshold/);
      await page.getByTestId('try-output').scrollIntoViewIfNeeded();
      await checkScreen(page, 'tasks-multi-label-evaluate');
    } finally {
      await studio.context.close();
    }
  });

  it('regression (STS-B pairs): MSE, Pearson and Spearman, predicted against true score for every validation row, and the score of a typed pair in Try it', { timeout: 420_000 }, async () => {
    const studio = await openStudio(browser, server.url, { hub: hub.url, backend: 'wasm' });
    const { page } = studio;
    try {
      await trainOn(studio, filesOf('stsb', 'csv', 'regression'), TRAINING, async () => {
        expect(await page.getByTestId('column-label').inputValue()).toBe('score');
        await page.getByTestId('column-pair').selectOption('sentence2');
        await expect.poll(() => page.getByTestId('column-pair').inputValue()).toBe('sentence2');
      });
      await expect.poll(() => page.getByTestId('eval-mse').innerText(), { timeout: 60_000 }).toMatch(THREE_DECIMALS);
      expect(await page.getByTestId('eval-pearson').innerText()).toMatch(THREE_DECIMALS);
      expect(await page.getByTestId('eval-spearman').innerText()).toMatch(THREE_DECIMALS);
      const scatter = page.getByTestId('regression-scatter');
      expect(await scatter.getAttribute('data-points')).toBe(String(VALIDATION_ROWS));
      await expect.poll(() => scatter.locator('.recharts-scatter-symbol').count()).toBe(VALIDATION_ROWS);
      expect(await scatter.locator('.recharts-reference-line').count()).toBe(1);
      await expect.poll(() => page.getByTestId('worst-row').count()).toBe(12);

      // A pair model scores two texts: Try it waits for the second.
      await page.getByTestId('try-input').fill('A man is playing a guitar.');
      expect(await page.getByTestId('try-submit').isDisabled()).toBe(true);
      await page.getByTestId('try-pair-input').fill('A man plays the guitar.');
      await page.getByTestId('try-submit').click();
      await expect.poll(() => page.getByTestId('try-score').innerText(), { timeout: 60_000 }).toMatch(THREE_DECIMALS);
      expect(await page.getByTestId('try-score-range').innerText()).toMatch(/the training scores run from \d\.\d\d to \d\.\d\d/);
      await checkScreen(page, 'tasks-regression-evaluate');
    } finally {
      await studio.context.close();
    }
  });

  it('token classification, learnt: the entities of a typed sentence are marked in place and named by their type', { timeout: 420_000 }, async () => {
    const studio = await openStudio(browser, server.url, { hub: hub.url, backend: 'wasm' });
    const { page } = studio;
    try {
      const files: TaskFiles = {
        task: 'token-classification',
        train: { name: 'places-train.conll', bytes: placesAndPeople(240, 0) },
        validation: { name: 'places-validation.conll', bytes: placesAndPeople(VALIDATION_ROWS, 3) },
        type: 'text/plain',
      };
      await trainOn(studio, files, { ...TRAINING, epochs: 2, learningRate: 0.005 });
      await expect.poll(() => page.getByTestId('eval-entity-f1').innerText(), { timeout: 60_000 }).toMatch(THREE_DECIMALS);
      const marked = async (sentence: string) => {
        await tryIt(studio, sentence);
        await expect.poll(() => page.getByTestId('try-tags').locator('tbody td:first-child').allInnerTexts(), { timeout: 60_000 }).toEqual(sentence.split(' '));
        return page.getByTestId('try-entity').evaluateAll((found) => found.map((m) => ({ type: m.getAttribute('data-entity'), text: m.textContent })));
      };
      expect(await marked('we flew to tokyo last week')).toEqual([{ type: 'location', text: 'tokyo location' }]);
      expect(await marked('mary jones called me today')).toEqual([{ type: 'person', text: 'mary jones person' }]);
      expect(await page.getByTestId('try-sentence').innerText()).toMatch(/^mary jones PERSON\s+called me today$/);
      await page.getByTestId('try-output').scrollIntoViewIfNeeded();
      await checkScreen(page, 'tasks-token-classification-marks', [SCREEN_SIZES[0]]);
    } finally {
      await studio.context.close();
    }
  });

  it('token classification (WNUT-17): entity precision/recall/F1 per type and overall with token accuracy, and the typed sentence tagged word by word', { timeout: 420_000 }, async () => {
    const studio = await openStudio(browser, server.url, { hub: hub.url, backend: 'wasm' });
    const { page } = studio;
    try {
      await trainOn(studio, filesOf('wnut17', 'jsonl', 'token-classification'));
      await expect.poll(() => page.getByTestId('eval-entity-f1').innerText(), { timeout: 60_000 }).toMatch(THREE_DECIMALS);
      for (const id of ['eval-entity-precision', 'eval-entity-recall', 'eval-token-accuracy']) expect(await page.getByTestId(id).innerText()).toMatch(THREE_DECIMALS);
      const types = await page.getByTestId('per-entity-type').locator('tbody td:first-child').allInnerTexts();
      expect(types.length).toBeGreaterThan(0);
      expect(types.every((t) => ['corporation', 'creative-work', 'group', 'location', 'person', 'product'].includes(t))).toBe(true);

      const sentence = 'I watched Star Wars in London with Elon Musk';
      await tryIt(studio, sentence);
      const tags = page.getByTestId('try-tags').locator('tbody tr');
      await expect.poll(() => tags.count(), { timeout: 60_000 }).toBe(sentence.split(' ').length);
      const rows = await tags.evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
      expect(rows.map((r) => r[0])).toEqual(sentence.split(' '));
      expect(rows.every((r) => /^(O|[BI]-[a-z-]+)$/.test(r[1]!))).toBe(true);
      // Each entity the tags spell (seqeval: a B- tag, or an I- tag not continuing its type) is marked in the sentence, named by its type.
      const shownTags = rows.map((r) => r[1]!);
      const entities = shownTags.flatMap((tag, i) => (tag.startsWith('B-') || (tag.startsWith('I-') && shownTags[i - 1]?.slice(2) !== tag.slice(2)) ? [tag.slice(2)] : []));
      expect(await page.getByTestId('try-entity').evaluateAll((marks) => marks.map((m) => m.getAttribute('data-entity')))).toEqual(entities);
      expect(await page.getByTestId('try-sentence').textContent()).toContain(entities.length === 0 ? 'I watched Star Wars' : entities[0]!);
      await checkScreen(page, 'tasks-token-classification-evaluate');
    } finally {
      await studio.context.close();
    }
  });
});
