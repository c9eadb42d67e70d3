/**
 * The studio's other tasks end to end in headless Chromium (production build, WASM): a few
 * hundred rows of GoEmotions (multi-label), STS-B (regression, sentence pairs) and WNUT-17
 * (token classification, tagged JSON Lines) from ../shared/data, each dropped on the Data screen
 * with its own validation file, the task the Data screen reads from the labels, one short epoch of a tiny random
 * BERT from the stand-in Hub, then the Evaluate screen's scores for that task and a Try it
 * answer. The multi-label threshold is moved and tuned, and its scores follow without retraining.
 * Models this small learn no WNUT entity in a CI minute, so a made-up CoNLL file of cities and
 * names, which they do learn, shows the entities marked in a typed sentence. A tagged file whose
 * tags are ids without names leads to the field that names them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
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

/** A fresh studio page (WASM, the stand-in Hub) for `use`, closed after it whatever happens. */
async function inStudio(use: (studio: StudioPage) => Promise<void>): Promise<void> {
  const studio = await openStudio(browser, server.url, { hub: hub.url, backend: 'wasm' });
  try {
    await use(studio);
  } finally {
    await studio.context.close();
  }
}

interface TrainingChoices {
  readonly settings?: Partial<Record<SettingKey, number>>;
  /** Sets on the Data screen what the column guess did not. */
  readonly mapColumns?: (page: Page) => Promise<void>;
}

/**
 * Drops the training file, checks the task the Data screen reads from its labels, gives the
 * validation file, loads the model and trains; on the Evaluate screen, waits for the task's
 * `scores` (test ids), each with three decimals, and hands the page to `check`.
 */
async function evaluateAfterTraining(files: TaskFiles, scores: readonly string[], check: (page: Page) => Promise<void>, { settings = TRAINING, mapColumns }: TrainingChoices = {}): Promise<void> {
  await inStudio(async (studio) => {
    const { page } = studio;
    await dropFile(page, files.train.name, files.train.bytes, files.type);
    await waitForDataset(studio, files.train.name);
    await mapColumns?.(page);
    expect(await page.getByTestId('task-reason').innerText()).toContain(`Task: ${taskById(files.task).title}`);
    await page.getByTestId('validation-input').setInputFiles({ name: files.validation.name, mimeType: files.type, buffer: Buffer.from(files.validation.bytes) });
    await expect.poll(() => page.getByTestId('validation-file').innerText(), { timeout: 60_000 }).toContain(`${files.validation.name} (${VALIDATION_ROWS} rows)`);
    await loadHubModel(studio, FIXTURE_REPO);
    await configureTraining(studio, settings);
    await startTraining(studio);
    await waitForTrainStatus(studio, ['finished'], 240_000);
    await page.getByTestId('nav-evaluate').click();
    await expect.poll(() => page.getByTestId(scores[0]!).innerText(), { timeout: 60_000 }).toMatch(THREE_DECIMALS);
    for (const id of scores.slice(1)) expect(await page.getByTestId(id).innerText(), id).toMatch(THREE_DECIMALS);
    await check(page);
  });
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

async function tryIt(page: Page, text: string): Promise<void> {
  await page.getByTestId('try-input').fill(text);
  await page.getByTestId('try-submit').click();
}

describe.skipIf(missing !== undefined)(`the studio's other tasks${missing ? ` (skipped: ${missing} is absent)` : ''}`, () => {
  it('multi-label (GoEmotions): micro/macro-F1, subset accuracy and per-label scores at a threshold that moves and tunes without retraining; Try it ticks the labels over it', { timeout: 420_000 }, () =>
    evaluateAfterTraining(
      filesOf('goemotions', 'csv', 'multi-label'),
      ['eval-micro-f1', 'eval-macro-f1', 'eval-subset-accuracy'],
      async (page) => {
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

        await tryIt(page, 'Thank you so much, this made my day!');
        await expect.poll(() => page.getByTestId('try-probability').count(), { timeout: 60_000 }).toBe(labels);
        const probabilities = await page.getByTestId('try-probability').evaluateAll((rows) => rows.map((li) => ({ marked: li.classList.contains('prob-marked'), value: Number.parseFloat(li.querySelector('.prob-value')?.textContent ?? '') })));
        const threshold = Number(tuned) * 100;
        // Rounded to 0.1%: a value shown at the threshold may sit on either side of it.
        expect(probabilities.filter((p) => Math.abs(p.value - threshold) > 0.05).every((p) => p.marked === p.value > threshold)).toBe(true);
        expect(await page.getByTestId('try-labels').innerText()).toMatch(/probability at least|No label reaches the threshold/);
        await page.getByTestId('try-output').scrollIntoViewIfNeeded();
        await checkScreen(page, 'tasks-multi-label-evaluate');
      },
      { mapColumns: async (page) => expect(await page.getByTestId('column-label').inputValue()).toBe('labels') },
    ));

  it('regression (STS-B pairs): MSE, Pearson and Spearman, predicted against true score for every validation row, and the score of a typed pair in Try it', { timeout: 420_000 }, () =>
    evaluateAfterTraining(
      filesOf('stsb', 'csv', 'regression'),
      ['eval-mse', 'eval-pearson', 'eval-spearman'],
      async (page) => {
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
      },
      {
        mapColumns: async (page) => {
          expect(await page.getByTestId('column-label').inputValue()).toBe('score');
          await page.getByTestId('column-pair').selectOption('sentence2');
          await expect.poll(() => page.getByTestId('column-pair').inputValue()).toBe('sentence2');
        },
      },
    ));

  it('token classification, learnt: the entities of a typed sentence are marked in place and named by their type', { timeout: 420_000 }, () =>
    evaluateAfterTraining(
      {
        task: 'token-classification',
        train: { name: 'places-train.conll', bytes: placesAndPeople(240, 0) },
        validation: { name: 'places-validation.conll', bytes: placesAndPeople(VALIDATION_ROWS, 3) },
        type: 'text/plain',
      },
      ['eval-entity-f1'],
      async (page) => {
        const marked = async (sentence: string) => {
          await tryIt(page, sentence);
          await expect.poll(() => page.getByTestId('try-tags').locator('tbody td:first-child').allInnerTexts(), { timeout: 60_000 }).toEqual(sentence.split(' '));
          return page.getByTestId('try-entity').evaluateAll((found) => found.map((m) => ({ type: m.getAttribute('data-entity'), text: m.textContent })));
        };
        expect(await marked('we flew to tokyo last week')).toEqual([{ type: 'location', text: 'tokyo location' }]);
        expect(await marked('mary jones called me today')).toEqual([{ type: 'person', text: 'mary jones person' }]);
        expect(await page.getByTestId('try-sentence').innerText()).toMatch(/^mary jones PERSON\s+called me today$/);
        await page.getByTestId('try-output').scrollIntoViewIfNeeded();
        await checkScreen(page, 'tasks-token-classification-marks', [SCREEN_SIZES[0]]);
      },
      { settings: { ...TRAINING, epochs: 2, learningRate: 0.005 } },
    ));

  it('token classification (WNUT-17): entity precision/recall/F1 per type and overall with token accuracy, and the typed sentence tagged word by word', { timeout: 420_000 }, () =>
    evaluateAfterTraining(filesOf('wnut17', 'jsonl', 'token-classification'), ['eval-entity-f1', 'eval-entity-precision', 'eval-entity-recall', 'eval-token-accuracy'], async (page) => {
      const types = await page.getByTestId('per-entity-type').locator('tbody td:first-child').allInnerTexts();
      expect(types.length).toBeGreaterThan(0);
      expect(types.every((t) => ['corporation', 'creative-work', 'group', 'location', 'person', 'product'].includes(t))).toBe(true);

      const sentence = 'I watched Star Wars in London with Elon Musk';
      await tryIt(page, sentence);
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
    }));

  it('tagged JSON Lines whose tags are ids: the error says where the tag names go, opens that field, and its button moves the focus there', { timeout: 120_000 }, () =>
    inStudio(async (studio) => {
      const { page } = studio;
      const ids = new TextEncoder().encode('{"tokens": ["Anna", "met", "Bob"], "ner_tags": [1, 0, 1]}\n{"tokens": ["in", "Oslo"], "ner_tags": [0, 2]}\n'.repeat(5));
      await dropFile(page, 'ids.jsonl', ids, 'application/jsonl');
      await expect.poll(() => page.getByTestId('error-message').innerText(), { timeout: 60_000 }).toContain('Give the tag names in id order under “Tagged sentences whose tags are numbers?”');
      expect(await page.locator('details.tag-names').evaluate((details) => (details as HTMLDetailsElement).open)).toBe(true);
      await page.getByTestId('error-fix').click();
      await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('tag-names');
      await page.keyboard.type('O,B-person,B-location');
      await page.keyboard.press('Enter');
      await waitForDataset(studio, 'ids.jsonl');
      expect(await page.getByTestId('dataset-labels').innerText()).toBe('3: O, B-location, B-person');
    }));
});
