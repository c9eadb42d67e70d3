/**
 * Trainer's best-model habits: `load_best_model_at_end` with `metric_for_best_model`, and
 * `EarlyStoppingCallback(early_stopping_patience, early_stopping_threshold)`, with the same
 * decisions on the same metric sequence.
 *
 * The order of one evaluation is Trainer's: `_evaluate` runs the callbacks' `on_evaluate`
 * first, so early stopping compares the new value with the best from *before* this
 * evaluation (strictly better, and by more than the threshold); `_determine_best_metric`
 * then updates the best (strictly better, no threshold). Everything but the best weights is a
 * function of the evaluation history, so a resumed run replays it instead of storing it.
 */
import type { EvalRecord } from './checkpoint.ts';
import { type TaskId, type TaskMetrics, taskOfMetrics } from './tasks/index.ts';
import { bestModelMetricName } from './tasks/score-names.ts';
import type { BestModelMetric, TrainingSettings } from './settings.ts';

export type BestModelSettings = Pick<TrainingSettings, 'loadBestModelAtEnd' | 'metricForBestModel' | 'earlyStoppingPatience' | 'earlyStoppingThreshold'>;

export interface BestModelState {
  /** Trainer's `state.best_metric`: null before the first evaluation. */
  readonly bestMetric: number | null;
  /** The step of the evaluation that set `bestMetric`. */
  readonly bestStep: number | null;
  /** EarlyStoppingCallback's `early_stopping_patience_counter`. */
  readonly patienceCounter: number;
  /** EarlyStoppingCallback set `control.should_training_stop`. */
  readonly shouldStop: boolean;
}

export const initialBestModelState: BestModelState = { bestMetric: null, bestStep: null, patienceCounter: 0, shouldStop: false };

/** TrainingArguments: `greater_is_better = not metric_for_best_model.endswith("loss")`. */
export function greaterIsBetter(metric: BestModelMetric): boolean {
  return metric !== 'loss';
}

export function metricValue(metrics: TaskMetrics, metric: BestModelMetric): number {
  return taskOfMetrics(metrics).bestModelValue(metrics, metric);
}

function better(value: number, than: number, greater: boolean): boolean {
  return greater ? value > than : value < than;
}

/** One evaluation's value at `step`: the new state, and whether this evaluation is the new best. */
export function observeEvaluation(state: BestModelState, value: number, step: number, settings: BestModelSettings): { state: BestModelState; isNewBest: boolean } {
  const greater = greaterIsBetter(settings.metricForBestModel);
  let { patienceCounter, shouldStop } = state;
  if (settings.earlyStoppingPatience > 0) {
    const improved = state.bestMetric === null || (better(value, state.bestMetric, greater) && Math.abs(value - state.bestMetric) > settings.earlyStoppingThreshold);
    patienceCounter = improved ? 0 : patienceCounter + 1;
    if (patienceCounter >= settings.earlyStoppingPatience) shouldStop = true;
  }
  const best = state.bestMetric ?? (greater ? -Infinity : Infinity);
  const isNewBest = better(value, best, greater);
  return {
    state: { bestMetric: isNewBest ? value : state.bestMetric, bestStep: isNewBest ? step : state.bestStep, patienceCounter, shouldStop },
    isNewBest,
  };
}

/** The state after `evals`, in order. */
export function replayEvaluations(evals: readonly EvalRecord[], settings: BestModelSettings): BestModelState {
  let state = initialBestModelState;
  for (const e of evals) state = observeEvaluation(state, metricValue(e.metrics, settings.metricForBestModel), e.step, settings).state;
  return state;
}

export type Weights = ReadonlyMap<string, Float32Array>;

/**
 * Follows a run's evaluations: keeps a copy of the weights at each new best (when the run
 * loads the best model at the end) and says when early stopping ends the run.
 */
export class BestModelKeeper {
  private current: BestModelState;
  private weights: Weights | null;

  /** `history` is the run's evaluations so far; `bestWeights` the copy a checkpoint kept. */
  constructor(
    private readonly settings: BestModelSettings,
    history: readonly EvalRecord[] = [],
    bestWeights: Weights | null = null,
  ) {
    this.current = replayEvaluations(history, settings);
    this.weights = bestWeights;
  }

  get state(): BestModelState {
    return this.current;
  }

  /** The best evaluation's weights; null when the run does not keep them or none was taken yet. */
  get bestWeights(): Weights | null {
    return this.settings.loadBestModelAtEnd ? this.weights : null;
  }

  /** `readWeights` copies the weights as they are now; it is called only for a new best. */
  async afterEvaluation(record: EvalRecord, readWeights: () => Promise<Weights>): Promise<'continue' | 'stop'> {
    const { state, isNewBest } = observeEvaluation(this.current, metricValue(record.metrics, this.settings.metricForBestModel), record.step, this.settings);
    this.current = state;
    if (isNewBest && this.settings.loadBestModelAtEnd) this.weights = await readWeights();
    return state.shouldStop ? 'stop' : 'continue';
  }

  /** For people: which evaluation the final model is, and why the run ended early, with the score as `task` names it. */
  describe(task: TaskId): string | null {
    const { bestMetric, bestStep, shouldStop, patienceCounter } = this.current;
    const metric = this.settings.metricForBestModel;
    const name = bestModelMetricName(task, metric);
    const parts: string[] = [];
    if (shouldStop) parts.push(`stopped early: ${name} did not improve for ${patienceCounter} evaluation${patienceCounter === 1 ? '' : 's'}`);
    if (this.bestWeights !== null && bestMetric !== null) parts.push(`kept the best model, from step ${bestStep} (${name} ${bestMetric.toFixed(4)}, the ${greaterIsBetter(metric) ? 'highest' : 'lowest'})`);
    return parts.length > 0 ? parts.join('; ') : null;
  }
}

/**
 * The evaluation whose weights a checkpoint's model has: the best one when the finished run kept
 * the best model (load_best_model_at_end), otherwise the last; null without evaluations.
 */
export function modelEvaluation(c: { readonly settings: BestModelSettings; readonly history: { readonly evals: readonly EvalRecord[] }; readonly progress: { readonly finished: boolean } }): EvalRecord | null {
  const { evals } = c.history;
  if (c.settings.loadBestModelAtEnd && c.progress.finished) {
    const { bestStep } = replayEvaluations(evals, c.settings);
    const best = evals.find((e) => e.step === bestStep);
    if (best) return best;
  }
  return evals.at(-1) ?? null;
}
