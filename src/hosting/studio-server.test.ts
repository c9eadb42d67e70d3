import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StudioServer, startStudioServer } from './studio-server.ts';

let work: string;
let server: StudioServer;
let base: string;
const INDEX = '<!doctype html><title>Fine-Tune Studio</title>';
const WASM = new Uint8Array(4096).fill(7);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'studio-server-'));
  const files: Record<string, string | Uint8Array> = {
    'dist/index.html': INDEX,
    'dist/assets/main-abc.js': 'console.log(1);',
    'dist/assets/ort-wasm-simd-threaded-abc.wasm': WASM,
    'dist/demo/reviews.csv': 'text,label\nfine,positive\n',
    'secret.txt': 'not for the class',
    'models/org/tiny/config.json': '{"model_type":"bert"}',
    'models/org/tiny/onnx/model.onnx': 'onnx',
  };
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(work, path, '..'), { recursive: true });
    writeFileSync(join(work, path), content);
  }
  server = await startStudioServer({ root: join(work, 'dist'), models: new Map([['org/tiny', join(work, 'models/org/tiny')]]), host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

/** A raw request: fetch would decompress, and would not send a path with `..` as it is. */
function raw(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('startStudioServer: the studio', () => {
  it('serves index.html at / with COOP/COEP, checked on every visit', async () => {
    const index = await raw('/');
    expect(index.status).toBe(200);
    expect(index.headers).toMatchObject({
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-cache',
    });
    expect(index.body.toString()).toBe(INDEX);
  });

  it('gzips text and wasm for browsers that accept it, and keeps hashed assets for a year', async () => {
    const wasm = await raw('/assets/ort-wasm-simd-threaded-abc.wasm', { 'accept-encoding': 'gzip, deflate, br' });
    expect(wasm.headers).toMatchObject({ 'content-type': 'application/wasm', 'content-encoding': 'gzip', vary: 'accept-encoding', 'cache-control': 'public, max-age=31536000, immutable' });
    expect(Number(wasm.headers['content-length'])).toBe(wasm.body.length);
    expect(wasm.body.length).toBeLessThan(WASM.length / 10);
    expect(new Uint8Array(gunzipSync(wasm.body))).toEqual(WASM);

    const plain = await raw('/assets/ort-wasm-simd-threaded-abc.wasm');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(new Uint8Array(plain.body)).toEqual(WASM);
  });

  it('answers a repeated visit with 304 from the etag, and HEAD with the length only', async () => {
    const first = await raw('/demo/reviews.csv');
    expect(first.headers['content-type']).toBe('text/csv; charset=utf-8');
    const again = await raw('/demo/reviews.csv', { 'if-none-match': String(first.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    const head = await raw('/demo/reviews.csv', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(first.body.length));
    expect(head.body.length).toBe(0);
  });

  it('sends a folder to its trailing slash, and nothing from outside the build', async () => {
    const folder = await raw('/demo?x=1');
    expect(folder.status).toBe(301);
    expect(folder.headers.location).toBe('/demo/?x=1');
    expect((await raw('/missing.js')).status).toBe(404);
    expect((await raw('/../secret.txt')).status).toBe(404);
    expect((await raw('/%2e%2e/secret.txt')).status).toBe(404);
    expect((await raw('/%E0%A4%A')).status).toBe(400);
    expect((await raw('/', {}, 'POST')).status).toBe(405);
  });
});

describe('startStudioServer: the models, under the Hub layout', () => {
  it('serves model files, subfolders included, readable from any origin', async () => {
    const config = await fetch(`${base}/org/tiny/resolve/main/config.json`);
    expect(config.status).toBe(200);
    expect(config.headers.get('access-control-allow-origin')).toBe('*');
    expect(config.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(await config.text()).toBe('{"model_type":"bert"}');
    expect(await (await fetch(`${base}/org/tiny/resolve/v1.0/onnx/model.onnx`)).text()).toBe('onnx');
  });

  it('answers a missing file as the Hub does, and nothing outside the model folder', async () => {
    const missing = await fetch(`${base}/org/tiny/resolve/main/tokenizer.json`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-error-code')).toBe('EntryNotFound');
    expect(missing.headers.get('access-control-allow-origin')).toBe('*');
    expect((await raw('/org/tiny/resolve/main/../../../secret.txt')).status).toBe(404);
    expect((await raw('/org/tiny/resolve/main/..%2F..%2F..%2Fsecret.txt')).status).toBe(404);
    // An id it does not serve is not a model path.
    expect((await fetch(`${base}/org/other/resolve/main/config.json`)).headers.get('x-error-code')).toBeNull();
  });
});

describe('startStudioServer: its port', () => {
  it('says which port is taken and how to pick another', async () => {
    await expect(startStudioServer({ root: join(work, 'dist'), models: new Map(), host: '127.0.0.1', port: server.port })).rejects.toThrow(
      `port ${server.port} is already in use: pick another with --port`,
    );
  });
});
