import { FINE_TUNE_METHODS, type FineTuneMethod, type FineTuneMethodKind } from './models/fine-tune-method.ts';

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
  /** Full fine-tune, LoRA adapters, or the head alone (models/fine-tune-method.ts). */
  readonly method: FineTuneMethodKind;
  /** Keep the embeddings as they are. */
  readonly freezeEmbeddings: boolean;
  /** Keep encoder layers 0 … N − 1 as they are. */
  readonly freezeLayers: number;
  /** peft's LoraConfig r, lora_alpha, lora_dropout (its defaults). */
  readonly loraR: number;
  readonly loraAlpha: number;
  readonly loraDropout: number;
  /** LoRA target module names, comma-separated (`query,value`); empty: the model's default. */
  readonly loraTargets: string;
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
  method: 'full',
  freezeEmbeddings: false,
  freezeLayers: 0,
  loraR: 8,
  loraAlpha: 8,
  loraDropout: 0,
  loraTargets: '',
};

/** Each setting as messages name it. */
export const settingNames: Readonly<Record<keyof TrainingSettings, string>> = {
  epochs: 'epochs',
  batchSize: 'batch size',
  learningRate: 'learning rate',
  weightDecay: 'weight decay',
  warmupRatio: 'warmup ratio',
  maxGradNorm: 'max grad norm',
  gradAccumulation: 'gradient accumulation',
  maxLength: 'max length',
  maxSteps: 'max steps',
  seed: 'seed',
  evalSteps: 'eval steps',
  evalBatchSize: 'eval batch size',
  loadBestModelAtEnd: 'keep the best model',
  metricForBestModel: 'metric for the best model',
  earlyStoppingPatience: 'early stopping patience',
  earlyStoppingThreshold: 'early stopping threshold',
  method: 'method',
  freezeEmbeddings: 'freeze embeddings',
  freezeLayers: 'frozen layers',
  loraR: 'LoRA r',
  loraAlpha: 'LoRA alpha',
  loraDropout: 'LoRA dropout',
  loraTargets: 'LoRA target modules',
};

/** The settings that are numbers, which people type. */
export type NumericSetting = { [K in keyof TrainingSettings]: TrainingSettings[K] extends number ? K : never }[keyof TrainingSettings];

/** What is wrong with each setting no run could use, by setting, naming the accepted range; empty when all are fine. */
export type SettingProblems = Partial<Record<keyof TrainingSettings, string>>;

export function settingProblems(s: TrainingSettings): SettingProblems {
  const problems: SettingProblems = {};
  const wholeAtLeast = (key: NumericSetting, min: number) => {
    const value = s[key];
    if (!Number.isInteger(value) || value < min) problems[key] = `${settingNames[key]} must be a whole number ≥ ${min}, got ${value}`;
  };
  const inRange = (key: NumericSetting, ok: (value: number) => boolean, range: string) => {
    if (!ok(s[key])) problems[key] = `${settingNames[key]} must be ${range}, got ${s[key]}`;
  };
  wholeAtLeast('epochs', 1);
  wholeAtLeast('batchSize', 1);
  wholeAtLeast('gradAccumulation', 1);
  wholeAtLeast('maxLength', 8);
  wholeAtLeast('maxSteps', 0);
  wholeAtLeast('evalSteps', 0);
  wholeAtLeast('evalBatchSize', 1);
  wholeAtLeast('seed', 0);
  inRange('learningRate', (v) => v > 0 && v < 1, 'in (0, 1)');
  inRange('weightDecay', (v) => v >= 0 && v < 1, 'in [0, 1)');
  inRange('warmupRatio', (v) => v >= 0 && v < 1, 'in [0, 1)');
  inRange('maxGradNorm', Number.isFinite, 'a number');
  wholeAtLeast('earlyStoppingPatience', 0);
  inRange('earlyStoppingThreshold', (v) => v >= 0 && Number.isFinite(v), 'a number ≥ 0');
  wholeAtLeast('freezeLayers', 0);
  wholeAtLeast('loraR', 1);
  inRange('loraAlpha', (v) => v > 0 && Number.isFinite(v), 'a number > 0');
  inRange('loraDropout', (v) => v >= 0 && v < 1, 'in [0, 1)');
  if (!FINE_TUNE_METHODS.includes(s.method)) problems.method = `the method must be one of ${FINE_TUNE_METHODS.join(', ')}, got ${String(s.method)}`;
  if (!BEST_MODEL_METRICS.includes(s.metricForBestModel)) {
    problems.metricForBestModel = `the metric for the best model must be one of ${BEST_MODEL_METRICS.join(', ')}, got ${String(s.metricForBestModel)}`;
  }
  // Trainer's EarlyStoppingCallback asserts the same: the best model is what it stops at.
  if (s.earlyStoppingPatience > 0 && !s.loadBestModelAtEnd) {
    problems.earlyStoppingPatience ??= 'early stopping needs "keep the best model" (load_best_model_at_end) on, as Trainer\'s EarlyStoppingCallback does';
  }
  return problems;
}

/** Rejects settings no run could use, with the first problem found. */
export function validateSettings(s: TrainingSettings): void {
  const first = Object.values(settingProblems(s))[0];
  if (first !== undefined) throw new RangeError(first);
}

/** The run's fine-tune method: which parameters train, and its LoRA adapters. */
export function fineTuneMethodOf(s: TrainingSettings): FineTuneMethod {
  const targetModules = s.loraTargets
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  return {
    kind: s.method,
    freezeEmbeddings: s.freezeEmbeddings,
    freezeLayers: s.freezeLayers,
    lora: { r: s.loraR, alpha: s.loraAlpha, dropout: s.loraDropout, targetModules },
  };
}
