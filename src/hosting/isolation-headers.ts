/**
 * Cross-origin isolation: the two response headers that give a page SharedArrayBuffer, and so
 * onnxruntime-web's WASM threads, and which responses need them. The dev and preview servers
 * (vite.config.ts) and `finetune-studio serve` send them on everything; the service worker
 * (isolation-sw.ts) adds them where the host cannot.
 */

/**
 * `require-corp` rather than `credentialless`: Safari only knows the former, and the studio
 * loads nothing cross-origin except Hub files, which are CORS requests (the Hub answers them
 * with Access-Control-Allow-Origin) and so pass under either.
 */
export const CROSS_ORIGIN_ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
} as const;

/**
 * Only the page's own navigations and worker scripts decide isolation: a document and each
 * worker take their policy from the response that loaded them. Scripts, wasm and data from the
 * same origin load under COEP without headers, and other origins' responses are theirs to keep.
 */
export function needsIsolationHeaders(request: Pick<Request, 'url' | 'mode' | 'destination'>, origin: string): boolean {
  if (new URL(request.url).origin !== origin) return false;
  return request.mode === 'navigate' || request.destination === 'worker' || request.destination === 'sharedworker';
}

/** The response with COOP/COEP added; a redirect or an opaque response is returned as it is. */
export function withIsolationHeaders(response: Response): Response {
  if (response.type === 'opaqueredirect' || response.status === 0) return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(CROSS_ORIGIN_ISOLATION_HEADERS)) headers.set(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
