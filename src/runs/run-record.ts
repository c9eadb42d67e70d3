/**
 * What the studio keeps of every run, to compare runs side by side: settings, model, dataset
 * fingerprint, the step and evaluation history, how long it trained and where. Weights are
 * kept only for pinned runs (run-store.ts). Plain data, so it goes into IndexedDB as it is.
 */
import { metricValue } from '../engine/best-model.ts';
import type { EvalRecord, StepRecord } from '../engine/checkpoint.ts';
import type { TrainingSettings } from '../engine/settings.ts';
import type { TaskId } from '../engine/tasks/index.ts';
import { bestModelMetricName, TASK_SCORES, type TaskScores } from '../engine/tasks/score-names.ts';

export interface RunRecord {
  readonly id: string;
  /** What people call it; the model and dataset at first. */
  readonly name: string;
  /** ISO times. */
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly model: { readonly name: string; readonly className: string; readonly parameters: number };
  readonly dataset: { readonly name: string; readonly fingerprint: string; readonly trainRows: number; readonly validationRows: number };
  readonly labels: readonly string[];
  readonly settings: TrainingSettings;
  /** 'webgpu' or 'wasm', and the adapter or thread count in words. */
  readonly backend: { readonly name: string; readonly description: string } | null;
  readonly status: 'running' | 'paused' | 'finished' | 'stopped' | 'failed';
  readonly steps: readonly StepRecord[];
  readonly evals: readonly EvalRecord[];
  /** Wall time spent training, over every stretch of the run (pauses excluded). */
  readonly trainingMs: number;
  /** Its checkpoint is kept with it (run-store.ts). */
  readonly pinned: boolean;
}

/**
 * The run's best evaluation by the metric its settings name (higher is better, loss lower), with
 * how its value reads (a loss, a share, a correlation); null before any.
 */
export function bestEvaluation(run: RunRecord): { readonly metric: string; readonly value: number; readonly kind: 'loss' | TaskScores['scale']; readonly epoch: number } | null {
  const metric = run.settings.metricForBestModel;
  let best: EvalRecord | null = null;
  for (const e of run.evals) {
    const value = metricValue(e.metrics, metric);
    if (!Number.isFinite(value)) continue;
    if (best === null || (metric === 'loss' ? value < metricValue(best.metrics, metric) : value > metricValue(best.metrics, metric))) best = e;
  }
  if (best === null) return null;
  const { task } = best.metrics;
  return { metric: bestModelMetricName(task, metric), value: metricValue(best.metrics, metric), kind: metric === 'loss' ? 'loss' : TASK_SCORES[task].scale, epoch: best.epoch };
}

/**
 * The run's headline score after each evaluation (macro-F1, micro-F1, Pearson's r or entity F1,
 * as its task names it), whatever its best-model setting: the Runs chart draws the same score for
 * every run of a task, and never a loss on a score's axis.
 */
export function headlineScores(run: RunRecord): { readonly epoch: number; readonly score: number }[] {
  return run.evals.map((e) => ({ epoch: e.epoch, score: metricValue(e.metrics, 'macroF1') }));
}

/** What the headline scores of `runs` are called, one name per task among them, and their shared scale: a correlation's when one is. */
export function headlineScoreAxis(runs: readonly RunRecord[]): { readonly name: string; readonly scale: TaskScores['scale'] } {
  const tasks = [...new Set(runs.flatMap((run): TaskId[] => (run.evals.length > 0 ? [run.evals[0]!.metrics.task] : [])))];
  return {
    name: tasks.length === 0 ? 'validation score' : tasks.map((task) => TASK_SCORES[task].macroF1).join(' / '),
    scale: tasks.some((task) => TASK_SCORES[task].scale === 'correlation') ? 'correlation' : 'share',
  };
}

/** Epochs trained so far, fractions included. */
export function epochsTrained(run: RunRecord): number {
  return run.steps.at(-1)?.epoch ?? 0;
}

/** Milliseconds per epoch of training; null before the first step. */
export function timePerEpoch(run: RunRecord): number | null {
  const epochs = epochsTrained(run);
  return epochs > 0 ? run.trainingMs / epochs : null;
}

/** The settings whose values are not the same in all `runs`, in TrainingSettings order. */
export function differingSettings(runs: readonly RunRecord[]): (keyof TrainingSettings)[] {
  if (runs.length < 2) return [];
  const keys = Object.keys(runs[0]!.settings) as (keyof TrainingSettings)[];
  return keys.filter((key) => runs.some((r) => r.settings[key] !== runs[0]!.settings[key]));
}

/** One row per run: the table the Runs view shows, with every setting, as RFC 4180 CSV. */
export function runsCsv(runs: readonly RunRecord[]): string {
  const settingKeys = runs.length > 0 ? (Object.keys(runs[0]!.settings) as (keyof TrainingSettings)[]) : [];
  const header = ['id', 'name', 'created', 'model', 'dataset', 'dataset_fingerprint', 'train_rows', 'validation_rows', 'backend', 'status', 'steps', 'epochs', 'best_metric', 'best_value', 'best_epoch', 'seconds_per_epoch', ...settingKeys];
  const field = (value: unknown) => {
    const text = value === null || value === undefined ? '' : String(value);
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  const lines = [header.join(',')];
  for (const run of runs) {
    const best = bestEvaluation(run);
    const perEpoch = timePerEpoch(run);
    const cells = [
      run.id, run.name, run.createdAt, run.model.name, run.dataset.name, run.dataset.fingerprint, run.dataset.trainRows, run.dataset.validationRows,
      run.backend?.name ?? '', run.status, run.steps.at(-1)?.step ?? 0, +epochsTrained(run).toFixed(4),
      best?.metric ?? '', best?.value ?? '', best?.epoch ?? '', perEpoch === null ? '' : +(perEpoch / 1000).toFixed(3),
      ...settingKeys.map((key) => run.settings[key]),
    ];
    lines.push(cells.map(field).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** Every kept field of the runs, histories included, as JSON. */
export function runsJson(runs: readonly RunRecord[]): string {
  return `${JSON.stringify({ format: 'finetune-studio-runs/1', runs }, null, 2)}\n`;
}
