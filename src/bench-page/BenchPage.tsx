/**
 * The benchmark anyone can run: a few training steps of each preset on this browser's WebGPU and
 * WASM, with ms/step, samples/s, GPU dispatches per step, peak GPU memory against the studio's
 * estimate, and the adapter; the results copy as JSON lines. With `?auto` it starts by itself,
 * which is how `npm run bench -- --backends webgpu` drives it in headless Chromium: the page's
 * `data-state` becomes `done` and `window.benchLines` holds the lines.
 */
import { useEffect, useRef, useState } from 'react';
import type { BenchLine } from '../../workers/bench-protocol.ts';
import { benchRequests, type ParsedBenchOptions } from './bench-options.ts';
import { type BenchOutcome, runBench } from './run-bench.ts';

declare global {
  interface Window {
    benchLines?: (BenchLine | { preset: string; backend: string; error: string })[];
  }
}

type PageState = 'ready' | 'running' | 'done';

const shown = (value: number | null) => (value === null ? '–' : value.toLocaleString('en'));

/** A run's line, or for a failed run what failed. */
function outcomeLine(o: BenchOutcome): BenchLine | { preset: string; backend: string; error: string } {
  return 'line' in o ? o.line : { backend: o.request.backend, preset: o.request.preset, error: o.error };
}

/** One JSON line per run, failures included with what failed. */
export function outcomesAsJsonLines(outcomes: readonly BenchOutcome[]): string {
  return outcomes.map((o) => JSON.stringify(outcomeLine(o))).join('\n');
}

export function BenchPage({ parsed }: { parsed: ParsedBenchOptions }) {
  const [state, setState] = useState<PageState>('ready');
  const [progress, setProgress] = useState('');
  const [outcomes, setOutcomes] = useState<BenchOutcome[]>([]);
  const [copied, setCopied] = useState('');
  const started = useRef(false);

  const start = () => {
    if (!parsed.ok || started.current) return;
    started.current = true;
    setState('running');
    setOutcomes([]);
    const collected: BenchOutcome[] = [];
    void runBench(benchRequests(parsed.options), setProgress, (outcome) => {
      collected.push(outcome);
      setOutcomes([...collected]);
    }).then(() => {
      window.benchLines = collected.map(outcomeLine);
      started.current = false;
      setProgress('');
      setState('done');
    });
  };

  useEffect(() => {
    document.body.dataset.state = state;
  }, [state]);

  useEffect(() => {
    if (parsed.ok && parsed.options.auto) start();
    // Once, on load: `start` reads the options the page was rendered with, which never change.
  }, []);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(outcomesAsJsonLines(outcomes));
      setCopied('Copied.');
    } catch (error) {
      setCopied(`The browser did not allow copying: ${error instanceof Error ? error.message : String(error)}. Select the lines below instead.`);
    }
  };

  if (!parsed.ok) {
    return (
      <main className="bench">
        <h1>Benchmark</h1>
        <p role="alert" data-testid="bench-error">
          This address asks for something the benchmark cannot do: {parsed.error}.
        </p>
      </main>
    );
  }
  const { options } = parsed;
  return (
    <main className="bench">
      <h1>Benchmark: how fast this browser trains</h1>
      <p>
        Trains {options.warmup + options.steps} steps ({options.warmup} warm-up, {options.steps} timed) of BERT {options.presets.join(', ')}
        {options.method === 'lora' ? ' with LoRA adapters' : ''} on{' '}
        {options.backends.map((b) => (b === 'webgpu' ? 'WebGPU' : 'WASM')).join(' and ')}, batch {options.batch} × {options.seq} tokens, with random
        weights and data: nothing is downloaded and nothing leaves this computer. Other presets and sizes: add{' '}
        <code>?presets=tiny,mini,small,base&amp;backends=webgpu&amp;method=lora&amp;batch=8</code> to the address.
      </p>
      <p className="bench-note">
        Dispatches are the GPU compute kernels one training step launches; on a real GPU each costs tens of microseconds before any math. Peak GPU
        memory is the largest sum of live GPU buffers during the run, beside the estimate the studio makes before a run. A software adapter
        (SwiftShader) gives real counts and memory, but its times say nothing about a GPU.
      </p>
      <div className="bench-actions">
        <button type="button" className="button button-primary" onClick={start} disabled={state === 'running'} data-testid="bench-start">
          {state === 'running' ? 'Running…' : outcomes.length > 0 ? 'Run again' : 'Run the benchmark'}
        </button>
        <button type="button" className="button" onClick={() => void copy()} disabled={outcomes.length === 0} data-testid="bench-copy">
          Copy results as JSON
        </button>
        <span role="status" aria-live="polite">
          {progress || copied}
        </span>
      </div>
      <table className="bench-table" data-testid="bench-results">
        <caption className="bench-note">One row per preset and backend; times are medians of the timed steps.</caption>
        <thead>
          <tr>
            <th scope="col">Preset</th>
            <th scope="col">Backend</th>
            <th scope="col">ms / step</th>
            <th scope="col">samples / s</th>
            <th scope="col">dispatches / step (graph + optimizer)</th>
            <th scope="col">peak GPU MiB</th>
            <th scope="col">estimate MiB</th>
            <th scope="col">nodes</th>
          </tr>
        </thead>
        <tbody>
          {outcomes.map((o) => (
            <tr key={`${o.request.preset}-${o.request.backend}`}>
              <th scope="row">{o.request.preset}</th>
              {'line' in o ? (
                <>
                  <td className="bench-text">{o.line.backend_description}</td>
                  <td>{shown(o.line.step_ms_median)}</td>
                  <td>{shown(o.line.samples_per_s)}</td>
                  <td>
                    {o.line.kernels_per_step === null ? '–' : `${shown(o.line.kernels_per_step)} (${shown(o.line.graph_kernels_per_step)} + ${shown(o.line.optimizer_kernels_per_step)})`}
                  </td>
                  <td>{shown(o.line.gpu_peak_mb)}</td>
                  <td>{shown(o.line.gpu_estimate_mb)}</td>
                  <td>{shown(o.line.nodes_per_step)}</td>
                </>
              ) : (
                <td className="bench-text" colSpan={7}>
                  {o.request.backend === 'webgpu' ? 'WebGPU' : 'WASM'} failed: {o.error}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {outcomes.length > 0 && (
        <pre className="bench-note" data-testid="bench-json">
          {outcomesAsJsonLines(outcomes)}
        </pre>
      )}
      <p>
        <a href="./">Back to the studio</a>
      </p>
    </main>
  );
}
