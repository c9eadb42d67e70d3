/**
 * Driving the studio app (index.html) as a person would, through its data-testids: one browser
 * context per flow (its own OPFS and Cache Storage), long tasks recorded from the first script
 * on, screenshots at the screen sizes the studio is designed for, the progress lines a run
 * shows, and the export download read back as files. Node only.
 */
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { unzipSync } from 'fflate';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { repoRoot } from './browser.ts';

/** Screenshots for people to look at; kept out of git (.gitignore). */
export const artifactsDir = resolve(repoRoot, 'e2e-artifacts');

/** A laptop on a projector, a full-HD screen, and the laptop zoomed to 200% (or a small window). */
export const SCREEN_SIZES = [
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
  { width: 640, height: 400 },
] as const;

export type ScreenSize = (typeof SCREEN_SIZES)[number];

export type BackendName = 'webgpu' | 'wasm';
export type TrainStatus = 'idle' | 'preparing' | 'running' | 'pausing' | 'paused' | 'stopping' | 'finished' | 'stopped' | 'failed';

export interface StudioPage {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Uncaught exceptions in the page and its workers, and console errors: shown when a wait fails. */
  readonly problems: string[];
  readonly url: string;
  /** Every document the tab loaded, in order: a reload shows as a second entry. */
  readonly navigations: string[];
}

export interface LongTask {
  readonly startTime: number;
  readonly duration: number;
}

/** A progress line the page showed, with the time-left tile as it read then. */
export interface ShownProgress {
  readonly label: string;
  readonly timeLeft: string;
}

/** What the page showed of a run, in order: its progress lines and what the checkpoint tile said. */
export interface ShownRun {
  readonly progress: ShownProgress[];
  readonly checkpoints: string[];
}

declare global {
  interface Window {
    __studioLongTasks?: LongTask[];
    __studioRun?: ShownRun;
  }
}

/** Installed before the app's scripts, so no long task is missed; `buffered` adds those from before it. */
function recordLongTasks(): void {
  const tasks: LongTask[] = [];
  window.__studioLongTasks = tasks;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) tasks.push({ startTime: entry.startTime, duration: entry.duration });
  }).observe({ type: 'longtask', buffered: true });
}

/** In a new browser context, unless `params.context` names one to open another tab in (its service workers, caches and storage with it). */
export async function openStudio(browser: Browser, appUrl: string, params: { hub?: string; backend?: BackendName; context?: BrowserContext }): Promise<StudioPage> {
  const context = params.context ?? (await browser.newContext({ viewport: SCREEN_SIZES[0], acceptDownloads: true }));
  const page = await context.newPage();
  const problems: string[] = [];
  const navigations: string[] = [];
  page.on('framenavigated', (frame) => frame === page.mainFrame() && navigations.push(frame.url()));
  page.on('pageerror', (error) => problems.push(`page error: ${error.stack ?? error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('worker', (worker) => worker.on('console', (message) => message.type() === 'error' && problems.push(`worker console error: ${message.text()}`)));
  await page.addInitScript(recordLongTasks);
  const query = new URLSearchParams();
  if (params.hub) query.set('hub', params.hub);
  if (params.backend) query.set('backend', params.backend);
  const url = `${appUrl}/?${query}`;
  await page.goto(url);
  await page.getByTestId('demo-dataset').waitFor();
  return { context, page, problems, url, navigations };
}

/**
 * The page at each screen size (charts re-measure themselves on resize), saved as
 * `<name>-<w>x<h>.png`, with the height the sticky header takes at each.
 */
export async function saveScreens(page: Page, name: string, sizes: readonly ScreenSize[] = SCREEN_SIZES): Promise<{ size: ScreenSize; headerHeight: number }[]> {
  mkdirSync(artifactsDir, { recursive: true });
  const original = page.viewportSize();
  const shown: { size: ScreenSize; headerHeight: number }[] = [];
  for (const size of sizes) {
    await page.setViewportSize(size);
    await nextFrames(page);
    await page.screenshot({ path: resolve(artifactsDir, `${name}-${size.width}x${size.height}.png`) });
    shown.push({ size, headerHeight: await page.evaluate(() => document.querySelector('.app-header')?.getBoundingClientRect().height ?? 0) });
  }
  if (original) {
    await page.setViewportSize(original);
    await nextFrames(page);
  }
  return shown;
}

/** Where the element is on the page, for checks of what is above the fold. */
export async function boxOf(page: Page, selector: string): Promise<{ top: number; bottom: number; width: number; scrollWidth: number }> {
  return page.locator(selector).first().evaluate((el) => {
    const box = el.getBoundingClientRect();
    return { top: box.top, bottom: box.bottom, width: box.width, scrollWidth: el.scrollWidth };
  });
}

/**
 * From now on, every progress line the page shows (each bar's label, once) with what the
 * time-left tile said at that moment, and every text of the checkpoint tile; read them back
 * with `shownRun`.
 */
export async function recordRun(page: Page): Promise<void> {
  await page.evaluate(() => {
    const shown: ShownRun = { progress: [], checkpoints: [] };
    window.__studioRun = shown;
    const note = () => {
      const timeLeft = document.querySelector('[data-testid="train-eta"]')?.textContent ?? '';
      for (const bar of document.querySelectorAll('[role="progressbar"]')) {
        const label = bar.getAttribute('aria-label') ?? '';
        if (!shown.progress.some((p) => p.label === label)) shown.progress.push({ label, timeLeft });
      }
      const checkpoint = document.querySelector('[data-testid="checkpoint-saved"]')?.textContent ?? '';
      if (shown.checkpoints.at(-1) !== checkpoint) shown.checkpoints.push(checkpoint);
    };
    new MutationObserver(note).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['aria-label'] });
  });
}

export async function shownRun(page: Page): Promise<ShownRun> {
  return page.evaluate(() => window.__studioRun ?? { progress: [], checkpoints: [] });
}

/** What the focused element is: its test id, else its tag and text. */
export async function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return 'body';
    return el.getAttribute('data-testid') ?? `${el.tagName.toLowerCase()}: ${el.textContent ?? ''}`;
  });
}

/** Two animation frames: the resize observers have run and React has drawn their result. */
async function nextFrames(page: Page): Promise<void> {
  await page.evaluate(() => new Promise<void>((done) => requestAnimationFrame(() => requestAnimationFrame(() => done()))));
}

function diagnose(studio: StudioPage, what: string, error: unknown): Error {
  const problems = studio.problems.length > 0 ? `\n--- page problems ---\n${studio.problems.slice(-20).join('\n')}` : '';
  return new Error(`${what}: ${error instanceof Error ? error.message : String(error)}${problems}`);
}

async function shownError(page: Page): Promise<string | null> {
  const banner = page.getByTestId('error-message');
  return (await banner.count()) > 0 ? banner.innerText() : null;
}

export async function loadDemoDataset(studio: StudioPage): Promise<void> {
  const { page } = studio;
  await page.getByTestId('nav-data').click();
  await page.getByTestId('demo-dataset').click();
  await waitForDataset(studio, 'reviews.csv');
}

/** Until the data screen names `fileName` as the loaded dataset; fails early when an error is shown instead. */
export async function waitForDataset(studio: StudioPage, fileName: string, timeoutMs = 60_000): Promise<void> {
  try {
    await studio.page.waitForFunction(
      (name) => document.querySelector('[data-testid="dataset-name"]')?.textContent === name || document.querySelector('[data-testid="error-message"]') !== null,
      fileName,
      { timeout: timeoutMs, polling: 100 },
    );
  } catch (error) {
    throw diagnose(studio, `the dataset ${fileName} did not load`, error);
  }
  const error = await shownError(studio.page);
  if (error !== null) throw diagnose(studio, `loading ${fileName} failed`, error);
}

/** Drops a file on the page as a person drags one from their desktop: the page's drop handler gets it as `DataTransfer` files. */
export async function dropFile(page: Page, name: string, bytes: Uint8Array, type: string): Promise<void> {
  await page.evaluate(
    ({ name, data, type }) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(data)], name, { type }));
      for (const event of ['dragenter', 'dragover', 'drop']) window.dispatchEvent(new DragEvent(event, { dataTransfer: transfer, bubbles: true, cancelable: true }));
    },
    { name, data: [...bytes], type },
  );
}

/** Types a Hub id, loads it, and waits until the model and its tokenizer are ready. */
export async function loadHubModel(studio: StudioPage, repoId: string): Promise<void> {
  const { page } = studio;
  await page.getByTestId('nav-model').click();
  await page.getByTestId('model-id').fill(repoId);
  await page.getByTestId('model-load').click();
  try {
    await page.waitForFunction(
      () => document.querySelector('[data-testid="model-summary"]') !== null || document.querySelector('[data-testid="error-message"]') !== null,
      null,
      { timeout: 60_000, polling: 100 },
    );
  } catch (error) {
    throw diagnose(studio, `the model ${repoId} did not load`, error);
  }
  const error = await shownError(page);
  if (error !== null) throw diagnose(studio, `loading ${repoId} failed`, error);
}

export type SettingKey = 'epochs' | 'batchSize' | 'learningRate' | 'maxLength' | 'seed' | 'checkpointSteps' | 'gpuMemoryBudget';

/** Fills the Train screen's fields, opening Advanced for those kept there. */
export async function configureTraining(studio: StudioPage, settings: Partial<Record<SettingKey, number>>): Promise<void> {
  const { page } = studio;
  await page.getByTestId('nav-train').click();
  for (const [key, value] of Object.entries(settings)) {
    const field = page.getByTestId(`setting-${key}`);
    if (!(await field.isVisible())) await page.locator('details.advanced > summary').click();
    await field.fill(String(value));
  }
}

/**
 * Presses Train. When a run is there (finished, paused, or saved in the browser) the studio
 * asks before discarding it, naming it: this says yes, as someone starting the next run would.
 */
export async function startTraining(studio: StudioPage): Promise<void> {
  const { page } = studio;
  await page.getByTestId('train-start').click();
  await page.waitForFunction(
    () => document.querySelector<HTMLDialogElement>('[data-testid="new-run-dialog"]')?.open === true || document.querySelector<HTMLElement>('[data-testid="train-status"]')?.dataset.status === 'preparing',
    null,
    { timeout: 10_000, polling: 50 },
  );
  if (await page.getByTestId('new-run-dialog').isVisible()) await page.getByTestId('new-run-confirm').click();
}

export async function trainStatus(page: Page): Promise<TrainStatus> {
  return (await page.getByTestId('train-status').getAttribute('data-status')) as TrainStatus;
}

/** Until the run reaches one of `statuses`; a failed run (or an unexpected end) fails with the message shown. */
export async function waitForTrainStatus(studio: StudioPage, statuses: readonly TrainStatus[], timeoutMs: number): Promise<TrainStatus> {
  const ends: string[] = ['failed', 'stopped', 'finished', ...statuses];
  try {
    await studio.page.waitForFunction(
      (wanted) => wanted.includes(document.querySelector<HTMLElement>('[data-testid="train-status"]')?.dataset.status ?? ''),
      ends,
      { timeout: timeoutMs, polling: 100 },
    );
  } catch (error) {
    throw diagnose(studio, `training did not reach ${statuses.join(' or ')} (it is ${await trainStatus(studio.page)})`, error);
  }
  const status = await trainStatus(studio.page);
  if (!statuses.includes(status)) throw diagnose(studio, `training ended as ${status} instead of ${statuses.join(' or ')}`, (await shownError(studio.page)) ?? 'no error shown');
  return status;
}

/** The step the progress bar shows ("Step 12 of 30 · epoch 1 of 2"), or null before the first step. */
export async function shownStep(page: Page): Promise<{ step: number; total: number } | null> {
  const labels = await page.locator('[role="progressbar"]').evaluateAll((bars) => bars.map((b) => b.getAttribute('aria-label') ?? ''));
  for (const label of labels) {
    const match = /^Step ([\d,]+) of ([\d,]+)/.exec(label);
    if (match) return { step: Number(match[1]!.replaceAll(',', '')), total: Number(match[2]!.replaceAll(',', '')) };
  }
  return null;
}

/** Points the loss chart has plotted: its data count, and whether recharts drew the curve. */
export async function lossChartPoints(page: Page): Promise<{ points: number; drawn: boolean }> {
  const frame = page.getByTestId('loss-chart').locator('.chart-frame');
  const points = Number(await frame.getAttribute('data-points'));
  const drawn = await frame.locator('.recharts-line-curve').evaluateAll((paths) => paths.some((p) => (p.getAttribute('d') ?? '').length > 10));
  return { points, drawn };
}

/** A long task the page reported, with the CPU time its main thread really spent in it. */
export interface MeasuredLongTask extends LongTask {
  /** ms of main-thread CPU time in the task, from Chromium's trace; null when no traced task matched. */
  readonly cpu: number | null;
}

interface TraceEvent {
  readonly name: string;
  readonly ph: string;
  readonly pid: number;
  readonly tid: number;
  readonly ts: number;
  readonly dur?: number;
  readonly tdur?: number;
  readonly args?: { data?: { startTime?: number } };
}

const TRACE_MARK = 'studio-e2e-long-tasks';
const TASK_EVENTS = new Set(['RunTask', 'ThreadControllerImpl::RunTask']);

/**
 * The long tasks the page's PerformanceObserver saw while `during` ran, each with its
 * main-thread CPU time from a Chromium trace of the same interval. On a loaded machine a
 * task's wall time (what the observer reports) is its CPU time plus the time other processes
 * held the core; the CPU time is the page's own cost.
 */
export async function measureLongTasks(browser: Browser, page: Page, during: () => Promise<void>): Promise<MeasuredLongTask[]> {
  await browser.startTracing(page, { categories: ['toplevel', 'blink.user_timing'] });
  let trace: Buffer;
  let from: number;
  let to: number;
  try {
    from = await page.evaluate((name) => performance.mark(name).startTime, TRACE_MARK);
    await during();
    to = await page.evaluate(() => performance.now());
  } finally {
    trace = await browser.stopTracing();
  }
  const observed = await page.evaluate(() => window.__studioLongTasks ?? null);
  if (observed === null) throw new Error('the long-task recorder is not installed in the page');
  const parsed = JSON.parse(trace.toString('utf8')) as { traceEvents: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(parsed) ? parsed : parsed.traceEvents;
  // The mark ties the page's clock (ms) to the trace's (µs) and names the page's main thread.
  const mark = events.find((e) => e.name === TRACE_MARK && e.args?.data?.startTime !== undefined);
  if (!mark) throw new Error(`the trace has no "${TRACE_MARK}" mark`);
  const offsetUs = mark.ts - mark.args!.data!.startTime! * 1000;
  const tasks = events.filter((e) => e.ph === 'X' && TASK_EVENTS.has(e.name) && e.pid === mark.pid && e.tid === mark.tid);
  return observed
    .filter((t) => t.startTime >= from && t.startTime <= to)
    .map((t) => {
      const start = t.startTime * 1000 + offsetUs;
      const end = start + t.duration * 1000;
      let best: TraceEvent | null = null;
      let bestOverlap = 0;
      for (const e of tasks) {
        const overlap = Math.min(end, e.ts + (e.dur ?? 0)) - Math.max(start, e.ts);
        if (overlap > bestOverlap) {
          best = e;
          bestOverlap = overlap;
        }
      }
      return { ...t, cpu: best?.tdur === undefined ? null : best.tdur / 1000 };
    });
}

/** Clicks Download on the export screen and returns the zip's files by path. */
export async function downloadExport(studio: StudioPage, timeoutMs = 120_000): Promise<{ fileName: string; files: Record<string, Uint8Array> }> {
  const { page } = studio;
  await page.getByTestId('nav-export').click();
  try {
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: timeoutMs }), page.getByTestId('export-download').click()]);
    const path = await download.path();
    return { fileName: download.suggestedFilename(), files: unzipSync(new Uint8Array(await readFile(path))) };
  } catch (error) {
    throw diagnose(studio, 'the export did not download', (await shownError(page)) ?? error);
  }
}
