import { defaultSettings, validateSettings } from '../engine/settings.ts';
import { patch } from './patch.ts';
import type { SliceCreator, StudioState, TrainingSlice } from './types.ts';

/** The max length the run really uses: the setting, capped by the model's position table. */
export function effectiveMaxLength(s: Pick<StudioState, 'training' | 'model'>): number {
  const limit = s.model.summary?.maxPositions ?? Number.POSITIVE_INFINITY;
  return Math.min(s.training.settings.maxLength, limit);
}

/** config.json keys that hold dropout, per family: DistilBERT names them differently from BERT. */
export function dropoutOverrides(modelType: string, p: number | null): Record<string, number> {
  if (p === null) return {};
  return modelType === 'distilbert'
    ? { dropout: p, attention_dropout: p, seq_classif_dropout: p }
    : { hidden_dropout_prob: p, attention_probs_dropout_prob: p };
}

/** Why Train cannot start yet, in words; null when it can. */
export function trainBlocker(s: StudioState): string | null {
  if (!s.dataset.summary || s.dataset.fromSavedRun) return 'Load a dataset first (step 1).';
  if (!s.model.summary || s.model.summary.source === 'saved-run') return 'Load a model first (step 2).';
  if (!s.model.tokenizerReady) return 'The tokenizer is still loading.';
  if (s.dataset.loading || s.model.loading) return 'Wait for loading to finish.';
  if (['preparing', 'running', 'pausing', 'stopping'].includes(s.training.status)) return 'A run is in progress.';
  return null;
}

/** What a run shows of its progress, all empty: the studio's first state and every new run's. */
const noProgress = {
  phase: null,
  tokenized: null,
  steps: [],
  evals: [],
  samplesPerSecond: null,
  etaMs: null,
  totalSteps: null,
  notice: null,
  lastSaved: null,
  endNote: null,
} as const satisfies Partial<TrainingSlice['training']>;

export const createTrainingSlice: SliceCreator<TrainingSlice> = (set, get, deps) => ({
  training: {
    ...noProgress,
    settings: defaultSettings,
    dropout: null,
    status: 'idle',
    backend: null,
    smoothing: 0.6,
    checkpoint: null,
    checkpointUse: 'continue',
  },
  setSetting(key, value) {
    const settings = { ...get().training.settings, [key]: value };
    // Early stopping stops at the best model, as Trainer's EarlyStoppingCallback requires; turning the best model off turns it off.
    if (key === 'earlyStoppingPatience' && typeof value === 'number' && value > 0) settings.loadBestModelAtEnd = true;
    if (key === 'loadBestModelAtEnd' && value === false) settings.earlyStoppingPatience = 0;
    patch(set, get, 'training', { settings });
    if (key === 'maxLength') get().requestTokenStats();
  },
  setDropout(dropout) {
    patch(set, get, 'training', { dropout });
  },
  setSmoothing(smoothing) {
    patch(set, get, 'training', { smoothing });
  },
  startTraining() {
    const s = get();
    const blocker = trainBlocker(s);
    if (blocker) return s.showError('train', blocker);
    const settings = { ...s.training.settings, maxLength: effectiveMaxLength(s) };
    try {
      validateSettings(settings);
      if (s.training.dropout !== null && !(s.training.dropout >= 0 && s.training.dropout < 1)) {
        throw new RangeError(`dropout must be at least 0 and below 1, got ${s.training.dropout}`);
      }
    } catch (error) {
      return s.showError('train', `Check the settings: ${error instanceof Error ? error.message : String(error)}.`);
    }
    if (s.ui.error?.scope === 'train') s.dismissError();
    patch(set, get, 'training', { ...noProgress, status: 'preparing', phase: 'Tokenizing the dataset' });
    patch(set, get, 'evaluation', { status: 'idle', metrics: null, worst: [], tryResult: null, exported: null, inspected: null, inspectFilter: null });
    deps.data.post({ type: 'tokenize', maxLength: settings.maxLength });
  },
  pauseTraining() {
    if (get().training.status !== 'running') return;
    patch(set, get, 'training', { status: 'pausing' });
    deps.train.post({ type: 'pause' });
  },
  resumeTraining() {
    const status = get().training.status;
    if (status !== 'paused' && status !== 'failed') return;
    if (get().ui.error?.scope === 'train') get().dismissError();
    patch(set, get, 'training', { status: 'preparing', phase: 'Resuming' });
    patch(set, get, 'evaluation', { status: 'idle', metrics: null, worst: [], tryResult: null, exported: null, inspected: null, inspectFilter: null });
    deps.train.post({ type: 'resume', backend: get().ui.backendChoice });
  },
  stopTraining() {
    const status = get().training.status;
    if (status !== 'running' && status !== 'paused' && status !== 'failed') return;
    if (status === 'running') patch(set, get, 'training', { status: 'stopping' });
    deps.train.post({ type: 'stop' });
  },
  loadCheckpoint(file) {
    if (get().ui.error?.scope === 'train') get().dismissError();
    deps.train.post({ type: 'load-checkpoint', file });
  },
  setCheckpointUse(checkpointUse) {
    patch(set, get, 'training', { checkpointUse });
  },
  forgetCheckpoint() {
    patch(set, get, 'training', { checkpoint: null });
  },
});
