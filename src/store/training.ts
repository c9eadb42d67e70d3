import { validateCadence } from '../engine/checkpoint-cadence.ts';
import type { ModelType } from '../engine/models/config.ts';
import { modelFamilies } from '../engine/models/families/index.ts';
import { DEFAULT_THRESHOLD } from '../engine/multi-label-metrics.ts';
import { plannedUpdates, SCHEDULE_SETTINGS } from '../engine/run-plan.ts';
import { defaultSettings, type NumericSetting, settingNames, settingProblems, type TrainingSettings } from '../engine/settings.ts';
import { DEFAULT_TASK, type TaskId } from '../engine/tasks/index.ts';
import { DEFAULT_GPU_MEMORY_BUDGET_MB } from '../../workers/protocol.ts';
import { patch } from './patch.ts';
import type { SettingField, SliceCreator, StudioState, TrainingSlice, TrainingStatus } from './types.ts';

/** A run is working in the train worker: its data, model and fixed settings cannot change now. */
export function isTraining(status: TrainingStatus): boolean {
  return status === 'preparing' || status === 'running' || status === 'pausing' || status === 'stopping';
}

/** A run stopped part-way that Resume continues. */
export function isResumable(s: Pick<StudioState, 'training'>): boolean {
  return (s.training.status === 'paused' || s.training.status === 'failed') && s.training.run !== null;
}

/** A control on the Train screen that a run can lock: a setting, the dropout override, the checkpoint cadence, or the backend. */
export type LockableField = keyof TrainingSettings | SettingField | 'backend';

/**
 * The studio saves a run after about a minute of training (and after each epoch, and on
 * pause): a reloaded or crashed tab loses that much at most.
 */
export const STUDIO_CHECKPOINT_CADENCE = { everyUpdates: 0, everyMs: 60_000 } as const;

/** Whether a paused run takes `field` up changed when it resumes (run-plan.ts decides: what shapes only the schedule). */
export function changesOnResume(field: LockableField): boolean {
  return (SCHEDULE_SETTINGS as readonly string[]).includes(field);
}

/** The max length the run really uses: the setting, capped by the model's position table. */
export function effectiveMaxLength(s: Pick<StudioState, 'training' | 'model'>): number {
  const limit = s.model.summary?.maxPositions ?? Number.POSITIVE_INFINITY;
  return Math.min(s.training.settings.maxLength, limit);
}

/** config.json keys that hold dropout, as the model's family names them (DistilBERT's differ from BERT's). */
export function dropoutOverrides(modelType: string, p: number | null): Record<string, number> {
  if (p === null || !Object.hasOwn(modelFamilies, modelType)) return {};
  return Object.fromEntries(modelFamilies[modelType as ModelType].dropoutKeys.map((key) => [key, p]));
}

const fieldNames: Readonly<Record<SettingField, string>> = {
  ...settingNames,
  dropout: 'dropout',
  checkpointSeconds: 'the checkpoint interval',
  checkpointSteps: 'checkpoint steps',
  gpuMemoryBudget: 'the GPU memory budget',
};


/** What validateCadence says about one of the cadence's two numbers, or undefined when it is fine. */
function cadenceProblem(cadence: { everyUpdates: number; everyMs: number }): string | undefined {
  try {
    validateCadence(cadence);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * What is wrong with each Train field, in words for under the field: text that is not a
 * number, a value no run could use, or (on a paused run) a schedule that would end before
 * where the run already is.
 */
export function settingFieldProblems(s: Pick<StudioState, 'training'>): Partial<Record<SettingField, string>> {
  const { settings, drafts, dropout, run, steps, checkpointCadence } = s.training;
  const problems: Partial<Record<SettingField, string>> = {};
  for (const [field, text] of Object.entries(drafts) as [SettingField, string][]) problems[field] = `${sentence(fieldNames[field])} must be a number, not “${text}”`;
  for (const [key, message] of Object.entries(settingProblems(settings)) as [keyof typeof settings, string][]) {
    // The method is picked from a fixed list; only a typed number can be wrong.
    const field = key === 'metricForBestModel' || key === 'loadBestModelAtEnd' ? 'earlyStoppingPatience' : typeof settings[key] === 'number' ? (key as NumericSetting) : null;
    if (field) problems[field] ??= sentence(message);
  }
  if (dropout !== null && !(dropout >= 0 && dropout < 1)) problems.dropout ??= `Dropout must be at least 0 and below 1, got ${dropout}`;
  const bySteps = cadenceProblem({ everyUpdates: checkpointCadence.everyUpdates, everyMs: 0 });
  if (bySteps) problems.checkpointSteps ??= sentence(bySteps);
  if (!(Number.isFinite(checkpointCadence.everyMs) && checkpointCadence.everyMs >= 0)) problems.checkpointSeconds ??= `The checkpoint interval must be a number of seconds ≥ 0, got ${checkpointCadence.everyMs / 1000}`;
  if (!(s.training.gpuMemoryBudgetMb >= 1)) problems.gpuMemoryBudget ??= `The GPU memory budget must be at least 1 MB, got ${s.training.gpuMemoryBudgetMb}`;
  const last = steps.at(-1);
  if (isResumable(s) && run && last) {
    const epochReached = Math.max(1, Math.ceil(last.epoch - 1e-9));
    if (settings.epochs !== run.settings.epochs && settings.epochs < epochReached) problems.epochs ??= `This run is in epoch ${epochReached} already: ${epochReached} or more`;
    if (settings.maxSteps !== run.settings.maxSteps && settings.maxSteps > 0 && settings.maxSteps < last.step) {
      problems.maxSteps ??= `This run has taken ${last.step} steps already: ${last.step} or more, or 0 for all epochs`;
    }
  }
  return problems;
}

/** Why Train cannot start yet, in words; null when it can. */
export function trainBlocker(s: StudioState): string | null {
  if (!s.dataset.summary || s.dataset.fromSavedRun) return 'Load a dataset first (step 1).';
  if (!s.model.summary || s.model.summary.source === 'saved-run') return 'Load a model first (step 2).';
  if (!s.model.tokenizerReady) return 'The tokenizer is still loading.';
  if (s.dataset.loading || s.model.loading) return 'Wait for loading to finish.';
  if (isTraining(s.training.status)) return 'A run is in progress.';
  const problem = Object.values(settingFieldProblems(s))[0];
  return problem === undefined ? null : `Fix the settings first. ${problem}.`;
}

/** Why Resume cannot go on with the settings on screen; null when it can. */
export function resumeBlocker(s: StudioState): string | null {
  const problems = settingFieldProblems(s);
  const problem = SCHEDULE_SETTINGS.map((field) => problems[field]).find((p) => p !== undefined);
  return problem === undefined ? null : `Fix the settings first. ${problem}.`;
}

/**
 * Why a field cannot be edited now, for its hover and focus text; null when it can. While a
 * run trains nothing changes; while it is paused only what Resume can apply does.
 */
export function settingLock(s: Pick<StudioState, 'training'>, field: LockableField): string | null {
  const resumable = changesOnResume(field);
  if (isTraining(s.training.status)) {
    return resumable
      ? 'Locked while the run trains. Pause it to change this; the new value applies when you resume.'
      : 'Fixed for this run: every step so far was taken with it. Stop the run, then train a new one to use another value.';
  }
  if (isResumable(s) && !resumable) return 'Fixed for this paused run: every step so far was taken with it. Stop the run, then train a new one to use another value.';
  return null;
}

/** The updates the run will take with the settings on screen: what the progress line counts to after a resume. */
export function plannedSteps(s: Pick<StudioState, 'training'>): number | null {
  const { run, settings, totalSteps } = s.training;
  if (!run) return totalSteps;
  const changed = SCHEDULE_SETTINGS.some((field) => settings[field] !== run.settings[field]);
  if (!changed || !isResumable(s) || Object.keys(settingFieldProblems(s)).length > 0) return totalSteps;
  return plannedUpdates({ ...run.settings, epochs: settings.epochs, maxSteps: settings.maxSteps }, run.trainRows);
}

/** What a new run would throw away, in words, for the question asked first; null when nothing. */
export function discardedByNewRun(s: StudioState): string | null {
  const { run, status, steps, totalSteps } = s.training;
  if (run && (status === 'paused' || status === 'failed' || status === 'finished' || status === 'stopped')) {
    const what = status === 'finished' ? 'the finished model' : status === 'stopped' ? 'the stopped run' : 'the paused run';
    const at = steps.at(-1)?.step ?? 0;
    return `${what} (${run.modelName} on ${run.datasetName}, step ${at.toLocaleString('en-US')} of ${(totalSteps ?? at).toLocaleString('en-US')})`;
  }
  const saved = s.ui.savedRun;
  if (saved) return `the run saved in this browser (${saved.modelName} on ${saved.datasetName}, step ${saved.step.toLocaleString('en-US')} of ${saved.totalSteps.toLocaleString('en-US')}, ${saved.state})`;
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
  resumedAt: null,
  paceFrom: null,
} as const satisfies Partial<TrainingSlice['training']>;

export const createTrainingSlice: SliceCreator<TrainingSlice> = (set, get, deps) => ({
  training: {
    ...noProgress,
    settings: defaultSettings,
    drafts: {},
    dropout: null,
    checkpointCadence: STUDIO_CHECKPOINT_CADENCE,
    gpuMemoryBudgetMb: DEFAULT_GPU_MEMORY_BUDGET_MB,
    status: 'idle',
    run: null,
    task: null,
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
    const { [key]: _typed, ...drafts } = get().training.drafts;
    patch(set, get, 'training', { settings, drafts });
    if (key === 'maxLength') get().requestTokenStats();
  },
  setSettingText(field, text) {
    const trimmed = text.trim();
    const value = Number(trimmed);
    if (field === 'dropout' && trimmed === '') return get().setDropout(null);
    if (trimmed === '' || !Number.isFinite(value)) {
      patch(set, get, 'training', { drafts: { ...get().training.drafts, [field]: text } });
      return;
    }
    if (field === 'dropout') return get().setDropout(value);
    if (field === 'checkpointSeconds' || field === 'checkpointSteps') {
      const { [field]: _typed, ...drafts } = get().training.drafts;
      const cadence = get().training.checkpointCadence;
      const checkpointCadence = field === 'checkpointSeconds' ? { ...cadence, everyMs: value * 1000 } : { ...cadence, everyUpdates: value };
      return patch(set, get, 'training', { checkpointCadence, drafts });
    }
    if (field === 'gpuMemoryBudget') {
      const { gpuMemoryBudget: _typed, ...drafts } = get().training.drafts;
      return patch(set, get, 'training', { gpuMemoryBudgetMb: value, drafts });
    }
    get().setSetting(field, value);
  },
  setDropout(dropout) {
    const { dropout: _typed, ...drafts } = get().training.drafts;
    patch(set, get, 'training', { dropout, drafts });
  },
  setSmoothing(smoothing) {
    patch(set, get, 'training', { smoothing });
  },
  startTraining() {
    const s = get();
    const blocker = trainBlocker(s);
    if (blocker) return s.showError('train', blocker);
    s.clearError('train');
    patch(set, get, 'training', { ...noProgress, run: null, status: 'preparing', phase: { id: 'tokenizing', since: performance.now() } });
    // A threshold tuned for the last model means nothing for the next one.
    patch(set, get, 'evaluation', { status: 'idle', metrics: null, details: null, threshold: DEFAULT_THRESHOLD, tryResult: null, exported: null, inspected: null, inspectFilter: null });
    deps.data.post({ type: 'tokenize', maxLength: effectiveMaxLength(s) });
  },
  pauseTraining() {
    if (get().training.status !== 'running') return;
    patch(set, get, 'training', { status: 'pausing' });
    deps.train.post({ type: 'pause' });
  },
  resumeTraining() {
    const s = get();
    if (!isResumable(s)) return;
    const blocker = resumeBlocker(s);
    if (blocker) return s.showError('train', blocker);
    s.clearError('train');
    const run = s.training.run!;
    // The run's own settings, with what a resume may change taken from the screen.
    const settings = { ...run.settings, ...Object.fromEntries(SCHEDULE_SETTINGS.map((key) => [key, s.training.settings[key]])) };
    patch(set, get, 'training', { status: 'preparing', phase: { id: 'resuming', since: performance.now() }, run: { ...run, settings } });
    patch(set, get, 'evaluation', { status: 'idle', metrics: null, details: null, tryResult: null, exported: null, inspected: null, inspectFilter: null });
    deps.train.post({ type: 'resume', backend: s.ui.backendChoice, settings, gpuMemoryBudgetMb: s.training.gpuMemoryBudgetMb });
  },
  stopTraining() {
    const status = get().training.status;
    if (status !== 'running' && status !== 'paused' && status !== 'failed') return;
    if (status === 'running') patch(set, get, 'training', { status: 'stopping' });
    deps.train.post({ type: 'stop' });
  },
  loadCheckpoint(file) {
    get().clearError('train');
    deps.train.post({ type: 'load-checkpoint', file });
  },
  setCheckpointUse(checkpointUse) {
    patch(set, get, 'training', { checkpointUse });
  },
  forgetCheckpoint() {
    patch(set, get, 'training', { checkpoint: null });
  },
});

/** The task the Train screen scores: the run's once the train worker names it, before that the Data screen's. */
export function trainingTask(s: Pick<StudioState, 'training' | 'dataset'>): TaskId {
  return s.training.task ?? s.dataset.summary?.task.id ?? DEFAULT_TASK;
}
