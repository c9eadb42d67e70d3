import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '../app/styles.css';
import './bench.css';
import { BenchPage } from './BenchPage.tsx';
import { parseBenchOptions } from './bench-options.ts';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <BenchPage parsed={parseBenchOptions(location.search)} />
  </StrictMode>,
);
