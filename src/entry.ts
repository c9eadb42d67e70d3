/**
 * The page's first script: makes the page cross-origin isolated (WASM threads) where the host
 * cannot, then starts the studio. On the load that installs the service worker the page reloads
 * at once, so the studio's code is not even fetched.
 */
import { ISOLATION_WORKER_FILE, isolatePage } from './hosting/isolation.ts';

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
function sessionStore(): Storage | null {
  try {
    return sessionStorage;
  } catch {
    // Storage blocked by the browser's settings: the reload could not be counted.
    return null;
  }
}

if (isolation.state === 'not-isolated') console.warn(`Fine-Tune Studio runs without WASM threads: ${isolation.reason}.`);
if (isolation.state !== 'reloading') await import('./main.tsx');
