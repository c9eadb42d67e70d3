/**
 * Runs the page's measurements one after the other, each in a fresh worker (its GPU memory peak
 * is its own, and a run that dies takes only itself down), and reports each line as it comes.
 */
import type { BenchLine, BenchReply, BenchRequest } from '../../workers/bench-protocol.ts';

export type BenchOutcome = { readonly request: BenchRequest; readonly line: BenchLine } | { readonly request: BenchRequest; readonly error: string };

function measureInWorker(request: BenchRequest, onProgress: (text: string) => void): Promise<BenchOutcome> {
  return new Promise((resolve) => {
    const worker = new Worker(new URL('../../workers/bench.worker.ts', import.meta.url), { type: 'module', name: `bench ${request.preset} ${request.backend}` });
    const finish = (outcome: BenchOutcome) => {
      worker.terminate();
      resolve(outcome);
    };
    worker.onmessage = (event: MessageEvent<BenchReply>) => {
      const reply = event.data;
      if (reply.type === 'progress') onProgress(reply.text);
      else if (reply.type === 'result') finish({ request, line: reply.line });
      else finish({ request, error: reply.error });
    };
    worker.onerror = (event) => {
      event.preventDefault();
      finish({ request, error: `the benchmark worker stopped: ${event.message || 'it crashed (out of memory?)'}` });
    };
    worker.postMessage(request);
  });
}

export async function runBench(requests: readonly BenchRequest[], onProgress: (text: string) => void, onOutcome: (outcome: BenchOutcome) => void): Promise<void> {
  for (const request of requests) onOutcome(await measureInWorker(request, onProgress));
}
