/**
 * The studio's service worker, for hosts that cannot send headers (GitHub Pages, most school
 * web space): it adds COOP/COEP to the page and its workers' scripts as they arrive, so the
 * page is cross-origin isolated after one reload (isolation.ts registers it). It caches
 * nothing: every request still goes to the host, so a new deployment shows at once.
 * Built as a classic script at the build's root (vite.config.ts), where its scope covers the page.
 */
/// <reference lib="webworker" />
import { needsIsolationHeaders, withIsolationHeaders } from './isolation-headers.ts';

declare const self: ServiceWorkerGlobalScope;

// Take over at once: the page reloads as soon as this worker is active, and must go through it.
self.addEventListener('install', () => {
  void self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener('fetch', (event) => {
  if (!needsIsolationHeaders(event.request, self.location.origin)) return;
  event.respondWith(fetch(event.request).then(withIsolationHeaders));
});
