/**
 * Downloads a model's files from the Hugging Face Hub (or a server with the same URL layout)
 * without logging in. Uses nothing but `fetch`, so the browser app and the Node CLI share it.
 */
import { defaultHubHttpPolicy, hubFetch, type HubHttpPolicy, hubTries } from './hub-fetch.ts';
import { HubError } from './hub-error.ts';
import { CONFIG_FILE, chooseModelFiles, type ModelFiles, ModelFilesError, TOKENIZER_FILES, WEIGHTS_FILES } from './model-files.ts';

export { cacheStorageFileCache } from './cache-storage.ts';
export { HubError, type HubErrorReason } from './hub-error.ts';
export { defaultHubHttpPolicy, type HubHttpPolicy } from './hub-fetch.ts';

export const DEFAULT_ENDPOINT = 'https://huggingface.co';
export const DEFAULT_REVISION = 'main';

/**
 * Where downloaded files are kept between loads, keyed by their URL. A `put` that fails (a full
 * disk, a storage quota) does not fail the download: the cache only saves time.
 */
export interface FileCache {
  get(url: string): Promise<Uint8Array | null>;
  put(url: string, bytes: Uint8Array): Promise<void>;
}

export interface DownloadProgress {
  file: string;
  /** Bytes of `file` received so far. */
  loaded: number;
  /** Size of `file`, or null when the server did not say. */
  total: number | null;
  /**
   * Fraction (0 to 1) of all the model's bytes received so far; null until every file to download
   * has answered (the set of files and their sizes is not known before), or when a size is unknown.
   */
  overall: number | null;
}

export interface FetchModelOptions {
  /** Defaults to https://huggingface.co. */
  endpoint?: string;
  /** Branch, tag or commit; defaults to main. */
  revision?: string;
  fetch?: typeof fetch;
  onProgress?: (progress: DownloadProgress) => void;
  /** Aborting rejects with the signal's reason, unchanged. */
  signal?: AbortSignal;
  cache?: FileCache;
  /** Timeouts and retries; defaults to defaultHubHttpPolicy. */
  http?: HubHttpPolicy;
}

/** The Hub's URL for one file of a repo at a revision. */
export function resolveUrl(endpoint: string, repoId: string, revision: string, file: string): string {
  // A revision can contain '/' (refs/pr/1) and must stay one path segment, as huggingface_hub quotes it.
  const filePath = file.split('/').map(encodeURIComponent).join('/');
  return `${endpoint.replace(/\/+$/, '')}/${repoId}/resolve/${encodeURIComponent(revision)}/${filePath}`;
}

/**
 * Downloads config.json, the weights (model.safetensors, else pytorch_model.bin) and the tokenizer
 * files a repo has, in that order, from the cache where it has them.
 *
 * Rejects with a HubError when the id is invalid or the download fails, with a ModelFilesError
 * when the repo lacks config, weights or tokenizer, and with the signal's reason when aborted.
 * A cached branch (e.g. main) is not checked for newer commits.
 */
export async function fetchModelFiles(repoId: string, options: FetchModelOptions = {}): Promise<ModelFiles> {
  checkRepoId(repoId);
  options.signal?.throwIfAborted();
  const download = new HubDownload(repoId, options);
  return (await download.fromCache()) ?? (await download.fromNetwork());
}

const EXAMPLE_ID = '"google-bert/bert-base-uncased"';
const NAME_PART = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?$/;

function checkRepoId(repoId: string): void {
  if (repoId.trim() === '') throw new HubError('invalid-repo-id', `Enter a model id, like ${EXAMPLE_ID}.`);
  if (repoId.includes('://')) {
    throw new HubError('invalid-repo-id', `"${repoId}" is a web address: enter the model id instead, the part after huggingface.co/, like ${EXAMPLE_ID}.`);
  }
  const parts = repoId.split('/');
  if (parts.length > 2) {
    throw new HubError('invalid-repo-id', `"${repoId}" is not a model id: it has more than one "/". Ids look like "owner/name", like ${EXAMPLE_ID}.`);
  }
  const valid = parts.every((part) => NAME_PART.test(part) && !part.includes('--') && !part.includes('..'));
  if (!valid) {
    throw new HubError(
      'invalid-repo-id',
      `"${repoId}" is not a valid model id: ids use letters, digits, "-", "_" and "." (not at the start or end, and not "--" or ".."), at most 96 per part, as in ${EXAMPLE_ID}.`,
    );
  }
}

/** A file whose response has arrived (or that the cache had), its bytes not necessarily read yet. */
type OpenedFile = { file: string; bytes: Uint8Array } | { file: string; response: Response; total: number | null };

class HubDownload {
  private readonly endpoint: string;
  private readonly revision: string;
  private readonly where: string;
  private readonly fetchFile: (url: string) => Promise<Response>;
  private readonly http: HubHttpPolicy;
  private readonly progress: ProgressTracker;

  constructor(
    private readonly repoId: string,
    private readonly options: FetchModelOptions,
  ) {
    this.endpoint = (options.endpoint ?? DEFAULT_ENDPOINT).replace(/\/+$/, '');
    this.revision = options.revision ?? DEFAULT_REVISION;
    this.where = `Model "${repoId}" on ${this.endpoint}`;
    const fetchImplementation = options.fetch ?? globalThis.fetch;
    this.http = options.http ?? defaultHubHttpPolicy;
    // Called as a plain function: browsers reject `fetch` called as a method of another object.
    const plainFetch: typeof fetch = (input, init) => fetchImplementation(input, init);
    this.fetchFile = (url) => hubFetch(url, { fetch: plainFetch, policy: this.http, signal: options.signal });
    this.progress = new ProgressTracker(options.onProgress);
  }

  /** The model from the cache alone, when an earlier download completed; no request is made. */
  async fromCache(): Promise<ModelFiles | null> {
    const cache = this.options.cache;
    if (cache === undefined) return null;
    const names = parseManifest(await cache.get(this.manifestUrl()));
    if (names === null) return null;
    const files = new Map<string, Uint8Array>();
    for (const name of names) {
      const bytes = await cache.get(this.url(name));
      if (bytes === null) return null;
      files.set(name, bytes);
    }
    this.progress.settle();
    for (const [name, bytes] of files) this.progress.report(name, bytes.length, bytes.length);
    return { source: this.repoId, files };
  }

  async fromNetwork(): Promise<ModelFiles> {
    const files = new Map<string, Uint8Array>();
    const config = await this.open(CONFIG_FILE);
    if (config === null) throw new ModelFilesError(this.where, 'config', []);
    files.set(CONFIG_FILE, await this.read(config));

    const weights = await this.openFirstOf(WEIGHTS_FILES);
    if (weights === null) throw new ModelFilesError(this.where, 'weights', [CONFIG_FILE]);
    // The weights are most of the bytes: they are read last, once the tokenizer is known to be
    // there and every file's size is known for the overall progress.
    try {
      for (const name of TOKENIZER_FILES) {
        const opened = await this.open(name);
        if (opened !== null) files.set(name, await this.read(opened));
      }
      // Throws when none of the tokenizer files makes a tokenizer.
      chooseModelFiles(this.where, [...files.keys(), weights.file]);
    } catch (error) {
      if ('response' in weights) discard(weights.response);
      throw error;
    }
    this.progress.settle();
    files.set(weights.file, await this.read(weights));

    await this.storeInCache(this.manifestUrl(), new TextEncoder().encode(JSON.stringify({ files: [...files.keys()] })));
    return { source: this.repoId, files };
  }

  private async openFirstOf(names: readonly string[]): Promise<OpenedFile | null> {
    for (const name of names) {
      const opened = await this.open(name);
      if (opened !== null) return opened;
    }
    return null;
  }

  /** The file from the cache, else its response; null when the repo does not have it. */
  private async open(file: string): Promise<OpenedFile | null> {
    const cached = await this.options.cache?.get(this.url(file));
    if (cached !== undefined && cached !== null) {
      this.progress.report(file, cached.length, cached.length);
      return { file, bytes: cached };
    }
    let response: Response;
    try {
      response = await this.fetchFile(this.url(file));
    } catch (error) {
      // fetch rejects with a TypeError for every network failure (offline, DNS, refused, CORS).
      throw this.abortReasonOr(() => (error instanceof TypeError ? this.unreachable(error) : error));
    }
    if (!response.ok) {
      const errorCode = response.headers.get('x-error-code');
      discard(response);
      if (response.status === 404 && (errorCode === 'EntryNotFound' || (errorCode === null && file !== CONFIG_FILE))) return null;
      throw this.errorFor(file, response.status, response.statusText, errorCode);
    }
    const total = declaredLength(response);
    this.progress.report(file, 0, total);
    return { file, response, total };
  }

  private async read(opened: OpenedFile): Promise<Uint8Array> {
    if ('bytes' in opened) return opened.bytes;
    const { file, response, total } = opened;
    const received = new GrowingBuffer(total ?? 0);
    const reader = response.body?.getReader();
    for (;;) {
      const chunk = await this.nextChunk(reader, file, received.length, total);
      if (chunk === null) break;
      received.append(chunk);
      this.progress.report(file, received.length, total);
    }
    if (total !== null && received.length < total) throw this.truncated(file, received.length, total);
    const bytes = received.bytes();
    await this.storeInCache(this.url(file), bytes);
    return bytes;
  }

  private async nextChunk(reader: ReadableStreamDefaultReader<Uint8Array> | undefined, file: string, loaded: number, total: number | null): Promise<Uint8Array | null> {
    try {
      const chunk = await reader?.read();
      return chunk === undefined || chunk.done ? null : chunk.value;
    } catch (error) {
      // A connection cut mid-body rejects the read, with a TypeError in undici; a stalled one with hubFetch's HubError.
      throw this.abortReasonOr(() => (error instanceof HubError ? error : this.truncated(file, loaded, total, error)));
    }
  }

  private async storeInCache(url: string, bytes: Uint8Array): Promise<void> {
    try {
      await this.options.cache?.put(url, bytes);
    } catch {
      // Only the next load is slower; see FileCache.
    }
  }

  private url(file: string): string {
    return resolveUrl(this.endpoint, this.repoId, this.revision, file);
  }

  // The revision's folder URL, which no file can have: the list of files a completed download got.
  private manifestUrl(): string {
    return this.url('');
  }

  // fetch and body reads fail with an AbortError when aborted, which is not a network problem.
  private abortReasonOr(otherwise: () => unknown): unknown {
    const signal = this.options.signal;
    return signal?.aborted ? signal.reason : otherwise();
  }

  private unreachable(cause: TypeError): HubError {
    return new HubError('unreachable', `Cannot reach ${this.endpoint}: you may be offline. Load a local model folder or start from scratch instead.`, { cause });
  }

  private truncated(file: string, loaded: number, total: number | null, cause?: unknown): HubError {
    const of = total === null ? '' : ` of ${total}`;
    return new HubError(
      'truncated',
      `The download of ${file} from ${this.endpoint} stopped after ${loaded}${of} bytes: the connection was interrupted. Try again, or load a local model folder.`,
      { cause },
    );
  }

  private errorFor(file: string, status: number, statusText: string, errorCode: string | null): HubError {
    const needsLogin = 'needs a Hugging Face login, which the studio does not support; download the folder and load it locally';
    if (errorCode === 'RevisionNotFound') {
      return new HubError('revision-not-found', `${this.where} has no branch, tag or commit "${this.revision}".`);
    }
    // The Hub answers 401 RepoNotFound for private repos too, so as not to reveal that they exist.
    if (errorCode === 'RepoNotFound' || status === 404) {
      return new HubError(
        'repo-not-found',
        `${this.where} was not found. Check the id (it looks like ${EXAMPLE_ID}); a private or gated model ${needsLogin}.`,
      );
    }
    if (status === 401 || status === 403) {
      return new HubError('needs-login', `${this.where} is gated or private: it ${needsLogin}.`);
    }
    const tries = status >= 500 ? hubTries(this.http) : 1;
    const answered = `${this.endpoint} answered HTTP ${status}${statusText === '' ? '' : ` ${statusText}`}${tries > 1 ? ` ${tries} times` : ''} for ${file} of "${this.repoId}"`;
    if (status >= 500) {
      return new HubError('server-error', `${answered}: the server has a problem. Try again in a few minutes, or load a local model folder.`);
    }
    return new HubError('unexpected-response', `${answered}.`);
  }
}

function declaredLength(response: Response): number | null {
  // With a content-encoding, content-length counts the compressed bytes, not the ones read.
  const encoding = response.headers.get('content-encoding');
  if (encoding !== null && encoding !== 'identity') return null;
  const header = response.headers.get('content-length');
  const length = header === null ? NaN : Number(header);
  return Number.isSafeInteger(length) && length >= 0 ? length : null;
}

// Frees the connection of a response whose body is not wanted.
function discard(response: Response): void {
  // A failed cancel means the connection is gone already, which is what cancelling is for.
  response.body?.cancel().catch(() => undefined);
}

function parseManifest(bytes: Uint8Array | null): string[] | null {
  if (bytes === null) return null;
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (typeof parsed !== 'object' || parsed === null || !('files' in parsed)) return null;
    const files: unknown = parsed.files;
    return Array.isArray(files) && files.every((name) => typeof name === 'string') ? files : null;
  } catch {
    // A manifest another version wrote, or a damaged one: download again.
    return null;
  }
}

/** Bytes received, in one buffer sized by content-length so a large file is not held twice. */
class GrowingBuffer {
  private buffer: Uint8Array;
  length = 0;

  constructor(expectedLength: number) {
    this.buffer = new Uint8Array(expectedLength);
  }

  append(chunk: Uint8Array): void {
    const needed = this.length + chunk.length;
    if (needed > this.buffer.length) {
      const grown = new Uint8Array(Math.max(needed, this.buffer.length * 2));
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
    }
    this.buffer.set(chunk, this.length);
    this.length = needed;
  }

  bytes(): Uint8Array {
    return this.length === this.buffer.length ? this.buffer : this.buffer.slice(0, this.length);
  }
}

class ProgressTracker {
  private readonly files = new Map<string, { loaded: number; total: number | null }>();
  private settled = false;

  constructor(private readonly onProgress: ((progress: DownloadProgress) => void) | undefined) {}

  /** Every file to download has been reported: the overall total is known from here on. */
  settle(): void {
    this.settled = true;
  }

  report(file: string, loaded: number, total: number | null): void {
    this.files.set(file, { loaded, total });
    this.onProgress?.({ file, loaded, total, overall: this.overall() });
  }

  private overall(): number | null {
    if (!this.settled) return null;
    let loaded = 0;
    let total = 0;
    for (const file of this.files.values()) {
      if (file.total === null) return null;
      loaded += file.loaded;
      total += file.total;
    }
    return total === 0 ? 1 : Math.min(1, loaded / total);
  }
}
