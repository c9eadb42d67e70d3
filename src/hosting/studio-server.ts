/**
 * The HTTP server behind `finetune-studio serve`: the built studio with COOP/COEP (so every
 * browser that opens it gets WASM threads without the service worker's reload), and model
 * folders under the Hub's download URLs, so a class loads the model from the teacher's laptop.
 * Text, scripts and wasm go out gzipped (compressed once, kept in memory): thirty browsers
 * fetching 40 MB of wasm each is what a classroom's Wi-Fi feels. Node only.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname } from 'node:path';
import { pipeline } from 'node:stream';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { CROSS_ORIGIN_ISOLATION_HEADERS } from './isolation-headers.ts';
import { type ModelRepos, parseResolvePath, pathInside } from './model-repos.ts';

export interface StudioServerOptions {
  /** The built studio: the folder `vite build` wrote (index.html, assets/…). */
  readonly root: string;
  readonly models: ModelRepos;
  /** 127.0.0.1 for this computer only, 0.0.0.0 for the local network. */
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
}

export interface StudioServer {
  /** The port it listens on (the one picked, for port 0). */
  readonly port: number;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  // WebAssembly.instantiateStreaming accepts no other type.
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.csv': 'text/csv; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.wasm', '.svg', '.csv', '.txt', '.md', '.map']);

/** Hub-like headers on model files: any origin may read them (a studio served elsewhere, under COEP too). */
const MODEL_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'content-length, x-error-code, x-error-message',
  'cross-origin-resource-policy': 'cross-origin',
};

export async function startStudioServer(options: StudioServerOptions): Promise<StudioServer> {
  const gzipped = new GzipCache();
  const server = createServer((request, response) => {
    answer(request, response, options, gzipped).catch((error: unknown) => {
      if (response.headersSent) response.destroy();
      else sendText(response, 500, `finetune-studio serve: ${error instanceof Error ? error.message : String(error)}`);
    });
  });
  await new Promise<void>((resolveListening, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`port ${options.port} is already in use: pick another with --port`) : error),
    );
    server.listen(options.port, options.host, () => resolveListening());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolveClosed, reject) => {
        server.close((error) => (error ? reject(error) : resolveClosed()));
        // Keep-alive connections would hold close() open until they time out.
        server.closeAllConnections();
      }),
  };
}

async function answer(request: IncomingMessage, response: ServerResponse, options: StudioServerOptions, gzipped: GzipCache): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    sendText(response, 405, 'only GET and HEAD', { allow: 'GET, HEAD' });
    return;
  }
  const url = new URL(request.url ?? '/', 'http://studio.invalid');
  const model = parseResolvePath(url.pathname, (repoId) => options.models.has(repoId));
  if (model) await sendModelFile(request, response, options.models.get(model.repoId)!, model.file);
  else await sendStudioFile(request, response, options.root, url, gzipped);
}

async function sendModelFile(request: IncomingMessage, response: ServerResponse, folder: string, file: string): Promise<void> {
  const path = pathInside(folder, file);
  const info = path === null ? null : await stat(path).catch(() => null);
  if (path === null || !info?.isFile()) {
    // As the Hub answers: the studio tells a missing optional file (tokenizer.json) from a missing repo by this code.
    const body = JSON.stringify({ error: 'Entry not found' });
    response.writeHead(404, { ...MODEL_HEADERS, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-error-code': 'EntryNotFound', 'x-error-message': 'Entry not found' });
    response.end(request.method === 'HEAD' ? undefined : body);
    return;
  }
  response.writeHead(200, { ...MODEL_HEADERS, 'content-type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream', 'content-length': info.size, etag: etagOf(info), 'cache-control': 'no-cache' });
  if (request.method === 'HEAD') response.end();
  else streamFile(path, response);
}

async function sendStudioFile(request: IncomingMessage, response: ServerResponse, root: string, url: URL, gzipped: GzipCache): Promise<void> {
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    sendText(response, 400, `malformed address: ${url.pathname}`);
    return;
  }
  const path = pathInside(root, (pathname.endsWith('/') ? `${pathname}index.html` : pathname).slice(1));
  const info = path === null ? null : await stat(path).catch(() => null);
  if (info?.isDirectory()) {
    // The studio's files are relative to its folder: /sub must become /sub/ before index.html loads.
    sendText(response, 301, 'moved', { location: `${url.pathname}/${url.search}` });
    return;
  }
  if (path === null || !info?.isFile()) {
    sendText(response, 404, `not found: ${pathname}`);
    return;
  }
  const extension = extname(path);
  const etag = etagOf(info);
  const headers: OutgoingHttpHeaders = {
    ...CROSS_ORIGIN_ISOLATION_HEADERS,
    'content-type': CONTENT_TYPES[extension] ?? 'application/octet-stream',
    etag,
    // Vite names what is in assets/ by its content hash; the rest (index.html) must be checked each time.
    'cache-control': pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
  };
  const compressible = COMPRESSIBLE.has(extension);
  if (compressible) headers.vary = 'accept-encoding';
  if (request.headers['if-none-match'] === etag) {
    response.writeHead(304, headers);
    response.end();
    return;
  }
  const body = compressible && acceptsGzip(request) ? await gzipped.get(path, etag) : null;
  if (body) {
    response.writeHead(200, { ...headers, 'content-encoding': 'gzip', 'content-length': body.length });
    response.end(request.method === 'HEAD' ? undefined : body);
    return;
  }
  response.writeHead(200, { ...headers, 'content-length': info.size });
  if (request.method === 'HEAD') response.end();
  else streamFile(path, response);
}

/** A file that vanishes mid-read, or a browser that goes away, ends this response and nothing else. */
function streamFile(path: string, response: ServerResponse): void {
  pipeline(createReadStream(path), response, () => {});
}

function acceptsGzip(request: IncomingMessage): boolean {
  return /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
}

function etagOf(info: { size: number; mtimeMs: number }): string {
  return `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
}

function sendText(response: ServerResponse, status: number, text: string, headers: OutgoingHttpHeaders = {}): void {
  response.writeHead(status, { ...headers, 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/** Each file compressed once per version (its etag), shared by requests that arrive while it compresses. */
class GzipCache {
  private readonly entries = new Map<string, { etag: string; bytes: Promise<Buffer> }>();

  get(path: string, etag: string): Promise<Buffer> {
    const entry = this.entries.get(path);
    if (entry?.etag === etag) return entry.bytes;
    const bytes = readFile(path).then((raw) => promisify(gzip)(raw));
    // A failed read is not kept: the next request tries again.
    bytes.catch(() => this.entries.delete(path));
    this.entries.set(path, { etag, bytes });
    return bytes;
  }
}
