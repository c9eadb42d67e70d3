/**
 * The engine e2e page: reads the run from the query string (`?backend=webgpu&steps=5&lr=0.001&seed=7&method=lora`),
 * hands it to a worker, shows the result and leaves it on `window.engineResult` for the test.
 */
import type { EngineBackendName, EngineRunRequest, EngineRunResult } from './engine-protocol.ts';

declare global {
  interface Window {
    engineResult?: EngineRunResult;
  }
}

const query = new URLSearchParams(location.search);
const request: EngineRunRequest = {
  backend: (query.get('backend') ?? 'webgpu') as EngineBackendName,
  steps: Number(query.get('steps') ?? 5),
  learningRate: Number(query.get('lr') ?? 1e-3),
  seed: Number(query.get('seed') ?? 7),
  method: query.get('method') === 'lora' ? 'lora' : 'full',
};

const stateEl = document.getElementById('state')!;
const details = document.getElementById('details')!;

function setState(state: 'running' | 'done' | 'failed', text: string): void {
  document.body.dataset.state = state;
  stateEl.textContent = text;
}

function row(cells: (string | number)[], tag = 'td'): string {
  return `<tr>${cells.map((c) => `<${tag}>${c}</${tag}>`).join('')}</tr>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);
}

function show(result: EngineRunResult): void {
  window.engineResult = result;
  if (!result.ok) {
    setState('failed', `failed on ${result.backend}`);
    details.innerHTML = `<pre>${escapeHtml(result.error)}</pre>`;
    return;
  }
  setState('done', `done: ${result.losses.length} steps on ${result.backend}`);
  const a = result.adapter;
  const train = result.sessions.find((s) => s.role === 'train_step');
  const last = result.trainRuns.at(-1);
  details.innerHTML = `
    <dl>
      <dt>backend</dt><dd>${result.backend} (execution providers: ${train?.executionProviders.join(', ') ?? '?'})</dd>
      <dt>adapter</dt><dd>${a ? `${a.vendor} / ${a.architecture}${a.description ? ` (${escapeHtml(a.description)})` : ''}` : 'none'}</dd>
      <dt>cross-origin isolated</dt><dd>${result.crossOriginIsolated}</dd>
      <dt>the last step</dt><dd>${last ? `parameters in ${JSON.stringify(last.paramInputs)}, optimizer outputs in ${JSON.stringify(last.stateOutputs)}, ${last.dispatches} GPU dispatches` : '?'}</dd>
      <dt>checksum (Σx, Σx²)</dt><dd>${result.checksum.sum.toFixed(6)}, ${result.checksum.sumSquares.toFixed(6)} over ${result.checksum.count} values</dd>
    </dl>
    <table>
      ${row(['step', 'loss', 'grad norm', 'learning rate'], 'th')}
      ${result.losses.map((loss, i) => row([i + 1, loss.toFixed(6), result.gradNorms[i]!.toFixed(6), result.learningRates[i]!.toExponential(3)])).join('')}
    </table>
    <table>
      ${row(['after step', 'held-out loss', 'accuracy'], 'th')}
      ${result.evals.map((e) => row([e.step, e.loss.toFixed(6), e.accuracy.toFixed(3)])).join('')}
    </table>`;
}

setState('running', `training on ${request.backend}…`);
const worker = new Worker(new URL('./engine-worker.ts', import.meta.url), { type: 'module' });
worker.onmessage = (event: MessageEvent<EngineRunResult>) => show(event.data);
worker.onerror = (event) => show({ ok: false, backend: request.backend, error: `worker error: ${event.message || 'failed to load'}`, log: [] });
worker.postMessage(request);
