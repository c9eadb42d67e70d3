/**
 * What the studio (Train screen, best-model choice, Runs) calls an evaluation's two scores for each task: best-model.ts reads them
 * as `accuracy` and `macroF1` (Trainer's metric_for_best_model names), and each task maps those
 * onto its own metrics (multi-label: subset accuracy and micro-F1; NER: token accuracy and entity
 * F1; regression: Pearson's r for both).
 */
import type { BestModelMetric } from '../settings.ts';
import type { TaskId } from './index.ts';

export interface TaskScores {
  /** The name of the `accuracy` value; null where it is the same score as `macroF1` (regression). */
  readonly accuracy: string | null;
  /** The name of the `macroF1` value: the task's headline score. */
  readonly macroF1: string;
  /** The name of the validation loss, lower is better: regression's is the mean squared error. */
  readonly loss: string;
  /** Shares on 0–100%, or a correlation from −1 to 1. */
  readonly scale: 'share' | 'correlation';
  /** Whether guessing a class is a baseline worth drawing (one class per row). */
  readonly chance: boolean;
}

export const TASK_SCORES: Readonly<Record<TaskId, TaskScores>> = {
  'single-label': { accuracy: 'accuracy', macroF1: 'macro-F1', loss: 'validation loss', scale: 'share', chance: true },
  'multi-label': { accuracy: 'subset accuracy', macroF1: 'micro-F1', loss: 'validation loss', scale: 'share', chance: false },
  regression: { accuracy: null, macroF1: 'Pearson’s r', loss: 'validation MSE', scale: 'correlation', chance: false },
  'token-classification': { accuracy: 'token accuracy', macroF1: 'entity F1', loss: 'validation loss', scale: 'share', chance: false },
};

/** The best-model choices the task offers, each with its name; regression's one score stands for both of its values. */
export function bestModelChoices(task: TaskId): { metric: BestModelMetric; name: string }[] {
  const scores = TASK_SCORES[task];
  return [
    ...(scores.accuracy === null ? [] : [{ metric: 'accuracy' as const, name: scores.accuracy }]),
    { metric: 'macroF1', name: scores.macroF1 },
    { metric: 'loss', name: scores.loss },
  ];
}

/** What `metric` is called for `task`'s evaluations. */
export function bestModelMetricName(task: TaskId, metric: BestModelMetric): string {
  return bestModelChoices(task).find((c) => c.metric === shownBestModelMetric(task, metric))!.name;
}

/** The choice shown for a setting: regression shows its `accuracy` setting as the one score it is. */
export function shownBestModelMetric(task: TaskId, metric: BestModelMetric): BestModelMetric {
  return metric === 'accuracy' && TASK_SCORES[task].accuracy === null ? 'macroF1' : metric;
}
