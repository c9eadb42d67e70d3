/**
 * Makes the page cross-origin isolated where the host sends no COOP/COEP headers: registers the
 * studio's service worker (isolation-sw.ts), which adds them, and reloads once so the page
 * arrives through it. Where that cannot work (plain http from another computer, no service
 * workers, a browser that ignores them) the studio still runs, on one WASM thread.
 */

/** Beside index.html in the build, so its scope is the folder the studio is served from. */
export const ISOLATION_WORKER_FILE = 'isolation-sw.js';

/** Set just before the reload; a page that arrives not isolated with it set stops trying. */
const RELOAD_MARK = 'finetune-studio:isolation-reload';

export type Isolation =
  | { readonly state: 'isolated' }
  /** The page is reloading through the service worker: start nothing. */
  | { readonly state: 'reloading' }
  | { readonly state: 'not-isolated'; readonly reason: string };

type WorkerLike = Pick<ServiceWorker, 'state' | 'scriptURL' | 'addEventListener'>;

export interface RegistrationLike {
  readonly installing: WorkerLike | null;
  readonly waiting: WorkerLike | null;
  readonly active: WorkerLike | null;
  unregister(): Promise<boolean>;
}

export interface ServiceWorkersLike {
  register(url: string): Promise<RegistrationLike>;
  getRegistrations(): Promise<readonly RegistrationLike[]>;
}

/** The browser as this module sees it (window and navigator in the page, fakes in tests). */
export interface IsolationEnvironment {
  readonly crossOriginIsolated: boolean;
  readonly isSecureContext: boolean;
  /** undefined where the browser offers none (insecure pages, some private windows). */
  readonly serviceWorkers: ServiceWorkersLike | undefined;
  /** sessionStorage; null where the browser blocks it. */
  readonly session: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null;
  reload(): void;
}

export interface IsolationOptions {
  /** Absolute URL of the built isolation-sw.js. */
  readonly workerUrl: string;
  /** false for a build made with VITE_ISOLATION_SERVICE_WORKER=off: never register it, and remove it where an earlier build did. */
  readonly enabled: boolean;
}

export async function isolatePage(env: IsolationEnvironment, options: IsolationOptions): Promise<Isolation> {
  if (!options.enabled) {
    await unregister(env.serviceWorkers, options.workerUrl);
    return env.crossOriginIsolated ? { state: 'isolated' } : { state: 'not-isolated', reason: 'the isolation service worker is turned off in this build' };
  }
  if (env.crossOriginIsolated) {
    env.session?.removeItem(RELOAD_MARK);
    return { state: 'isolated' };
  }
  if (!env.isSecureContext) {
    return { state: 'not-isolated', reason: 'the page came over plain http from another computer, and browsers isolate only https pages and localhost' };
  }
  if (!env.serviceWorkers) return { state: 'not-isolated', reason: 'this browser offers no service workers here (a private window?)' };
  if (!env.session) return { state: 'not-isolated', reason: 'the browser blocks session storage, which counts the one reload the service worker needs' };
  if (env.session.getItem(RELOAD_MARK) !== null) {
    // Reloaded through the worker and still not isolated: reloading again would loop.
    env.session.removeItem(RELOAD_MARK);
    return { state: 'not-isolated', reason: 'the page was reloaded through the isolation service worker, but the browser did not isolate it' };
  }
  try {
    await activated(await env.serviceWorkers.register(options.workerUrl));
  } catch (error) {
    return { state: 'not-isolated', reason: `the isolation service worker could not start: ${error instanceof Error ? error.message : String(error)}` };
  }
  env.session.setItem(RELOAD_MARK, '1');
  env.reload();
  return { state: 'reloading' };
}

/** Until the registration's newest worker is active (it skips waiting and claims the page). */
async function activated(registration: RegistrationLike): Promise<void> {
  const worker = registration.installing ?? registration.waiting ?? registration.active;
  if (worker === null) throw new Error('the browser registered it but started no worker');
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (worker.state === 'activated') resolve();
      else if (worker.state === 'redundant') reject(new Error('it stopped while installing'));
    };
    worker.addEventListener('statechange', check);
    check();
  });
}

async function unregister(serviceWorkers: ServiceWorkersLike | undefined, workerUrl: string): Promise<void> {
  if (!serviceWorkers) return;
  const registrations = await serviceWorkers.getRegistrations();
  const ours = registrations.filter((r) => [r.active, r.waiting, r.installing].some((worker) => worker?.scriptURL === workerUrl));
  await Promise.all(ours.map((r) => r.unregister()));
}
