/**
 * Where run records live: IndexedDB in the browser (they survive reloads), two object stores,
 * one for the records and one for the checkpoints of pinned runs. Without IndexedDB (some
 * private windows) the records last as long as the tab.
 */
import type { RunRecord } from './run-record.ts';

export interface RunStore {
  list(): Promise<RunRecord[]>;
  put(run: RunRecord): Promise<void>;
  /** The record and its pinned checkpoint, if any. */
  remove(id: string): Promise<void>;
  putWeights(id: string, checkpoint: Uint8Array): Promise<void>;
  weights(id: string): Promise<Uint8Array | null>;
  removeWeights(id: string): Promise<void>;
}

const RECORDS = 'runs';
const WEIGHTS = 'weights';

function done<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
  });
}

export async function indexedDbRunStore(name = 'finetune-studio-runs'): Promise<RunStore> {
  const open = indexedDB.open(name, 1);
  open.onupgradeneeded = () => {
    open.result.createObjectStore(RECORDS, { keyPath: 'id' });
    open.result.createObjectStore(WEIGHTS);
  };
  const db = await done(open);
  const store = (which: string, mode: IDBTransactionMode) => db.transaction(which, mode).objectStore(which);
  return {
    async list() {
      const all = (await done(store(RECORDS, 'readonly').getAll())) as RunRecord[];
      return all.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    },
    async put(run) {
      await done(store(RECORDS, 'readwrite').put(run));
    },
    async remove(id) {
      await done(store(RECORDS, 'readwrite').delete(id));
      await done(store(WEIGHTS, 'readwrite').delete(id));
    },
    async putWeights(id, checkpoint) {
      await done(store(WEIGHTS, 'readwrite').put(checkpoint.slice().buffer, id));
    },
    async weights(id) {
      const value: unknown = await done(store(WEIGHTS, 'readonly').get(id));
      return value instanceof ArrayBuffer ? new Uint8Array(value) : null;
    },
    async removeWeights(id) {
      await done(store(WEIGHTS, 'readwrite').delete(id));
    },
  };
}

export function memoryRunStore(): RunStore {
  const records = new Map<string, RunRecord>();
  const weights = new Map<string, Uint8Array>();
  return {
    list: async () => [...records.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt)),
    put: async (run) => void records.set(run.id, run),
    remove: async (id) => {
      records.delete(id);
      weights.delete(id);
    },
    putWeights: async (id, checkpoint) => void weights.set(id, checkpoint),
    weights: async (id) => weights.get(id) ?? null,
    removeWeights: async (id) => void weights.delete(id),
  };
}

/** IndexedDB, opened on first use; private windows of some browsers refuse it, and runs then last as long as the tab. */
export function browserRunStore(): RunStore {
  let opened: Promise<RunStore> | null = null;
  const store = () => (opened ??= indexedDbRunStore().catch(() => memoryRunStore()));
  return {
    list: async () => (await store()).list(),
    put: async (run) => (await store()).put(run),
    remove: async (id) => (await store()).remove(id),
    putWeights: async (id, checkpoint) => (await store()).putWeights(id, checkpoint),
    weights: async (id) => (await store()).weights(id),
    removeWeights: async (id) => (await store()).removeWeights(id),
  };
}
