/**
 * A page's first step: makes it cross-origin isolated (WASM threads) where the host cannot, then
 * starts it. On the load that installs the service worker the page reloads at once, so the
 * page's own code is not even fetched. Shared by the studio and the benchmark page.
 */
import { ISOLATION_WORKER_FILE, isolatePage } from './isolation.ts';

function sessionStore(): Storage | null {
  try {
    return sessionStorage;
  } catch {
    // Storage blocked by the browser's settings: the reload could not be counted.
    return null;
  }
}

export async function isolateThenStart(pageName: string, start: () => Promise<unknown>): Promise<void> {
  const isolation = await isolatePage(
    {
      crossOriginIsolated: self.crossOriginIsolated,
      isSecureContext: self.isSecureContext,
      serviceWorkers: 'serviceWorker' in navigator ? navigator.serviceWorker : undefined,
      session: sessionStore(),
      reload: () => location.reload(),
    },
    { workerUrl: new URL(ISOLATION_WORKER_FILE, document.baseURI).href, enabled: import.meta.env.VITE_ISOLATION_SERVICE_WORKER !== 'off' },
  );
  if (isolation.state === 'not-isolated') console.warn(`${pageName} runs without WASM threads: ${isolation.reason}.`);
  if (isolation.state !== 'reloading') await start();
}
