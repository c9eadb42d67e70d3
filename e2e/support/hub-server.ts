/**
 * A stand-in for the Hugging Face Hub for tests and e2e runs, which cannot reach the real one:
 * serves repos from folders or memory under the Hub's download URLs, answers missing files and
 * repos as the Hub does, and can fail on purpose. Node only.
 */
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve, sep } from 'node:path';

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
  'access-control-expose-headers': 'content-length, x-error-code, x-error-message',
  // The studio page is cross-origin isolated (COEP require-corp): it may only load resources
  // that opt in.
  'cross-origin-resource-policy': 'cross-origin',
  // Tests count requests in `requests`; a browser's HTTP cache must not answer in its place.
  'cache-control': 'no-store',
};

async function answer(request: IncomingMessage, response: ServerResponse, options: HubServerOptions): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    respond(response, 405, { error: 'Method not allowed' }, { allow: 'GET, HEAD' });
    return;
  }
  const target = parseResolvePath(new URL(request.url ?? '/', 'http://hub.invalid').pathname, options.repos);
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

/** The repo and file of `/{repo}/resolve/{revision}/{file}`, or null when no such repo is served. */
function parseResolvePath(pathname: string, repos: HubServerOptions['repos']): { repoId: string; file: string } | null {
  // Split before decoding: a revision like refs/pr/1 arrives as one %2F-encoded segment.
  const segments = pathname.split('/').slice(1).map(decodeURIComponent);
  for (const repoLength of [2, 1]) {
    const repoId = segments.slice(0, repoLength).join('/');
    if (segments[repoLength] === 'resolve' && segments.length > repoLength + 2 && Object.hasOwn(repos, repoId)) {
      return { repoId, file: segments.slice(repoLength + 2).join('/') };
    }
  }
  return null;
}

async function fileBytes(repo: string | Record<string, Uint8Array | string>, file: string): Promise<Uint8Array | null> {
  if (typeof repo !== 'string') {
    if (!Object.hasOwn(repo, file)) return null;
    const content = repo[file];
    return typeof content === 'string' ? new TextEncoder().encode(content) : content;
  }
  const path = resolve(repo, file);
  if (!path.startsWith(resolve(repo) + sep)) return null;
  const info = await stat(path).catch(() => null);
  return info?.isFile() ? new Uint8Array(await readFile(path)) : null;
}

function respond(response: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  const json = JSON.stringify(body);
  response.writeHead(status, { ...COMMON_HEADERS, ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  response.end(json);
}
