/**
 * The studio as a class gets it, in headless Chromium, from one production build:
 *
 * - on a host that cannot send headers (like GitHub Pages), under a sub-path: Python's plain
 *   `http.server` serves the build as /finetune-studio/. The isolation service worker reloads
 *   the page once; then it is cross-origin isolated, trains the demo dataset for one epoch on
 *   WASM threads, with the model from `finetune-studio serve --models` on another origin; a
 *   second tab is isolated without a reload and downloads from the stand-in Hub;
 * - from `finetune-studio serve` itself (the real CLI, as a teacher runs it): COOP/COEP on the
 *   studio, the model folder under the Hub's URLs, loaded by id through the printed `?hub=` URL;
 *   and from a classroom computer, over plain http (no isolation, no WebGPU): it still trains.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CROSS_ORIGIN_ISOLATION_HEADERS } from '../src/hosting/isolation-headers.ts';
import { ISOLATION_WORKER_FILE } from '../src/hosting/isolation.ts';
import { launchChromium, repoRoot } from './support/browser.ts';
import { fixtureBertRepo, TINY_BERT } from './support/fixture-model.ts';
import { startHubServer } from './support/hub-server.ts';
import { buildStudio } from './support/preview-server.ts';
import { configureTraining, loadDemoDataset, loadHubModel, openStudio, type StudioPage, waitForTrainStatus } from './support/studio.ts';

const SUB_PATH = 'finetune-studio';
const FIXTURE_REPO = 'e2e-fixtures/bert-tiny-random';
const PYTHON = '/usr/bin/python3';

/** A server process and the first line of its output that matched what it prints once it listens. */
interface Started {
  readonly child: ChildProcessWithoutNullStreams;
  readonly output: string[];
  readonly match: RegExpExecArray;
}

/** Starts `command` and waits until a line of its standard output or error matches `ready`. */
function startProcess(command: string, args: string[], ready: RegExp): Promise<Started> {
  const child = spawn(command, args, { cwd: repoRoot, env: { ...process.env, FORCE_COLOR: '0' } });
  const output: string[] = [];
  return new Promise((resolveStarted, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} ${args.join(' ')} did not start in 60 s:\n${output.join('\n')}`)), 60_000);
    const onLine = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line !== '') output.push(line);
        const match = ready.exec(line);
        if (match) {
          clearTimeout(timer);
          resolveStarted({ child, output, match });
        }
      }
    };
    child.stdout.on('data', onLine);
    child.stderr.on('data', onLine);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output.join('\n')}`));
    });
  });
}

/** Ctrl-C, as in a terminal; resolves with the exit code. */
function interrupt(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolveExit) => {
    child.once('exit', (code) => resolveExit(code));
    child.kill('SIGINT');
  });
}

let work: string;
let site: string;
let modelsDir: string;
let staticServer: Started;
let studioServer: Started;
let browser: Browser;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'hosting-e2e-'));
  site = join(work, 'site');
  await buildStudio(join(site, SUB_PATH));
  modelsDir = join(work, 'models');
  for (const [name, content] of Object.entries(fixtureBertRepo(TINY_BERT))) {
    const path = join(modelsDir, FIXTURE_REPO, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  // -u: Python buffers its output in a pipe, and the port line must arrive now.
  staticServer = await startProcess(PYTHON, ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', site], /Serving HTTP on 127\.0\.0\.1 port (\d+)/);
  studioServer = await startProcess(
    process.execPath,
    [resolve(repoRoot, 'bin/finetune-studio.mjs'), 'serve', '--port', '0', '--dir', join(site, SUB_PATH), '--models', modelsDir],
    /On this computer: +(http:\/\/localhost:(\d+))\/\?hub=(\S+)$/,
  );
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  if (staticServer) await interrupt(staticServer.child);
  if (studioServer) await interrupt(studioServer.child);
  if (work) rmSync(work, { recursive: true, force: true });
});

const staticUrl = () => `http://127.0.0.1:${staticServer.match[1]}`;
/** The origin `serve` printed, e.g. http://localhost:40123. */
const servedOrigin = () => studioServer.match[1]!;

async function isolationFacts(studio: StudioPage): Promise<{ isolated: boolean; controller: string | null; navigationType: string }> {
  return studio.page.evaluate(() => ({
    isolated: self.crossOriginIsolated,
    controller: navigator.serviceWorker.controller?.scriptURL ?? null,
    navigationType: (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).type,
  }));
}

/** The thread count in the train screen's "Runs on" tile, as the studio reports onnxruntime-web's setting. */
async function shownWasmThreads(studio: StudioPage): Promise<number> {
  const tile = await studio.page.getByTestId('backend-name').locator('xpath=..').innerText();
  const match = /(\d+) CPU threads?/.exec(tile);
  if (!match) throw new Error(`the backend tile names no thread count: "${tile}"`);
  return Number(match[1]);
}

describe('hosting the studio', () => {
  it('on a plain static server under a sub-path: the service worker isolates the page after one reload; the demo trains an epoch on WASM threads with a model from `serve --models`', { timeout: 300_000 }, async () => {
    // No COOP/COEP from this host: what GitHub Pages and school web space send.
    const index = await fetch(`${staticUrl()}/${SUB_PATH}/`);
    expect(index.status).toBe(200);
    for (const header of Object.keys(CROSS_ORIGIN_ISOLATION_HEADERS)) expect(index.headers.get(header), header).toBeNull();

    const studio = await openStudio(browser, `${staticUrl()}/${SUB_PATH}`, { hub: servedOrigin(), backend: 'wasm' });
    const { page } = studio;
    try {
      // The first load installed the worker and reloaded once; the page that runs came through it.
      expect(studio.navigations).toEqual([studio.url, studio.url]);
      expect(await isolationFacts(studio)).toEqual({
        isolated: true,
        controller: `${staticUrl()}/${SUB_PATH}/${ISOLATION_WORKER_FILE}`,
        navigationType: 'reload',
      });
      const documentLoads = staticServer.output.filter((line) => line.includes(`"GET /${SUB_PATH}/?`));
      expect(documentLoads).toHaveLength(2);

      // The demo dataset and the workers load from the sub-path; the model from the other origin.
      await loadDemoDataset(studio);
      await loadHubModel(studio, FIXTURE_REPO);
      expect(await page.getByTestId('model-architecture').innerText()).toBe('BertForSequenceClassification (bert)');

      await configureTraining(studio, { epochs: 1, maxLength: 16, batchSize: 32 });
      await page.getByTestId('train-start').click();
      await waitForTrainStatus(studio, ['running', 'finished'], 120_000);
      expect(await page.getByTestId('backend-name').getAttribute('data-backend')).toBe('wasm');
      const threads = await shownWasmThreads(studio);
      expect(threads).toBeGreaterThanOrEqual(2);
      // onnxruntime-web runs a pool of (threads - 1) workers beside the train worker, from its own script.
      const pool = page.workers().filter((worker) => /\/assets\/ort\.wasm\.bundle\.min-[\w-]+\.js$/.test(worker.url()));
      expect(pool.length).toBeGreaterThanOrEqual(threads - 1);
      await waitForTrainStatus(studio, ['finished'], 240_000);
      const epochRows = page.getByTestId('epoch-metrics').getByTestId('epoch-row');
      await expect.poll(() => epochRows.count()).toBe(1);
      const epochCells = await epochRows.evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')));
      expect(epochCells[0]![4], 'accuracy').toMatch(/^\d{1,3}\.\d%$/);
      console.log(`[hosting e2e] static host under /${SUB_PATH}/: isolated after one reload, ${threads} WASM threads, ${pool.length} onnxruntime pool workers, epoch 1 accuracy ${epochCells[0]![4]}`);
      expect(studio.problems.filter((p) => p.startsWith('page error'))).toEqual([]);

      // A second tab is isolated at once (the worker is installed), and downloads from the stand-in Hub under its COEP.
      const hub = await startHubServer({ repos: { [FIXTURE_REPO]: join(modelsDir, FIXTURE_REPO) } });
      try {
        const second = await openStudio(browser, `${staticUrl()}/${SUB_PATH}`, { hub: hub.url, backend: 'wasm', context: studio.context });
        expect(second.navigations).toEqual([second.url]);
        expect(await isolationFacts(second)).toMatchObject({ isolated: true, navigationType: 'navigate' });
        await loadHubModel(second, FIXTURE_REPO);
        expect(hub.requests).toContain(`GET /${FIXTURE_REPO}/resolve/main/model.safetensors`);
        expect(second.problems.filter((p) => p.startsWith('page error'))).toEqual([]);
      } finally {
        await hub.close();
      }
    } finally {
      await studio.context.close();
    }
  });

  it('from `finetune-studio serve`: COOP/COEP on the studio, the model folder under /{repo}/resolve/main/{file}, loaded by id through ?hub=', { timeout: 180_000 }, async () => {
    const origin = servedOrigin();
    const printedHub = studioServer.match[3];
    expect(printedHub).toBe(origin);
    expect(studioServer.output).toContain(`Models, for the Model step's id box: ${FIXTURE_REPO}`);

    const index = await fetch(`${origin}/`);
    expect(index.status).toBe(200);
    for (const [header, value] of Object.entries(CROSS_ORIGIN_ISOLATION_HEADERS)) expect(index.headers.get(header), header).toBe(value);
    const config = await fetch(`${origin}/${FIXTURE_REPO}/resolve/main/config.json`);
    expect(config.status).toBe(200);
    expect(config.headers.get('access-control-allow-origin')).toBe('*');
    expect(await config.text()).toBe(readFileSync(join(modelsDir, FIXTURE_REPO, 'config.json'), 'utf8'));
    const missing = await fetch(`${origin}/${FIXTURE_REPO}/resolve/main/tokenizer.json`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-error-code')).toBe('EntryNotFound');

    const studio = await openStudio(browser, origin, { hub: printedHub });
    try {
      // Isolated by the headers: no service worker, no reload.
      expect(studio.navigations).toEqual([studio.url]);
      expect(await isolationFacts(studio)).toEqual({ isolated: true, controller: null, navigationType: 'navigate' });
      await loadHubModel(studio, FIXTURE_REPO);
      expect(await studio.page.getByTestId('model-parameters').innerText()).toContain(`${TINY_BERT.layers} layers · hidden size ${TINY_BERT.hidden}`);
      expect(studio.problems.filter((p) => p.startsWith('page error'))).toEqual([]);
    } finally {
      await studio.context.close();
    }
  });

  it('on another computer in the class, over plain http: the studio loads the model and trains on one thread, and says why', { timeout: 180_000 }, async () => {
    // A name for 127.0.0.1 that is not localhost: to the browser it is any LAN address, not a secure context.
    const lanOrigin = `http://classroom.test:${new URL(servedOrigin()).port}`;
    const lanBrowser = await launchChromium(['--host-resolver-rules=MAP classroom.test 127.0.0.1']);
    try {
      const studio = await openStudio(lanBrowser, lanOrigin, { hub: lanOrigin });
      const { page } = studio;
      expect(await page.evaluate(() => ({ secure: self.isSecureContext, isolated: self.crossOriginIsolated }))).toEqual({ secure: false, isolated: false });
      await loadDemoDataset(studio);
      await loadHubModel(studio, FIXTURE_REPO);
      await configureTraining(studio, { epochs: 1, maxLength: 16, batchSize: 32 });
      await page.getByTestId('train-start').click();
      await waitForTrainStatus(studio, ['finished'], 150_000);
      expect(await page.getByTestId('backend-name').getAttribute('data-backend')).toBe('wasm');
      expect(await shownWasmThreads(studio)).toBe(1);
      const tile = await page.getByTestId('backend-name').locator('xpath=..').innerText();
      expect(tile).toContain('opened over plain http from another computer');
      expect(await page.getByTestId('backend-reason').innerText()).toContain('WebGPU only to https pages and localhost');
      expect(studio.problems.filter((p) => p.startsWith('page error'))).toEqual([]);
    } finally {
      await lanBrowser.close();
    }
  });

  it('`finetune-studio serve` stops on Ctrl-C', async () => {
    expect(await interrupt(studioServer.child)).toBe(0);
  });
});
