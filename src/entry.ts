/** The studio page's first script: cross-origin isolation where the host cannot give it, then the studio. */
import { isolateThenStart } from './hosting/page-isolation.ts';

await isolateThenStart('Fine-Tune Studio', () => import('./main.tsx'));
