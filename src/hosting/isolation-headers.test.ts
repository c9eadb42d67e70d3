import { describe, expect, it } from 'vitest';
import { needsIsolationHeaders, withIsolationHeaders } from './isolation-headers.ts';

const ORIGIN = 'https://user.github.io';
const request = (url: string, mode: RequestMode, destination: RequestDestination) => ({ url, mode, destination });

describe('needsIsolationHeaders', () => {
  it('takes the page and its worker scripts from its own origin', () => {
    expect(needsIsolationHeaders(request(`${ORIGIN}/finetune-studio/?hub=x`, 'navigate', 'document'), ORIGIN)).toBe(true);
    expect(needsIsolationHeaders(request(`${ORIGIN}/finetune-studio/assets/train.worker-1.js`, 'same-origin', 'worker'), ORIGIN)).toBe(true);
    expect(needsIsolationHeaders(request(`${ORIGIN}/finetune-studio/assets/ort.wasm.bundle.min-1.js`, 'same-origin', 'sharedworker'), ORIGIN)).toBe(true);
  });

  it('leaves everything else alone: other same-origin files, and any other origin (the Hub)', () => {
    expect(needsIsolationHeaders(request(`${ORIGIN}/finetune-studio/assets/ort-wasm-simd-threaded-1.wasm`, 'same-origin', ''), ORIGIN)).toBe(false);
    expect(needsIsolationHeaders(request(`${ORIGIN}/finetune-studio/demo/reviews.csv`, 'cors', ''), ORIGIN)).toBe(false);
    expect(needsIsolationHeaders(request('https://huggingface.co/org/model/resolve/main/config.json', 'cors', ''), ORIGIN)).toBe(false);
    expect(needsIsolationHeaders(request('https://other.github.io/', 'navigate', 'document'), ORIGIN)).toBe(false);
  });
});

describe('withIsolationHeaders', () => {
  it('adds COOP/COEP and keeps the status, the other headers and the body', async () => {
    const original = new Response('<!doctype html>', { status: 200, statusText: 'OK', headers: { 'content-type': 'text/html', etag: '"1"' } });
    const isolated = withIsolationHeaders(original);
    expect(isolated.status).toBe(200);
    expect(isolated.statusText).toBe('OK');
    expect(Object.fromEntries(isolated.headers)).toEqual({
      'content-type': 'text/html',
      etag: '"1"',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    });
    expect(await isolated.text()).toBe('<!doctype html>');
  });

  it('replaces weaker policies the host sent', () => {
    const original = new Response(null, { status: 404, headers: { 'cross-origin-embedder-policy': 'unsafe-none' } });
    const isolated = withIsolationHeaders(original);
    expect(isolated.status).toBe(404);
    expect(isolated.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
  });

  it('passes an opaque response through unchanged', () => {
    const opaque = Response.error();
    expect(withIsolationHeaders(opaque)).toBe(opaque);
  });
});
