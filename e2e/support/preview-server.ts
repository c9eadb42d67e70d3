/**
 * The studio as it is deployed: `vite build` into a folder of the caller's choosing, served by
 * `vite preview` (the project's vite.config.ts, so COOP/COEP are on) on a free loopback port.
 * Timing checks belong here rather than on the dev server, whose React is the development
 * build (StrictMode double renders, per-component timing marks) and several times slower.
 * Node only.
 */
import { resolve } from 'node:path';
import { build, preview } from 'vite';
import { type DevServer, repoRoot } from './browser.ts';

const configFile = resolve(repoRoot, 'vite.config.ts');

/** `vite build` with the project's config into `outDir`: the folder a host serves. */
export async function buildStudio(outDir: string): Promise<void> {
  await build({ root: repoRoot, configFile, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
}

export async function buildAndPreview(outDir: string): Promise<DevServer> {
  await buildStudio(outDir);
  const server = await preview({ root: repoRoot, configFile, logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false } });
  const address = server.httpServer.address();
  if (!address || typeof address === 'string') throw new Error('the Vite preview server has no TCP address');
  return { url: `http://127.0.0.1:${address.port}`, close: () => server.close() };
}
