/** What "best" means for load_best_model_at_end and early stopping: a ClassificationMetrics field. */
export type BestModelMetric = 'accuracy' | 'macroF1' | 'loss';

export const BEST_MODEL_METRICS: readonly BestModelMetric[] = ['accuracy', 'macroF1', 'loss'];

/** The run's hyperparameters, with the values the Hugging Face fine-tuning tutorial sets. */
export interface TrainingSettings {
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly weightDecay: number;
  /** Share of the updates spent warming up, as Trainer's warmup_ratio. */
  readonly warmupRatio: number;
  /** ≤ 0 disables clipping. */
  readonly maxGradNorm: number;
  readonly gradAccumulation: number;
  readonly maxLength: number;
  /** Stop after this many optimizer updates; 0 = run all epochs. */
  readonly maxSteps: number;
  readonly seed: number;
  /** Evaluate every N updates as well as after each epoch; 0 = only after each epoch. */
  readonly evalSteps: number;
  readonly evalBatchSize: number;
  /** Trainer's load_best_model_at_end: the run ends with the weights of its best evaluation. */
  readonly loadBestModelAtEnd: boolean;
  /** Trainer's metric_for_best_model; the task's main metric, accuracy, by default. */
  readonly metricForBestModel: BestModelMetric;
  /** EarlyStoppingCallback's early_stopping_patience in evaluations; 0 = no early stopping. */
  readonly earlyStoppingPatience: number;
  /** EarlyStoppingCallback's early_stopping_threshold: how much better counts as better. */
  readonly earlyStoppingThreshold: number;
}

export const defaultSettings: TrainingSettings = {
  epochs: 3,
  batchSize: 16,
  learningRate: 5e-5,
  weightDecay: 0.01,
  warmupRatio: 0,
  maxGradNorm: 1.0,
  gradAccumulation: 1,
  maxLength: 128,
  maxSteps: 0,
  seed: 42,
  evalSteps: 0,
  evalBatchSize: 64,
  loadBestModelAtEnd: false,
  metricForBestModel: 'accuracy',
  earlyStoppingPatience: 0,
  earlyStoppingThreshold: 0,
};

/** Rejects settings no run could use, naming the setting and the accepted range. */
export function validateSettings(s: TrainingSettings): void {
  const wholeAtLeast = (name: string, value: number, min: number) => {
    if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be a whole number ≥ ${min}, got ${value}`);
  };
  wholeAtLeast('epochs', s.epochs, 1);
  wholeAtLeast('batch size', s.batchSize, 1);
  wholeAtLeast('gradient accumulation', s.gradAccumulation, 1);
  wholeAtLeast('max length', s.maxLength, 8);
  wholeAtLeast('max steps', s.maxSteps, 0);
  wholeAtLeast('eval steps', s.evalSteps, 0);
  wholeAtLeast('eval batch size', s.evalBatchSize, 1);
  wholeAtLeast('seed', s.seed, 0);
  if (!(s.learningRate > 0 && s.learningRate < 1)) throw new RangeError(`learning rate must be in (0, 1), got ${s.learningRate}`);
  if (!(s.weightDecay >= 0 && s.weightDecay < 1)) throw new RangeError(`weight decay must be in [0, 1), got ${s.weightDecay}`);
  if (!(s.warmupRatio >= 0 && s.warmupRatio < 1)) throw new RangeError(`warmup ratio must be in [0, 1), got ${s.warmupRatio}`);
  if (!Number.isFinite(s.maxGradNorm)) throw new RangeError(`max grad norm must be a number, got ${s.maxGradNorm}`);
  wholeAtLeast('early stopping patience', s.earlyStoppingPatience, 0);
  if (!(s.earlyStoppingThreshold >= 0 && Number.isFinite(s.earlyStoppingThreshold))) {
    throw new RangeError(`early stopping threshold must be a number ≥ 0, got ${s.earlyStoppingThreshold}`);
  }
  if (!BEST_MODEL_METRICS.includes(s.metricForBestModel)) {
    throw new RangeError(`the metric for the best model must be one of ${BEST_MODEL_METRICS.join(', ')}, got ${String(s.metricForBestModel)}`);
  }
  // Trainer's EarlyStoppingCallback asserts the same: the best model is what it stops at.
  if (s.earlyStoppingPatience > 0 && !s.loadBestModelAtEnd) {
    throw new RangeError('early stopping needs "keep the best model" (load_best_model_at_end) on, as Trainer\'s EarlyStoppingCallback does');
  }
}
