/**
 * Puts a Hugging Face checkpoint's tensors onto the parameters a model graph
 * expects, with the rules of transformers' `PreTrainedModel.from_pretrained`
 * (`_load_pretrained_model`), so that any checkpoint Python loads into a
 * *ForSequenceClassification model loads here the same way, with the same
 * missing and unexpected keys.
 */

import type { Rng } from '../random.ts';
import type { ParamSpec } from './param-spec.ts';
import type { NamedTensor } from './safetensors.ts';

export interface LoadPretrainedOptions {
  /** The model's parameters, with full Hugging Face names (`bert.…`, `classifier.…`). */
  expected: ParamSpec[];
  checkpoint: Map<string, NamedTensor>;
  /** The model class's `base_model_prefix`: 'bert', 'roberta', 'distilbert', 'electra'. */
  basePrefix: string;
  /** config.initializer_range: the std of the normal init of missing weights. */
  initializerRange: number;
  /** Draws the init of missing weights, so a run's seed fixes them. */
  rng: Rng;
}

export interface LoadReport {
  /**
   * One array per expected parameter, keyed by its model name, in `expected`
   * order. Loaded ones are the checkpoint's own arrays, not copies.
   */
  params: Map<string, Float32Array>;
  /** Expected parameters the checkpoint lacks (model names, sorted), now freshly initialised. */
  missingKeys: string[];
  /** Checkpoint keys the model does not use (as named in the checkpoint, sorted). */
  unexpectedKeys: string[];
}

/**
 * Buffers that transformers registers as non-persistent (the embeddings'
 * `position_ids` and `token_type_ids`): checkpoints saved by older versions
 * still carry them, and transformers drops them from the unexpected keys.
 */
const IGNORED_BUFFER_NAMES = new Set(['position_ids', 'token_type_ids']);

/** TF-era checkpoints (the original bert-base-uncased among them) name LayerNorm's parameters gamma and beta. */
const LEGACY_SUFFIXES: [legacy: string, current: string][] = [
  ['LayerNorm.gamma', 'LayerNorm.weight'],
  ['LayerNorm.beta', 'LayerNorm.bias'],
];

function currentName(checkpointKey: string): string {
  for (const [legacy, current] of LEGACY_SUFFIXES) {
    if (checkpointKey.endsWith(legacy)) return checkpointKey.slice(0, -legacy.length) + current;
  }
  return checkpointKey;
}

function isIgnoredBuffer(checkpointKey: string): boolean {
  return IGNORED_BUFFER_NAMES.has(checkpointKey.slice(checkpointKey.lastIndexOf('.') + 1));
}

function formatShape(shape: number[]): string {
  return `[${shape.join(', ')}]`;
}

function sameShape(left: number[], right: number[]): boolean {
  return left.length === right.length && left.every((dimension, i) => dimension === right[i]);
}

export function initialise(spec: ParamSpec, initializerRange: number, rng: Rng): Float32Array {
  const values = new Float32Array(spec.shape.reduce((product, dimension) => product * dimension, 1));
  if (spec.init === 'ones') values.fill(1);
  else if (spec.init === 'kaiming-uniform') {
    const bound = 1 / Math.sqrt(spec.shape[1] ?? 1);
    for (let i = 0; i < values.length; i++) values[i] = (2 * rng.nextFloat() - 1) * bound;
  }
  else if (spec.init === 'normal') {
    for (let i = 0; i < values.length; i++) values[i] = rng.normal(0, initializerRange);
    if (spec.zeroRow !== undefined) {
      const width = spec.shape[1] ?? 1;
      values.fill(0, spec.zeroRow * width, (spec.zeroRow + 1) * width);
    }
  }
  return values;
}

interface CheckpointEntry {
  checkpointKey: string;
  tensor: NamedTensor;
}

export function loadPretrainedParams(options: LoadPretrainedOptions): LoadReport {
  const { expected, checkpoint, basePrefix, initializerRange, rng } = options;
  if (!(Number.isFinite(initializerRange) && initializerRange >= 0)) {
    throw new RangeError(`initializerRange must be a finite non-negative number, got ${initializerRange}`);
  }

  const byCurrentName = new Map<string, CheckpointEntry>();
  for (const [checkpointKey, tensor] of checkpoint) {
    const name = currentName(checkpointKey);
    const clash = byCurrentName.get(name);
    if (clash !== undefined) {
      throw new Error(`Checkpoint holds both "${clash.checkpointKey}" and "${checkpointKey}" for parameter "${name}"`);
    }
    byCurrentName.set(name, { checkpointKey, tensor });
  }

  // A checkpoint saved from the bare base model (BertModel.save_pretrained)
  // names its tensors without the prefix: transformers then matches the model's
  // prefixed names with the prefix taken off, and the head stays missing.
  const prefix = `${basePrefix}.`;
  const checkpointIsBareBaseModel =
    expected.some((spec) => spec.name.startsWith(prefix)) &&
    ![...byCurrentName.keys()].some((name) => name.startsWith(prefix));
  const checkpointNameFor = (modelName: string): string =>
    checkpointIsBareBaseModel && modelName.startsWith(prefix) ? modelName.slice(prefix.length) : modelName;

  const params = new Map<string, Float32Array>();
  const missingKeys: string[] = [];
  const usedNames = new Set<string>();
  const sizeMismatches: string[] = [];
  for (const spec of expected) {
    const name = checkpointNameFor(spec.name);
    const entry = byCurrentName.get(name);
    if (entry === undefined) {
      missingKeys.push(spec.name);
      params.set(spec.name, initialise(spec, initializerRange, rng));
      continue;
    }
    usedNames.add(name);
    const { shape, data } = entry.tensor;
    if (!sameShape(shape, spec.shape)) {
      sizeMismatches.push(
        `size mismatch for ${spec.name}: checkpoint tensor "${entry.checkpointKey}" has shape ` +
          `${formatShape(shape)}, the model expects ${formatShape(spec.shape)}`,
      );
    } else if (data.length !== shape.reduce((product, dimension) => product * dimension, 1)) {
      sizeMismatches.push(
        `checkpoint tensor "${entry.checkpointKey}" has ${data.length} values for shape ${formatShape(shape)}`,
      );
    } else {
      params.set(spec.name, data);
    }
  }
  if (sizeMismatches.length > 0) {
    throw new Error(`Checkpoint tensors do not fit the model:\n  ${sizeMismatches.join('\n  ')}`);
  }

  const unexpectedKeys = [...byCurrentName]
    .filter(([name, { checkpointKey }]) => !usedNames.has(name) && !isIgnoredBuffer(checkpointKey))
    .map(([, { checkpointKey }]) => checkpointKey);

  return { params, missingKeys: missingKeys.sort(), unexpectedKeys: unexpectedKeys.sort() };
}

export interface LoadReportSource {
  /** e.g. 'BertForSequenceClassification'. */
  modelClass: string;
  /** The model id or folder the checkpoint came from, e.g. 'google-bert/bert-base-uncased'. */
  checkpoint: string;
}

function pythonList(keys: string[]): string {
  return `[${keys.map((key) => `'${key}'`).join(', ')}]`;
}

/** The messages transformers logs after `from_pretrained`, worded as it words them. */
export function formatLoadReport(
  report: Pick<LoadReport, 'missingKeys' | 'unexpectedKeys'>,
  source: LoadReportSource,
): string {
  const { modelClass, checkpoint } = source;
  const unusedMessage =
    report.unexpectedKeys.length > 0
      ? `Some weights of the model checkpoint at ${checkpoint} were not used when initializing ${modelClass}: ` +
        `${pythonList(report.unexpectedKeys)}\n` +
        `- This IS expected if you are initializing ${modelClass} from the checkpoint of a model trained on ` +
        'another task or with another architecture (e.g. initializing a BertForSequenceClassification model ' +
        'from a BertForPreTraining model).\n' +
        `- This IS NOT expected if you are initializing ${modelClass} from the checkpoint of a model that you ` +
        'expect to be exactly identical (initializing a BertForSequenceClassification model from a ' +
        'BertForSequenceClassification model).'
      : `All model checkpoint weights were used when initializing ${modelClass}.`;
  const newlyInitialisedMessage =
    report.missingKeys.length > 0
      ? `Some weights of ${modelClass} were not initialized from the model checkpoint at ${checkpoint} ` +
        `and are newly initialized: ${pythonList(report.missingKeys)}\n` +
        'You should probably TRAIN this model on a down-stream task to be able to use it for predictions ' +
        'and inference.'
      : `All the weights of ${modelClass} were initialized from the model checkpoint at ${checkpoint}.\n` +
        'If your task is similar to the task the model of the checkpoint was trained on, you can already use ' +
        `${modelClass} for predictions without further training.`;
  return `${unusedMessage}\n${newlyInitialisedMessage}`;
}
