/** The benchmark page's first script: cross-origin isolation (WASM threads, as the studio has them), then the page. */
import { isolateThenStart } from '../hosting/page-isolation.ts';

await isolateThenStart('The Fine-Tune Studio benchmark', () => import('./main.tsx'));
