/**
 * The benchmark page (bench.html) in Debian's headless Chromium: the project's Vite dev server
 * serves it, `?auto` starts the runs, and the page's JSON lines come back when its `data-state`
 * is `done`. On a machine without a GPU, Chromium's WebGPU is SwiftShader: the dispatch counts
 * and GPU memory are real, the times are not a speed claim.
 */
import type { BenchOptions } from '../src/bench-page/bench-options.ts';
import type { BenchLine } from '../workers/bench-protocol.ts';
import { launchChromium, startDevServer } from '../e2e/support/browser.ts';

/** The page's own options (what its address says), and how long the whole page may take. */
export interface BrowserBenchOptions extends Omit<BenchOptions, 'auto'> {
  readonly timeoutMs: number;
  /** The page's progress lines ("mini on webgpu: step 2 of 3"). */
  readonly onProgress?: (text: string) => void;
}

export type BrowserBenchLine = BenchLine | { readonly preset: string; readonly backend: string; readonly error: string };

export async function runBrowserBench(options: BrowserBenchOptions): Promise<BrowserBenchLine[]> {
  const server = await startDevServer({ entries: ['bench.html', 'workers/bench.worker.ts'], cacheDir: 'node_modules/.vite/bench' });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') pageErrors.push(message.text());
    });
    let lastProgress = '';
    const query = new URLSearchParams({
      presets: options.presets.join(','),
      backends: options.backends.join(','),
      method: options.method,
      batch: String(options.batch),
      seq: String(options.seq),
      steps: String(options.steps),
      warmup: String(options.warmup),
      auto: '',
    });
    await page.goto(`${server.url}/bench.html?${query}`);
    const deadline = Date.now() + options.timeoutMs;
    for (;;) {
      const state = await page.evaluate(() => ({ state: document.body.dataset.state ?? '', progress: document.querySelector('[role=status]')?.textContent ?? '', error: document.querySelector('[data-testid=bench-error]')?.textContent ?? '' }));
      if (state.error) throw new Error(state.error);
      if (state.state === 'done') break;
      if (state.progress && state.progress !== lastProgress) options.onProgress?.((lastProgress = state.progress));
      if (Date.now() > deadline) {
        const text = (await page.textContent('body'))?.slice(0, 600) ?? '';
        throw new Error(`the benchmark page did not finish in ${options.timeoutMs / 1000} s (last: ${lastProgress || 'nothing'}); page errors: ${pageErrors.join('; ') || 'none'}; page text: ${text}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    return await page.evaluate(() => window.benchLines ?? []);
  } finally {
    await browser.close();
    await server.close();
  }
}
