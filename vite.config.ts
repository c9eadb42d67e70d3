import { defineConfig } from 'vite';

// Cross-origin isolation makes SharedArrayBuffer available, so onnxruntime-web's WASM backend can use threads.
const crossOriginIsolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  server: { headers: crossOriginIsolation },
  preview: { headers: crossOriginIsolation },
  worker: { format: 'es' },
  optimizeDeps: {
    exclude: ['onnxruntime-web'],
    // The workers' dependencies are not reachable from index.html: without these entries Vite
    // finds them on the first run only when a worker imports them, re-bundles, and the modules
    // the page already loaded go stale ("Failed to fetch dynamically imported module").
    entries: ['index.html', 'workers/*.worker.ts'],
    include: ['@huggingface/transformers'],
  },
});
