/**
 * The page's side of the worker protocol: one switch per worker turns each reply into store
 * updates, and forwards what one worker made to the other (tokenizer files to the data
 * worker, tokenized rows and encoded text to the train worker).
 */
import type { DataReply, ErrorFix, ErrorScope, PackedRows, TrainReply } from '../../workers/protocol.ts';
import { rescoreIfStale } from './evaluation.ts';
import { paceBetween } from './pace.ts';
import { patch } from './patch.ts';
import { dropoutOverrides } from './training.ts';
import type { StoreDeps, StudioStore, TrainingStatus } from './types.ts';

/** Rows of a packed split (a row's target may hold several values: a multi-hot row, a tag per token). */
const rowsOf = (rows: PackedRows) => rows.offsets.length - 1;

/** A run's id: 128 random bits. crypto.randomUUID needs a secure context, which a classroom's plain-http LAN address is not. */
function newRunId(): string {
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export function handleDataReply(store: StudioStore, deps: StoreDeps, reply: DataReply): void {
  const { getState: get, setState: set } = store;
  switch (reply.type) {
    case 'dataset-progress':
      patch(set, get, 'dataset', { loading: { role: reply.role, fileName: reply.fileName, phase: reply.phase, fraction: reply.fraction } });
      return;
    case 'dataset': {
      const pending = get().dataset.pendingValidation;
      patch(set, get, 'dataset', { summary: reply.summary, loading: null, fromSavedRun: false, tokenStats: null, pendingValidation: null });
      get().clearError('data');
      if (pending && pending.kind === 'hub') {
        // The Hub's validation split, read with the columns the training split was read with.
        patch(set, get, 'dataset', { loading: { role: 'validation', fileName: `${pending.id} · ${pending.split}`, phase: 'reading', fraction: 0 } });
        deps.data.post({ type: 'load-dataset', role: 'validation', source: pending });
      }
      get().requestTokenStats();
      return;
    }
    case 'hub-dataset-info': {
      const { hub } = get().dataset;
      const splits = reply.info.config.splits.map((s) => s.name);
      get().setHubForm({
        looking: false,
        info: reply.info,
        split: splits.includes(hub.split) ? hub.split : splits[0]!,
        validationSplit: hub.validationSplit !== null && splits.includes(hub.validationSplit) ? hub.validationSplit : null,
        mapping: reply.info.guess,
      });
      return;
    }
    case 'dataset-error':
      // The dataset already loaded (if any) stays: only the error is new.
      patch(set, get, 'dataset', { loading: null, pendingValidation: null });
      get().showError('data', reply.message, reply.fix);
      return;
    case 'tokenizer-ready':
      patch(set, get, 'model', { tokenizerReady: true });
      get().requestTokenStats();
      return;
    case 'token-stats':
      patch(set, get, 'dataset', { tokenStats: reply.stats });
      return;
    case 'tokenize-progress':
      patch(set, get, 'training', { tokenized: { done: reply.done, total: reply.total } });
      return;
    case 'tokenized': {
      const s = get();
      // A Stop or an error while tokenizing ends the preparation; late rows are dropped.
      if (s.training.status !== 'preparing' || !s.dataset.summary || !s.model.summary) return;
      const settings = { ...s.training.settings, maxLength: reply.data.maxLength };
      patch(set, get, 'training', {
        phase: { id: 'setting-up', since: performance.now() },
        run: {
          datasetName: s.dataset.summary.fileName,
          modelName: s.model.summary.name,
          trainRows: rowsOf(reply.data.train),
          validationCounts: s.dataset.summary.validationCounts,
          labels: reply.data.labels,
          settings,
        },
      });
      const runId = newRunId();
      const validationRows = rowsOf(reply.data.validation);
      patch(set, get, 'runs', { current: { id: runId, fingerprint: reply.data.fingerprint, trainRows: rowsOf(reply.data.train), validationRows }, runningSince: null });
      deps.train.post({
        runId,
        type: 'train',
        settings,
        configOverrides: dropoutOverrides(s.model.summary.modelType, s.training.dropout),
        data: reply.data,
        backend: s.ui.backendChoice,
        dataset: s.dataset.summary,
        checkpointUse: s.training.checkpoint ? s.training.checkpointUse : null,
        checkpointCadence: s.training.checkpointCadence,
        gpuMemoryBudgetMb: s.training.gpuMemoryBudgetMb,
      });
      return;
    }
    case 'split-rows':
      // Asked for by the training-project download; dropped if that ended meanwhile.
      if (get().evaluation.exporting) deps.train.post({ type: 'export-project', rows: reply.rows });
      return;
    case 'encoded':
      if (reply.requestId !== get().evaluation.tryRequestId) return;
      deps.train.post({
        type: 'classify',
        requestId: reply.requestId,
        ids: reply.ids,
        typeIds: reply.typeIds,
        words: reply.words,
        wordIds: reply.wordIds,
        options: { threshold: get().evaluation.threshold },
        backend: get().ui.backendChoice,
      });
      return;
    case 'error':
      failed(store, reply.scope, reply.message);
      return;
  }
}

export function handleTrainReply(store: StudioStore, deps: StoreDeps, reply: TrainReply): void {
  const { getState: get, setState: set } = store;
  switch (reply.type) {
    case 'model-progress':
      patch(set, get, 'model', { loading: { what: get().model.loading?.what ?? 'Loading the model', progress: reply.progress } });
      return;
    case 'model-loaded':
      patch(set, get, 'model', { summary: reply.summary, loading: null, tokenizerReady: false, hubUnreachable: false, memory: null });
      get().clearError('model');
      // The worker forgets a loaded checkpoint with the model it was checked against.
      patch(set, get, 'training', { checkpoint: null });
      deps.data.post({ type: 'set-tokenizer', files: reply.tokenizer });
      return;
    case 'run-preparing':
      patch(set, get, 'training', { status: 'preparing', phase: { id: reply.phase, since: performance.now() } });
      return;
    case 'run-started': {
      // A Pause or Stop clicked while preparing is already on its way to the worker.
      const { status, steps, evals } = get().training;
      patch(set, get, 'training', {
        status: status === 'pausing' || status === 'stopping' ? status : 'running',
        phase: null,
        // A run that went back to its last checkpoint trains those steps again.
        steps: steps.filter((s) => s.step <= reply.step),
        evals: evals.filter((e) => e.step <= reply.step),
        backend: reply.backend,
        task: reply.task,
        totalSteps: reply.totalSteps,
        notice: reply.notice ?? get().training.notice,
        resumedAt: { step: reply.step, at: performance.now() },
        paceFrom: null,
        samplesPerSecond: null,
        etaMs: null,
      });
      patch(set, get, 'runs', { runningSince: Date.now() });
      get().recordRun('running');
      get().clearError('train');
      return;
    }
    case 'steps': {
      const t = get().training;
      const last = reply.records.at(-1);
      if (!last) return;
      const mark = { step: last.step, at: performance.now() };
      const rowsPerStep = t.run ? Math.min(t.run.trainRows, t.run.settings.batchSize * t.run.settings.gradAccumulation) : 0;
      const pace = t.paceFrom ? paceBetween(t.paceFrom, mark, reply.totalSteps, rowsPerStep) : null;
      patch(set, get, 'training', {
        steps: [...t.steps, ...reply.records],
        paceFrom: t.paceFrom ?? mark,
        samplesPerSecond: pace?.samplesPerSecond ?? null,
        etaMs: pace?.etaMs ?? null,
        totalSteps: reply.totalSteps,
      });
      return;
    }
    case 'eval':
      patch(set, get, 'training', { evals: [...get().training.evals, reply.record] });
      get().recordRun('running');
      return;
    case 'run-ended': {
      patch(set, get, 'training', { status: reply.end, phase: null, etaMs: null, endNote: reply.end === 'finished' ? reply.message : null });
      get().recordRun(reply.end);
      if (reply.end === 'failed') get().showError('train', `Training stopped: ${reply.message ?? 'an unknown error'}. The model and its last checkpoint are kept; you can resume.`);
      // Fresh numbers for the evaluate screen, from the model as it now is.
      if (get().training.steps.length > 0) get().evaluate();
      return;
    }
    case 'checkpoint-saved':
      patch(set, get, 'training', { lastSaved: reply.info });
      return;
    case 'saved-run':
      patch(set, get, 'ui', { savedRun: reply.info, restoring: null });
      return;
    case 'restored': {
      const resume = get().ui.restoring === 'resume' && (reply.info.state === 'paused' || reply.info.state === 'failed');
      patch(set, get, 'ui', { savedRun: null, restoring: null, screen: resume || reply.info.state === 'paused' ? 'train' : 'evaluate' });
      patch(set, get, 'dataset', { summary: reply.dataset, loading: null, tokenStats: null, fromSavedRun: true });
      patch(set, get, 'model', { summary: reply.model, loading: null, tokenizerReady: false });
      const status: TrainingStatus = reply.info.state === 'failed' ? 'paused' : reply.info.state;
      patch(set, get, 'training', {
        settings: reply.settings,
        drafts: {},
        run: {
          datasetName: reply.dataset.fileName,
          modelName: reply.model.name,
          trainRows: reply.dataset.trainRows,
          validationCounts: reply.dataset.validationCounts,
          labels: reply.dataset.labels,
          settings: reply.settings,
        },
        status,
        task: reply.task,
        phase: null,
        steps: [...reply.steps],
        evals: [...reply.evals],
        totalSteps: reply.info.totalSteps,
        backend: reply.backend,
        lastSaved: reply.info,
        samplesPerSecond: null,
        etaMs: null,
        resumedAt: null,
        paceFrom: null,
        notice: null,
      });
      const kept = reply.runId === null ? undefined : get().runs.records.find((r) => r.id === reply.runId);
      patch(set, get, 'runs', {
        current: reply.runId === null ? null : { id: reply.runId, fingerprint: kept?.dataset.fingerprint ?? '', trainRows: kept?.dataset.trainRows ?? 0, validationRows: kept?.dataset.validationRows ?? 0 },
        runningSince: null,
      });
      deps.data.post({ type: 'set-tokenizer', files: reply.tokenizer });
      if (resume) get().resumeTraining();
      else get().evaluate();
      return;
    }
    case 'evaluation':
      patch(set, get, 'evaluation', { status: 'ready', metrics: reply.metrics, details: reply.details });
      rescoreIfStale(get(), deps);
      get().clearError('evaluate');
      return;
    case 'classified': {
      const s = get();
      if (reply.requestId !== s.evaluation.tryRequestId) return;
      patch(set, get, 'evaluation', { trying: false, tryResult: { text: s.evaluation.tryText.trim(), prediction: reply.prediction } });
      return;
    }
    case 'inspected-rows': {
      // Only the answer to the filter asked for last is shown.
      const asked = get().evaluation.inspectFilter;
      if (asked && JSON.stringify(asked) === JSON.stringify(reply.filter)) patch(set, get, 'evaluation', { inspected: { filter: reply.filter, rows: reply.rows, total: reply.total } });
      return;
    }
    case 'run-weights':
      get().keepRunWeights(reply.runId, reply.checkpoint);
      return;
    case 'export-phase':
      patch(set, get, 'evaluation', { exportPhase: reply.phase });
      return;
    case 'exported':
      deps.download(reply.fileName, reply.bytes);
      patch(set, get, 'evaluation', { exporting: false, exportPhase: null, exported: { fileName: reply.fileName, bytes: reply.bytes.length } });
      get().clearError('export');
      return;
    case 'checkpoint-loaded':
      // Continuing needs the run's own settings, so they are put on the screen; fine-tuning further may change them.
      patch(set, get, 'training', { checkpoint: reply.info, checkpointUse: reply.info.finished ? 'fine-tune' : 'continue', settings: reply.info.settings });
      return;
    case 'memory-estimate':
      patch(set, get, 'model', { memory: reply.estimate });
      return;
    case 'error':
      if (reply.scope === 'model') patch(set, get, 'model', { hubUnreachable: reply.hubUnreachable === true });
      failed(store, reply.scope, reply.message, reply.fix);
      return;
  }
}

/**
 * The train worker died (an uncaught error, a crash) and a new one took its place: the model and
 * the run it held are gone from memory, so the page forgets them, says so, and asks the new
 * worker for the run saved in the browser, which the banner then offers to resume from its last
 * checkpoint.
 */
export function handleTrainWorkerLost(store: StudioStore, deps: StoreDeps, reason: string): void {
  const { getState: get, setState: set } = store;
  const hadRun = get().training.steps.length > 0 || get().training.status !== 'idle';
  patch(set, get, 'model', { summary: null, loading: null, tokenizerReady: false });
  patch(set, get, 'training', { status: hadRun ? 'stopped' : 'idle', phase: null, etaMs: null, checkpoint: null, run: null });
  patch(set, get, 'evaluation', { status: 'idle', trying: false, exporting: false });
  get().showError(
    'train',
    `The training worker stopped (${reason}) and was started again. ` +
      (hadRun ? 'The run is kept in the browser at its last checkpoint: resume it with the banner at the top.' : 'Load the model again (step 2).'),
  );
  deps.train.post({ type: 'probe-saved-run' });
}

/** Whatever was in flight for the failing screen stops spinning, and the message is shown. */
function failed(store: StudioStore, scope: ErrorScope, message: string, fix?: ErrorFix): void {
  const { getState: get, setState: set } = store;
  switch (scope) {
    case 'model':
      patch(set, get, 'model', { loading: null });
      break;
    case 'train':
      if (get().training.status === 'preparing') {
        const started = get().training.steps.length > 0;
        patch(set, get, 'training', started ? { status: 'paused', phase: null } : { status: 'idle', phase: null, run: null });
      }
      break;
    case 'evaluate':
      patch(set, get, 'evaluation', { trying: false, status: get().evaluation.metrics ? 'ready' : 'idle' });
      break;
    case 'export':
      patch(set, get, 'evaluation', { exporting: false, exportPhase: null });
      break;
    case 'data':
      patch(set, get, 'dataset', { loading: null, pendingValidation: null, hub: { ...get().dataset.hub, looking: false } });
      break;
  }
  get().showError(scope, message, fix);
}
