/**
 * What a studio e2e file starts before its tests and stops after them: a work folder, the
 * stand-in Hub, the studio's production build served by `vite preview`, and Chromium. Node only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { type DevServer, launchChromium } from './browser.ts';
import { type HubServer, type HubServerOptions, startHubServer } from './hub-server.ts';
import { buildAndPreview } from './preview-server.ts';

export interface StudioEnvironment {
  /** A temporary folder for the build and the test's files, removed by close(). */
  readonly work: string;
  readonly hub: HubServer;
  readonly server: DevServer;
  readonly browser: Browser;
  close(): Promise<void>;
}

export async function startStudioEnvironment(name: string, hubOptions: HubServerOptions): Promise<StudioEnvironment> {
  const work = mkdtempSync(join(tmpdir(), `${name}-`));
  const hub = await startHubServer(hubOptions);
  const server = await buildAndPreview(join(work, 'dist'));
  const browser = await launchChromium();
  return {
    work,
    hub,
    server,
    browser,
    close: async () => {
      await browser.close();
      await server.close();
      await hub.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}
