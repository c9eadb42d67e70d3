/**
 * From a Hugging Face model (config.json + weights) and a label set to the checkpoint a run
 * starts from: the config gets the labels and any overrides, as
 * `AutoModelForSequenceClassification.from_pretrained(id, num_labels=…, id2label=…, **overrides)`
 * would set them, and the weights are mapped by name with the missing head initialised.
 */
import { type TrainingCheckpoint, initialProgress } from './checkpoint.ts';
import { architectureClassName, basePrefix, parseModelConfig } from './models/config.ts';
import { adapterParamSpecs, type ParameterPlan, parameterPlan } from './models/fine-tune-method.ts';
import { classifierParamSpecs } from './models/params.ts';
import { Rng } from './random.ts';
import { fineTuneMethodOf, type TrainingSettings } from './settings.ts';
import { type AnyTask, DEFAULT_TASK, taskById } from './tasks/index.ts';
import { formatLoadReport, initialise, loadPretrainedParams, type LoadReport } from './weights/checkpoint-keys.ts';
import type { NamedTensor } from './weights/safetensors.ts';

export interface PretrainedSource {
  /** Hub id or folder, for messages and the model card. */
  readonly name: string;
  readonly configJson: Record<string, unknown>;
  /** Empty for a model trained from scratch. */
  readonly weights: Map<string, NamedTensor>;
}

export interface StartingPoint {
  readonly checkpoint: TrainingCheckpoint;
  readonly report: LoadReport;
  /** What transformers would log about missing and unused weights. */
  readonly message: string;
}

/** The config a fine-tuned model carries: overrides applied, the task's problem_type and head class, labels named both ways. */
export function classifierConfigJson(
  base: Record<string, unknown>,
  labels: readonly string[],
  overrides: Record<string, unknown> = {},
  task: AnyTask = taskById(DEFAULT_TASK),
): Record<string, unknown> {
  const config: Record<string, unknown> = { ...base, ...overrides, ...task.configFields(labels) };
  if (config.problem_type === null) delete config.problem_type;
  delete config.num_labels;
  // The head the run trains, so the checkpoint, its export and a resume agree on the task.
  config.architectures = [architectureClassName(parseModelConfig(config), task.head)];
  return config;
}

export function startingPoint(
  source: PretrainedSource,
  labels: readonly string[],
  settings: TrainingSettings,
  overrides: Record<string, unknown> = {},
  task: AnyTask = taskById(DEFAULT_TASK),
): StartingPoint {
  const numLabels = task.numLabels(labels);
  if (labels.length < task.minLabels) throw new Error(`${task.title.toLowerCase()} needs at least ${task.minLabels} labels, the data has ${labels.length}`);
  const modelConfig = classifierConfigJson(source.configJson, labels, overrides, task);
  const config = parseModelConfig(modelConfig);
  const expected = classifierParamSpecs(config, numLabels, task.head);
  const plan = parameterPlan(config, numLabels, fineTuneMethodOf(settings), task.head);
  const rng = new Rng(settings.seed);
  let report: LoadReport;
  try {
    report = loadPretrainedParams({
      expected,
      checkpoint: source.weights,
      basePrefix: basePrefix(config),
      initializerRange: config.initializerRange,
      rng,
    });
  } catch (error) {
    throw headMismatch(source, labels) ?? error;
  }
  const message = formatLoadReport(report, { modelClass: architectureClassName(config, task.head), checkpoint: source.name });
  modelConfig.architectures = [architectureClassName(config, task.head)];
  return {
    report,
    message,
    checkpoint: {
      modelConfig,
      labels,
      settings,
      progress: initialProgress,
      dataOrder: [],
      history: { steps: [], evals: [] },
      params: withAdapters(report.params, plan, config.initializerRange, rng),
      paramShapes: new Map(plan.params.map((p) => [p.name, p.shape])),
      moments: null,
    },
  };
}

/** The loaded weights and, for a LoRA run, each adapter's lora_A (Kaiming-uniform) and lora_B (zeros), drawn after the head. */
function withAdapters(loaded: Map<string, Float32Array>, plan: ParameterPlan, initializerRange: number, rng: Rng): Map<string, Float32Array> {
  const params = new Map(loaded);
  for (const spec of adapterParamSpecs(plan.adapters)) params.set(spec.name, initialise(spec, initializerRange, rng));
  return params;
}

/**
 * A model already fine-tuned for another label set: its classification head has one output per
 * old label and cannot take the new ones. Says so, and what to start from instead.
 */
function headMismatch(source: PretrainedSource, labels: readonly string[]): Error | null {
  const id2label = source.configJson.id2label;
  if (id2label === null || typeof id2label !== 'object') return null;
  const known = Object.values(id2label as Record<string, unknown>).map(String);
  if (known.length === labels.length) return null;
  return new Error(
    `${source.name} is a classifier already fine-tuned for ${known.length} labels (${known.join(', ')}), and this data has ${labels.length} (${labels.join(', ')}): ` +
      'its classification head does not fit them. Fine-tune the base model it came from (its model card names it under base_model) on this data, ' +
      `or give data with its ${known.length} labels.`,
  );
}
