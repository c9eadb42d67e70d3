import { DEFAULT_THRESHOLD } from '../engine/multi-label-metrics.ts';
import { taskById } from '../engine/tasks/index.ts';
import { patch } from './patch.ts';
import { effectiveMaxLength } from './training.ts';
import type { EvaluationSlice, SliceCreator, StoreDeps, StudioState } from './types.ts';

/** A model exists to evaluate, try and export: a run that is not training right now. */
export function hasIdleModel(s: StudioState): boolean {
  return ['paused', 'finished', 'stopped', 'failed'].includes(s.training.status) && s.training.steps.length > 0;
}

/** Asks for the last evaluation scored at the threshold on screen when it was scored at another (one set while it ran). */
export function rescoreIfStale(s: StudioState, deps: StoreDeps): void {
  const { status, metrics, threshold } = s.evaluation;
  if (status === 'ready' && metrics?.task === 'multi-label' && metrics.threshold !== threshold) deps.train.post({ type: 'rescore', options: { threshold } });
}

/** Rows listed at most for a cell or a filter: enough to read, few enough to send at once. */
const INSPECT_LIMIT = 50;

export const createEvaluationSlice: SliceCreator<EvaluationSlice> = (set, get, deps) => ({
  evaluation: { status: 'idle', metrics: null, details: null, threshold: DEFAULT_THRESHOLD, tryText: '', tryPairText: '', tryRequestId: 0, trying: false, tryResult: null, exporting: false, exportPhase: null, exported: null, inspected: null, inspectFilter: null },
  inspectRows(filter) {
    patch(set, get, 'evaluation', { inspectFilter: filter, ...(filter === null ? { inspected: null } : {}) });
    if (filter !== null) deps.train.post({ type: 'inspect-rows', filter, limit: INSPECT_LIMIT });
  },
  evaluate() {
    if (!hasIdleModel(get())) return;
    patch(set, get, 'evaluation', { status: 'running', inspected: null, inspectFilter: null });
    deps.train.post({ type: 'evaluate', backend: get().ui.backendChoice, options: { threshold: get().evaluation.threshold } });
  },
  setThreshold(threshold) {
    if (!(threshold > 0 && threshold < 1)) return get().showError('evaluate', `The threshold is a probability between 0 and 1 (not included), got ${threshold}.`);
    patch(set, get, 'evaluation', { threshold });
    rescoreIfStale(get(), deps);
  },
  tuneThreshold() {
    const { metrics } = get().evaluation;
    if (metrics?.task === 'multi-label') get().setThreshold(metrics.tuned.threshold);
  },
  setTryText(tryText) {
    patch(set, get, 'evaluation', { tryText });
  },
  setTryPairText(tryPairText) {
    patch(set, get, 'evaluation', { tryPairText });
  },
  classify() {
    const s = get();
    const text = s.evaluation.tryText.trim();
    if (text === '') return s.showError('evaluate', 'Type a sentence to classify first.');
    if (!hasIdleModel(s)) return s.showError('evaluate', 'Train a model first, or pause the run, to try it.');
    const pairColumn = s.dataset.summary?.mapping.textPair;
    const textPair = pairColumn === undefined ? null : s.evaluation.tryPairText.trim();
    if (textPair === '') return s.showError('evaluate', `This model reads text pairs: type the second text (${pairColumn}) too.`);
    const requestId = s.evaluation.tryRequestId + 1;
    patch(set, get, 'evaluation', { trying: true, tryRequestId: requestId });
    const asWords = s.training.task !== null && taskById(s.training.task).head === 'token-classification';
    deps.data.post({ type: 'encode', requestId, text, textPair, maxLength: effectiveMaxLength(s), asWords });
  },
  exportModel() {
    if (!hasIdleModel(get())) return get().showError('export', 'Train a model first, or pause the run, to download it.');
    patch(set, get, 'evaluation', { exporting: true, exportPhase: null, exported: null });
    deps.train.post({ type: 'export', threshold: get().evaluation.threshold });
  },
  exportProject() {
    const s = get();
    if (!hasIdleModel(s)) return s.showError('export', 'Train a model first, or pause the run, to download its training project.');
    if (s.dataset.fromSavedRun) {
      return s.showError('export', 'This run came back from the browser without its dataset file: load the same file with the same columns and split (step 1) to download its training project.');
    }
    patch(set, get, 'evaluation', { exporting: true, exportPhase: null, exported: null });
    deps.data.post({ type: 'split-rows' });
  },
  exportCheckpoint() {
    if (!hasIdleModel(get())) return get().showError('export', 'Train a model first, or pause the run, to download its checkpoint.');
    patch(set, get, 'evaluation', { exporting: true, exportPhase: null, exported: null });
    deps.train.post({ type: 'export-checkpoint' });
  },
});
