import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { CROSS_ORIGIN_ISOLATION_HEADERS } from './src/hosting/isolation-headers.ts';
import { ISOLATION_WORKER_FILE } from './src/hosting/isolation.ts';

/**
 * The service worker that isolates the page on hosts that cannot send headers, emitted beside
 * index.html under a fixed name: its URL decides its scope, and browsers look for updates there.
 */
function isolationServiceWorker(): Plugin {
  return {
    name: 'finetune-studio:isolation-service-worker',
    apply: 'build',
    buildStart() {
      this.emitFile({ type: 'chunk', id: fileURLToPath(new URL('src/hosting/isolation-sw.ts', import.meta.url)), fileName: ISOLATION_WORKER_FILE });
    },
  };
}

export default defineConfig({
  // Relative: one build works at a host's root and under any sub-path (https://user.github.io/finetune-studio/).
  base: './',
  plugins: [isolationServiceWorker()],
  // Cross-origin isolation makes SharedArrayBuffer available, so onnxruntime-web's WASM backend can use threads.
  server: { headers: CROSS_ORIGIN_ISOLATION_HEADERS },
  preview: { headers: CROSS_ORIGIN_ISOLATION_HEADERS },
  worker: { format: 'es' },
  // Two pages: the studio, and the benchmark its footer links to.
  build: { rollupOptions: { input: { studio: fileURLToPath(new URL('index.html', import.meta.url)), bench: fileURLToPath(new URL('bench.html', import.meta.url)) } } },
  optimizeDeps: {
    exclude: ['onnxruntime-web'],
    // The workers' dependencies are not reachable from the pages: without these entries Vite
    // finds them on the first run only when a worker imports them, re-bundles, and the modules
    // the page already loaded go stale ("Failed to fetch dynamically imported module").
    entries: ['index.html', 'bench.html', 'workers/*.worker.ts'],
    include: ['@huggingface/transformers'],
  },
});
