import { describe, expect, it } from 'vitest';
import { type IsolationEnvironment, isolatePage, type RegistrationLike, type ServiceWorkersLike } from './isolation.ts';

const WORKER_URL = 'https://user.github.io/finetune-studio/isolation-sw.js';

type WorkerState = ServiceWorker['state'];

/** A service worker whose state moves when the test says so, as the browser's would. */
class FakeWorker extends EventTarget {
  constructor(
    public state: WorkerState,
    readonly scriptURL = WORKER_URL,
  ) {
    super();
  }

  moveTo(state: WorkerState): void {
    this.state = state;
    this.dispatchEvent(new Event('statechange'));
  }
}

class FakeRegistration implements RegistrationLike {
  unregistered = false;
  constructor(
    readonly installing: FakeWorker | null,
    readonly active: FakeWorker | null = null,
    readonly waiting: FakeWorker | null = null,
  ) {}

  async unregister(): Promise<boolean> {
    this.unregistered = true;
    return true;
  }
}

class FakeServiceWorkers implements ServiceWorkersLike {
  readonly registered: string[] = [];
  constructor(
    readonly registration: FakeRegistration | Error,
    readonly existing: FakeRegistration[] = [],
  ) {}

  async register(url: string): Promise<RegistrationLike> {
    this.registered.push(url);
    if (this.registration instanceof Error) throw this.registration;
    return this.registration;
  }

  async getRegistrations(): Promise<readonly RegistrationLike[]> {
    return this.existing;
  }
}

function environment(overrides: Partial<IsolationEnvironment> & { serviceWorkers?: ServiceWorkersLike | undefined } = {}) {
  const session = new Map<string, string>();
  let reloads = 0;
  const env: IsolationEnvironment = {
    crossOriginIsolated: false,
    isSecureContext: true,
    serviceWorkers: new FakeServiceWorkers(new FakeRegistration(null, new FakeWorker('activated'))),
    session: { getItem: (k) => session.get(k) ?? null, setItem: (k, v) => void session.set(k, v), removeItem: (k) => void session.delete(k) },
    reload: () => void reloads++,
    ...overrides,
  };
  return { env, session, reloads: () => reloads };
}

const enabled = { workerUrl: WORKER_URL, enabled: true };

describe('isolatePage', () => {
  it('starts the studio at once where the host already isolates the page, registering nothing', async () => {
    const workers = new FakeServiceWorkers(new FakeRegistration(new FakeWorker('installing')));
    const { env, reloads } = environment({ crossOriginIsolated: true, serviceWorkers: workers });
    expect(await isolatePage(env, enabled)).toEqual({ state: 'isolated' });
    expect(workers.registered).toEqual([]);
    expect(reloads()).toBe(0);
  });

  it('registers the worker, waits until it is active, then reloads once', async () => {
    const worker = new FakeWorker('installing');
    const workers = new FakeServiceWorkers(new FakeRegistration(worker));
    const { env, reloads } = environment({ serviceWorkers: workers });
    const outcome = isolatePage(env, enabled);
    await Promise.resolve();
    expect(reloads()).toBe(0);
    worker.moveTo('installed');
    worker.moveTo('activating');
    await Promise.resolve();
    expect(reloads()).toBe(0);
    worker.moveTo('activated');
    expect(await outcome).toEqual({ state: 'reloading' });
    expect(workers.registered).toEqual([WORKER_URL]);
    expect(reloads()).toBe(1);
  });

  it('does not reload a second time when the reloaded page is still not isolated, and tries again on a later visit', async () => {
    const { env, reloads } = environment();
    expect(await isolatePage(env, enabled)).toEqual({ state: 'reloading' });
    const second = await isolatePage(env, enabled);
    expect(second).toMatchObject({ state: 'not-isolated', reason: expect.stringContaining('did not isolate it') });
    expect(reloads()).toBe(1);
    // The mark is gone: the next visit (e.g. after a Shift-reload that bypassed the worker) reloads again.
    expect(await isolatePage(env, enabled)).toEqual({ state: 'reloading' });
  });

  it('clears the mark once the reloaded page is isolated', async () => {
    const { env, session } = environment();
    await isolatePage(env, enabled);
    expect(session.size).toBe(1);
    expect(await isolatePage({ ...env, crossOriginIsolated: true }, enabled)).toEqual({ state: 'isolated' });
    expect(session.size).toBe(0);
  });

  it('runs without threads, saying why, where a worker cannot help', async () => {
    const insecure = environment({ isSecureContext: false });
    expect(await isolatePage(insecure.env, enabled)).toMatchObject({ state: 'not-isolated', reason: expect.stringContaining('plain http') });
    const none = environment({ serviceWorkers: undefined });
    expect(await isolatePage(none.env, enabled)).toMatchObject({ state: 'not-isolated', reason: expect.stringContaining('no service workers') });
    const noStorage = environment({ session: null });
    expect(await isolatePage(noStorage.env, enabled)).toMatchObject({ state: 'not-isolated', reason: expect.stringContaining('session storage') });
    expect(insecure.reloads() + none.reloads() + noStorage.reloads()).toBe(0);
  });

  it('starts the studio without reloading when the worker fails to register or to install', async () => {
    const refused = environment({ serviceWorkers: new FakeServiceWorkers(new Error('404 for isolation-sw.js')) });
    expect(await isolatePage(refused.env, enabled)).toEqual({ state: 'not-isolated', reason: 'the isolation service worker could not start: 404 for isolation-sw.js' });

    const worker = new FakeWorker('installing');
    const broken = environment({ serviceWorkers: new FakeServiceWorkers(new FakeRegistration(worker)) });
    const outcome = isolatePage(broken.env, enabled);
    worker.moveTo('redundant');
    expect(await outcome).toEqual({ state: 'not-isolated', reason: 'the isolation service worker could not start: it stopped while installing' });
    expect(refused.reloads() + broken.reloads()).toBe(0);
  });

  it('turned off, registers nothing and removes the worker an earlier build installed, leaving other workers alone', async () => {
    const ours = new FakeRegistration(null, new FakeWorker('activated'));
    const theirs = new FakeRegistration(null, new FakeWorker('activated', 'https://user.github.io/other-app/sw.js'));
    const workers = new FakeServiceWorkers(new FakeRegistration(new FakeWorker('installing')), [ours, theirs]);
    const { env, reloads } = environment({ serviceWorkers: workers });
    expect(await isolatePage(env, { workerUrl: WORKER_URL, enabled: false })).toMatchObject({ state: 'not-isolated', reason: expect.stringContaining('turned off') });
    expect(workers.registered).toEqual([]);
    expect([ours.unregistered, theirs.unregistered]).toEqual([true, false]);
    expect(reloads()).toBe(0);
  });
});
