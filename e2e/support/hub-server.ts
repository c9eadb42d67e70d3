/**
 * A stand-in for the Hugging Face Hub for tests and e2e runs, which cannot reach the real one:
 * serves repos from folders or memory under the Hub's download URLs, answers missing files and
 * repos as the Hub does, and can fail on purpose. Node only.
 */
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseResolvePath, pathInside } from '../../src/hosting/model-repos.ts';

/**
 * An HTTP status to answer with; the same for the first `times` requests only; 'drop': send half
 * the body, then cut the connection; 'hang': take the connection and never answer; 'stall': send
 * the headers and half the body, then nothing more, keeping the connection open.
 */
export type SimulatedFailure = 'drop' | 'hang' | 'stall' | number | { status: number; times: number };

export interface HubServerOptions {
  /** By repo id (`owner/name` or a legacy `name`): a folder on disk, or files by path. */
  repos: Record<string, string | Record<string, Uint8Array | string>>;
  /** 0 (the default) picks a free port. */
  port?: number;
  /**
   * By `<repo id>/<file>`, e.g. `org/model/model.safetensors`, whatever the revision. Looked up on
   * every request, so a test can add or remove failures while the server runs.
   */
  failures?: Record<string, SimulatedFailure>;
  /**
   * Datasets by id, served as the Hub serves its Parquet conversion: the listing at
   * `/api/datasets/{id}/parquet`, each shard's URL redirecting to
   * `/datasets/{id}/resolve/refs%2Fconvert%2Fparquet/{config}/{split}/{nnnn}.parquet`, read with
   * Range requests. Failures are keyed `datasets/{id}/{config}/{split}/{nnnn}.parquet`.
   */
  datasets?: Record<string, HubDataset>;
}

export interface HubDataset {
  /** Parquet shards by `config/split`, in shard order. */
  readonly files: Record<string, readonly Uint8Array[]>;
  /** A gated or private dataset: requests without `Authorization: Bearer <token>` get 401. */
  readonly token?: string;
  /** The dataset card's metadata, answered at `/api/datasets/{id}` as `cardData` (its `dataset_info` has the features). */
  readonly cardData?: Record<string, unknown>;
}

export interface HubServer {
  /** The endpoint, e.g. `http://127.0.0.1:40123`, without a trailing slash. */
  url: string;
  /** Every request received, as `METHOD /path`, in order. */
  requests: string[];
  close(): Promise<void>;
}

export async function startHubServer(options: HubServerOptions): Promise<HubServer> {
  for (const [repoId, repo] of Object.entries(options.repos)) {
    if (typeof repo === 'string' && !(await stat(repo).catch(() => null))?.isDirectory()) {
      throw new Error(`startHubServer: the folder for repo "${repoId}" does not exist: ${repo}`);
    }
  }
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    answer(request, response, options).catch((error: unknown) => {
      if (!response.headersSent) respond(response, 500, { error: `hub-server: ${String(error)}` });
      else response.destroy();
    });
  });
  await new Promise<void>((resolveListening, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolveListening());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      if (!server.listening) return;
      await new Promise<void>((resolveClosed, reject) => {
        server.close((error) => (error ? reject(error) : resolveClosed()));
        // Keep-alive connections would hold close() open until they time out.
        server.closeAllConnections();
      });
    },
  };
}

const COMMON_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'content-length, content-range, accept-ranges, x-error-code, x-error-message',
  // The studio page is cross-origin isolated (COEP require-corp): it may only load resources
  // that opt in.
  'cross-origin-resource-policy': 'cross-origin',
  // Tests count requests in `requests`; a browser's HTTP cache must not answer in its place.
  'cache-control': 'no-store',
};

async function answer(request: IncomingMessage, response: ServerResponse, options: HubServerOptions): Promise<void> {
  if (request.method === 'OPTIONS') {
    // A CORS preflight: a browser asks before sending Range or Authorization to another origin.
    response.writeHead(204, { ...COMMON_HEADERS, 'access-control-allow-methods': 'GET, HEAD', 'access-control-allow-headers': 'range, authorization', 'access-control-max-age': '600' });
    response.end();
    return;
  }
  if ((request.method === 'GET' || request.method === 'HEAD') && answerDataset(request, response, options)) return;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    respond(response, 405, { error: 'Method not allowed' }, { allow: 'GET, HEAD' });
    return;
  }
  const target = parseResolvePath(new URL(request.url ?? '/', 'http://hub.invalid').pathname, (repoId) => Object.hasOwn(options.repos, repoId));
  if (target === null) {
    respond(response, 404, { error: 'Repository not found' }, { 'x-error-code': 'RepoNotFound', 'x-error-message': 'Repository not found' });
    return;
  }
  const key = `${target.repoId}/${target.file}`;
  const planned = options.failures?.[key];
  let failure = planned;
  if (typeof planned === 'object') {
    failure = planned.times > 0 ? planned.status : undefined;
    planned.times -= 1;
  }
  if (failure === 'hang') return;
  if (typeof failure === 'number') {
    // A gated repo answers an anonymous download with 401 GatedRepo.
    const code: Record<string, string> =
      failure === 401 || failure === 403 ? { 'x-error-code': 'GatedRepo', 'x-error-message': 'Access to this model is restricted' } : {};
    respond(response, failure, { error: `Simulated failure ${failure}` }, code);
    return;
  }
  const bytes = await fileBytes(options.repos[target.repoId], target.file);
  if (bytes === null) {
    respond(response, 404, { error: 'Entry not found' }, { 'x-error-code': 'EntryNotFound', 'x-error-message': 'Entry not found' });
    return;
  }
  response.writeHead(200, { ...COMMON_HEADERS, 'content-type': 'application/octet-stream', 'content-length': bytes.length });
  if (request.method === 'HEAD') response.end();
  else if (failure === 'drop') response.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => response.destroy());
  else if (failure === 'stall') response.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
  else response.end(bytes);
}

const PARQUET_REVISION = 'refs/convert/parquet';

/** Answers the dataset routes; false when the path is not one of them. */
function answerDataset(request: IncomingMessage, response: ServerResponse, options: HubServerOptions): boolean {
  const datasets = options.datasets ?? {};
  const pathname = new URL(request.url ?? '/', 'http://hub.invalid').pathname;
  const segments = pathname.split('/').slice(1).map(decodeURIComponent);
  const listing = segments[0] === 'api' && segments[1] === 'datasets' ? segments.slice(2) : null;
  const resolved = segments[0] === 'datasets' ? segments.slice(1) : null;
  if (listing === null && resolved === null) return false;
  const parts = listing ?? resolved!;
  // /api/datasets/{id} without /parquet is the dataset's info.
  const marker = listing ? (parts.includes('parquet') ? parts.indexOf('parquet') : parts.length) : parts.indexOf('resolve');
  const id = parts.slice(0, marker).join('/');
  const dataset = marker > 0 && Object.hasOwn(datasets, id) ? datasets[id]! : null;
  if (dataset === null) {
    respond(response, 404, { error: 'Repository not found' }, { 'x-error-code': 'RepoNotFound', 'x-error-message': 'Repository not found' });
    return true;
  }
  if (dataset.token !== undefined && request.headers.authorization !== `Bearer ${dataset.token}`) {
    // The Hub answers a gated or private repo without a valid token as it answers a missing one.
    respond(response, 401, { error: 'Invalid credentials in Authorization header' }, { 'x-error-code': 'RepoNotFound', 'x-error-message': 'Invalid credentials' });
    return true;
  }
  if (listing && marker === parts.length) {
    respond(response, 200, { id, cardData: dataset.cardData ?? {} });
    return true;
  }
  const rest = parts.slice(marker + 1);
  if (listing && rest.length === 0) {
    const base = `http://${request.headers.host}/api/datasets/${id}/parquet`;
    const body: Record<string, Record<string, string[]>> = {};
    for (const [key, shards] of Object.entries(dataset.files)) {
      const [config, split] = key.split('/') as [string, string];
      (body[config] ??= {})[split] = shards.map((_, n) => `${base}/${encodeURIComponent(config)}/${encodeURIComponent(split)}/${n}.parquet`);
    }
    respond(response, 200, body);
    return true;
  }
  if (listing && rest.length === 3 && /^\d+\.parquet$/.test(rest[2]!)) {
    const [config, split, shard] = rest as [string, string, string];
    const file = `${String(Number.parseInt(shard, 10)).padStart(4, '0')}.parquet`;
    const location = `/datasets/${id}/resolve/${encodeURIComponent(PARQUET_REVISION)}/${encodeURIComponent(config)}/${encodeURIComponent(split)}/${file}`;
    response.writeHead(302, { ...COMMON_HEADERS, location, 'content-length': 0 });
    response.end();
    return true;
  }
  if (resolved && rest[0] === PARQUET_REVISION && rest.length === 4) {
    const [, config, split, file] = rest as [string, string, string, string];
    const bytes = dataset.files[`${config}/${split}`]?.[Number.parseInt(file, 10)];
    if (bytes === undefined) {
      respond(response, 404, { error: 'Entry not found' }, { 'x-error-code': 'EntryNotFound', 'x-error-message': 'Entry not found' });
      return true;
    }
    sendRange(request, response, bytes, options.failures?.[`datasets/${id}/${config}/${split}/${file}`]);
    return true;
  }
  respond(response, 404, { error: 'Entry not found' }, { 'x-error-code': 'EntryNotFound', 'x-error-message': 'Entry not found' });
  return true;
}

/** The bytes, or the part a `Range: bytes=a-b` / `bytes=-n` header asks for (206), failing as planned. */
function sendRange(request: IncomingMessage, response: ServerResponse, bytes: Uint8Array, failure: SimulatedFailure | undefined): void {
  if (failure === 'hang') return;
  if (typeof failure === 'number' || typeof failure === 'object') {
    const status = typeof failure === 'number' ? failure : failure.times > 0 ? failure.status : null;
    if (typeof failure === 'object') failure.times -= 1;
    if (status !== null) {
      respond(response, status, { error: `Simulated failure ${status}` });
      return;
    }
  }
  const match = /^bytes=(\d*)-(\d*)$/.exec(request.headers.range ?? '');
  let start = 0;
  let end = bytes.length;
  if (match) {
    start = match[1] === '' ? Math.max(0, bytes.length - Number(match[2])) : Number(match[1]);
    end = match[1] !== '' && match[2] !== '' ? Math.min(bytes.length, Number(match[2]) + 1) : bytes.length;
  }
  const part = bytes.subarray(start, end);
  const headers = { ...COMMON_HEADERS, 'content-type': 'application/octet-stream', 'content-length': part.length, 'accept-ranges': 'bytes' };
  response.writeHead(match ? 206 : 200, match ? { ...headers, 'content-range': `bytes ${start}-${end - 1}/${bytes.length}` } : headers);
  if (request.method === 'HEAD') response.end();
  else if (failure === 'drop') response.write(part.subarray(0, Math.floor(part.length / 2)), () => response.destroy());
  else if (failure === 'stall') response.write(part.subarray(0, Math.floor(part.length / 2)));
  else response.end(part);
}

async function fileBytes(repo: string | Record<string, Uint8Array | string>, file: string): Promise<Uint8Array | null> {
  if (typeof repo !== 'string') {
    if (!Object.hasOwn(repo, file)) return null;
    const content = repo[file];
    return typeof content === 'string' ? new TextEncoder().encode(content) : content;
  }
  const path = pathInside(repo, file);
  if (path === null) return null;
  const info = await stat(path).catch(() => null);
  return info?.isFile() ? new Uint8Array(await readFile(path)) : null;
}

function respond(response: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  const json = JSON.stringify(body);
  response.writeHead(status, { ...COMMON_HEADERS, ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  response.end(json);
}
