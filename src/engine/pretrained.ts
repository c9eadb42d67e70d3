/**
 * From a Hugging Face model (config.json + weights) and a label set to the checkpoint a run
 * starts from: the config gets the labels and any overrides, as
 * `AutoModelForSequenceClassification.from_pretrained(id, num_labels=…, id2label=…, **overrides)`
 * would set them, and the weights are mapped by name with the missing head initialised.
 */
import { type TrainingCheckpoint, initialProgress } from './checkpoint.ts';
import { architectureClassName, basePrefix, type EncoderConfig, parseModelConfig } from './models/config.ts';
import { adapterParamSpecs, type ParameterPlan, parameterPlan } from './models/fine-tune-method.ts';
import { classifierParamSpecs, modelModules } from './models/params.ts';
import { headFitNote } from './head-fit.ts';
import { Rng } from './random.ts';
import { fineTuneMethodOf, type TrainingSettings } from './settings.ts';
import { type AnyTask, DEFAULT_TASK, taskById } from './tasks/index.ts';
import { formatLoadReport, initialise, loadPretrainedParams, type LoadReport } from './weights/checkpoint-keys.ts';
import type { ParamSpec } from './weights/param-spec.ts';
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
  /** What transformers would log about missing and unused weights, and how a fine-tuned head met the data's labels. */
  readonly message: string;
  /** A fine-tuned model's head and the data's labels: kept and mapped by name, or a new head; null when nothing was to say. */
  readonly headNote: string | null;
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
  const head = fitHead(source, labels, expected, outputLayer(config, numLabels, task));
  const report = loadPretrainedParams({
    expected,
    checkpoint: head.weights,
    basePrefix: basePrefix(config),
    initializerRange: config.initializerRange,
    rng,
  });
  const loaded = formatLoadReport(report, { modelClass: architectureClassName(config, task.head), checkpoint: source.name });
  const message = head.note === null ? loaded : `${loaded}\n${head.note}`;
  modelConfig.architectures = [architectureClassName(config, task.head)];
  return {
    report,
    message,
    headNote: head.note,
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

/** The head's output layer: the last Linear of the model, one output per label. */
function outputLayer(config: EncoderConfig, numLabels: number, task: AnyTask): string {
  const last = modelModules(config, numLabels, task.head).filter((m) => m.kind === 'linear').at(-1);
  if (!last || last.kind !== 'linear' || last.outFeatures !== numLabels) throw new Error(`the ${task.head} head of ${architectureClassName(config, task.head)} has no output layer of ${numLabels} outputs`);
  return last.name;
}

/** The label names a fine-tuned model's head was trained for (id2label, with its output layer saved), or null for a base model. */
export function fineTunedLabels(source: PretrainedSource): string[] | null {
  const id2label = source.configJson.id2label;
  if (id2label === null || typeof id2label !== 'object') return null;
  const output = outputLayer(parseModelConfig(source.configJson), 1, taskById(DEFAULT_TASK));
  if (!source.weights.has(`${output}.weight`) || !source.weights.has(`${output}.bias`)) return null;
  return Object.entries(id2label as Record<string, unknown>)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([, name]) => String(name));
}

/**
 * A fine-tuned model's head meets the data's labels. The same names in any order: the head is kept,
 * its outputs reordered to the data's label ids. Otherwise tensors whose shape no longer fits are
 * dropped, so they start anew (the load report lists them), as ignore_mismatched_sizes=True does.
 */
function fitHead(source: PretrainedSource, labels: readonly string[], expected: readonly ParamSpec[], output: string): { weights: Map<string, NamedTensor>; note: string | null } {
  const known = fineTunedLabels(source);
  const note = known === null ? null : headFitNote(source.name, known, labels);
  if (known === null || note === null) return { weights: source.weights, note: null };
  if (known.length === labels.length && labels.every((l) => known.includes(l))) {
    const weight = source.weights.get(`${output}.weight`)!;
    const bias = source.weights.get(`${output}.bias`)!;
    const order = labels.map((l) => known.indexOf(l));
    const width = weight.shape[1]!;
    const weights = new Map(source.weights);
    weights.set(`${output}.weight`, { shape: weight.shape, data: Float32Array.from({ length: weight.data.length }, (_, i) => weight.data[order[Math.floor(i / width)]! * width + (i % width)]!) });
    weights.set(`${output}.bias`, { shape: bias.shape, data: Float32Array.from(order, (k) => bias.data[k]!) });
    return { weights, note };
  }
  const shapes = new Map(expected.map((p) => [p.name, p.shape]));
  return { weights: new Map([...source.weights].filter(([name, t]) => !shapes.has(name) || t.shape.join() === shapes.get(name)!.join())), note };
}
