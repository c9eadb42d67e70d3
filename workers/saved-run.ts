/**
 * The run kept in the browser (Origin Private File System, else IndexedDB) so a reloaded or
 * crashed tab can pick it up: what was trained on (tokenized rows, tokenizer, summaries) once
 * at the start, and the checkpoint after every epoch, periodically while it trains, and
 * whenever the run pauses or ends.
 */
import { parseCheckpoint, serializeCheckpoint, type TrainingCheckpoint } from '../src/engine/checkpoint.ts';
import { DEFAULT_TASK } from '../src/engine/tasks/index.ts';
import { defaultLabelOptions } from '../src/engine/tasks/task.ts';
import { decodeRunRows, encodeRunRows } from './packed-rows.ts';
import type { BackendInfo, CompleteTokenizerFiles, DatasetSummary, ModelSummary, PackedRows, SavedRunInfo } from './protocol.ts';

/** Named byte files; the one thing OPFS and IndexedDB have to provide. */
export interface BlobStore {
  readonly kind: SavedRunInfo['storage'];
  read(name: string): Promise<Uint8Array | null>;
  write(name: string, bytes: Uint8Array): Promise<void>;
  remove(name: string): Promise<void>;
}

/** What the run was trained on and with; written once when a run starts. */
export interface SavedSession {
  readonly dataset: DatasetSummary;
  readonly model: ModelSummary;
  readonly tokenizer: CompleteTokenizerFiles;
  readonly validationTexts: readonly string[];
  readonly backend: BackendInfo | null;
  /** The page's record of the run; absent in runs saved before records were kept. */
  readonly runId?: string;
}

/** Fields of the dataset summary that runs saved before the studio had tasks lack. */
type TaskFields = 'task' | 'tagged' | 'tagNames' | 'trainRows' | 'validationRows' | 'scores' | 'entities';

/** session.json as read: written by this version, or by one before tasks. */
type StoredSession = Omit<SavedSession, 'dataset'> & { readonly dataset: Omit<DatasetSummary, TaskFields> & Partial<Pick<DatasetSummary, TaskFields>> };

/** A session saved before tasks was a single-label run, each row with one label: its rows are its label counts summed. */
function withTaskFields(session: StoredSession): SavedSession {
  const { dataset } = session;
  if (dataset.task !== undefined) return session as SavedSession;
  const sum = (counts: readonly number[]) => counts.reduce((a, b) => a + b, 0);
  const task = { id: DEFAULT_TASK, guess: { id: DEFAULT_TASK, reason: 'each row has one label' }, chosen: false, labelOptions: defaultLabelOptions };
  return {
    ...session,
    dataset: { ...dataset, task, tagged: false, tagNames: null, trainRows: sum(dataset.trainCounts), validationRows: sum(dataset.validationCounts), scores: null, entities: null },
  };
}

export interface LoadedRun {
  readonly info: SavedRunInfo;
  readonly session: SavedSession;
  readonly rows: { train: PackedRows; validation: PackedRows };
  readonly checkpoint: TrainingCheckpoint;
}

const FILES = { info: 'run.json', session: 'session.json', rows: 'rows.bin' } as const;
/**
 * Two checkpoint files, written in turn: the info names the complete one, so a tab that dies
 * while a checkpoint is written still has the previous one, and the info describing it.
 */
const CHECKPOINT_SLOTS = ['checkpoint-a.safetensors', 'checkpoint-b.safetensors'] as const;
type CheckpointSlot = (typeof CHECKPOINT_SLOTS)[number];
/** Where runs saved before the two slots kept their one checkpoint. */
const LEGACY_CHECKPOINT = 'checkpoint.safetensors';

/** run.json: what the page is told, and which slot holds the checkpoint it describes. */
interface StoredInfo extends SavedRunInfo {
  /** Absent in runs saved before the two slots. */
  readonly checkpointFile?: CheckpointSlot;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class SavedRun {
  constructor(private readonly store: BlobStore) {}

  /** A new run: the old one is forgotten first, so a half-written start is never offered. */
  async begin(session: SavedSession, rows: { train: PackedRows; validation: PackedRows }): Promise<void> {
    await this.discard();
    await this.store.write(FILES.session, encoder.encode(JSON.stringify(session)));
    await this.store.write(FILES.rows, encodeRunRows(rows));
  }

  /** The checkpoint into the slot not in use, then the info naming it: an info file always describes a complete checkpoint. */
  async save(checkpoint: TrainingCheckpoint, info: Omit<SavedRunInfo, 'storage' | 'savedAt'>, now = new Date()): Promise<SavedRunInfo> {
    const current = await this.stored();
    const slot = CHECKPOINT_SLOTS.find((name) => name !== current?.checkpointFile)!;
    await this.store.write(slot, serializeCheckpoint(checkpoint));
    const full: SavedRunInfo = { ...info, savedAt: now.toISOString(), storage: this.store.kind };
    await this.store.write(FILES.info, encoder.encode(JSON.stringify({ ...full, checkpointFile: slot } satisfies StoredInfo)));
    return full;
  }

  private async stored(): Promise<StoredInfo | null> {
    const bytes = await this.store.read(FILES.info);
    return bytes ? (JSON.parse(decoder.decode(bytes)) as StoredInfo) : null;
  }

  async info(): Promise<SavedRunInfo | null> {
    const stored = await this.stored();
    if (!stored) return null;
    const { checkpointFile: _slot, ...info } = stored;
    return info;
  }

  async load(): Promise<LoadedRun | null> {
    const stored = await this.stored();
    if (!stored) return null;
    const { checkpointFile, ...info } = stored;
    const file = checkpointFile ?? LEGACY_CHECKPOINT;
    const [session, rows, checkpoint] = await Promise.all([this.store.read(FILES.session), this.store.read(FILES.rows), this.store.read(file)]);
    if (!session || !rows || !checkpoint) throw new Error('the saved run is incomplete (the browser may have cleared part of its storage); start a new run');
    return {
      info,
      session: withTaskFields(JSON.parse(decoder.decode(session)) as StoredSession),
      rows: decodeRunRows(rows),
      checkpoint: parseCheckpoint(checkpoint, 'the saved checkpoint'),
    };
  }

  async discard(): Promise<void> {
    for (const name of [FILES.info, ...CHECKPOINT_SLOTS, LEGACY_CHECKPOINT, FILES.rows, FILES.session]) await this.store.remove(name);
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof DOMException && (error.name === 'NotFoundError' || error.name === 'TypeMismatchError');
}

/** A copy backed by a plain ArrayBuffer, which storage APIs take (a SharedArrayBuffer view they refuse). */
function plain(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}

async function opfsStore(): Promise<BlobStore> {
  const root = await navigator.storage.getDirectory();
  const dir = await root.getDirectoryHandle('saved-run', { create: true });
  return {
    kind: 'opfs',
    async read(name) {
      try {
        const file = await (await dir.getFileHandle(name)).getFile();
        return new Uint8Array(await file.arrayBuffer());
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    },
    async write(name, bytes) {
      // A writable stream writes to a swap file and replaces the file only on close().
      const writable = await (await dir.getFileHandle(name, { create: true })).createWritable();
      await writable.write(plain(bytes));
      await writable.close();
    },
    async remove(name) {
      try {
        await dir.removeEntry(name);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    },
  };
}

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

async function indexedDbStore(): Promise<BlobStore> {
  const open = indexedDB.open('finetune-studio', 1);
  open.onupgradeneeded = () => open.result.createObjectStore('saved-run');
  const db = await request(open);
  const objects = (mode: IDBTransactionMode) => db.transaction('saved-run', mode).objectStore('saved-run');
  return {
    kind: 'indexeddb',
    async read(name) {
      const value: unknown = await request(objects('readonly').get(name));
      return value instanceof ArrayBuffer ? new Uint8Array(value) : null;
    },
    async write(name, bytes) {
      await request(objects('readwrite').put(plain(bytes).slice().buffer, name));
    },
    async remove(name) {
      await request(objects('readwrite').delete(name));
    },
  };
}

/** OPFS where the browser has it (Chromium, Firefox, Safari 15.2+), else IndexedDB. */
export async function openBlobStore(): Promise<BlobStore> {
  try {
    return await opfsStore();
  } catch {
    // Private windows of some browsers refuse OPFS; IndexedDB still works there.
    return indexedDbStore();
  }
}
