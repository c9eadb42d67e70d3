/**
 * What e2e tests share: the project's Vite dev server (its vite.config.ts, so COOP/COEP are on)
 * on a free loopback port, and Debian's headless Chromium with WebGPU (SwiftShader) enabled and
 * its background networking off, since this machine's network is closed. Node only.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { createServer, type InlineConfig, type ViteDevServer } from 'vite';

export const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export interface DevServer {
  /** e.g. `http://127.0.0.1:41234`, no trailing slash. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves the repo with its own vite.config.ts. `entries` are the pages and workers the test
 * loads, so Vite pre-bundles their dependencies before the first request instead of finding
 * them mid-test and reloading the page.
 */
export async function startDevServer(options: { entries: string[]; cacheDir: string }): Promise<DevServer> {
  const config: InlineConfig = {
    root: repoRoot,
    configFile: resolve(repoRoot, 'vite.config.ts'),
    cacheDir: resolve(repoRoot, options.cacheDir),
    logLevel: 'warn',
    clearScreen: false,
    server: { host: '127.0.0.1', port: 0, hmr: false, watch: null },
    optimizeDeps: { entries: options.entries },
  };
  const server: ViteDevServer = await createServer(config);
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('the Vite dev server has no TCP address');
  return { url: `http://127.0.0.1:${address.port}`, close: () => server.close() };
}

/** Chromium flags: WebGPU on (SwiftShader without a GPU), and no background connections to a closed network. */
export const chromiumArgs = [
  '--enable-unsafe-webgpu',
  '--no-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--disable-default-apps',
  '--disable-domain-reliability',
];

export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: [...chromiumArgs, ...extraArgs] });
}
