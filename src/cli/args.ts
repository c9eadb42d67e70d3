/** Command-line parsing for `finetune-studio`, kept apart from I/O so every rule is unit-tested. */
import { DEFAULT_THRESHOLD } from '../engine/multi-label-metrics.ts';
import { isTaskId, TASKS, type TaskId } from '../engine/tasks/index.ts';
import { defaultLabelOptions, type LabelOptions } from '../engine/tasks/task.ts';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { type CheckpointCadence, defaultCheckpointCadence, validateCadence } from '../engine/checkpoint-cadence.ts';
import { FINE_TUNE_METHODS, type FineTuneMethodKind } from '../engine/models/fine-tune-method.ts';
import { type BestModelMetric, defaultSettings, type TrainingSettings, validateSettings } from '../engine/settings.ts';
import type { RowSample } from '../hub/hub-datasets.ts';

/** `--data hub:<dataset id>` reads a split of a Hub dataset instead of a file. */
export const HUB_DATA_PREFIX = 'hub:';

/** Where a Hub dataset's rows come from: its config, its splits, and which rows. */
export interface HubDataFlags {
  readonly config: string | null;
  readonly split: string;
  /** A second split for the validation rows, instead of a share of the first. */
  readonly evalSplit: string | null;
  readonly sample: RowSample;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export type BackendChoice = 'cpu' | 'wasm';

export interface ColumnFlags {
  readonly textColumn: string;
  readonly textPairColumn: string | null;
  readonly labelColumn: string;
  /** How label cells are read (the multi-label separator). */
  readonly labelOptions: LabelOptions;
  /** --tag-names: the tag of each id, for tagged JSON Lines whose tags are ids; null when not given. */
  readonly tagNames: readonly string[] | null;
}

export interface TrainCommand extends ColumnFlags {
  readonly command: 'train';
  /** --task; null: guessed from the label column. */
  readonly task: TaskId | null;
  readonly model: string;
  readonly data: string;
  readonly validation: string | null;
  readonly validationSplit: number;
  readonly settings: TrainingSettings;
  /** The settings given as flags: a resumed run takes these over its checkpoint's and keeps the rest. */
  readonly givenSettings: Partial<TrainingSettings>;
  /** How often a checkpoint is written to --out while training. */
  readonly checkpointCadence: CheckpointCadence;
  readonly configOverrides: Record<string, unknown>;
  readonly out: string;
  readonly backend: BackendChoice;
  readonly resume: string | null;
  /** Where to write the run as a transformers.Trainer project; null for none. */
  readonly exportProject: string | null;
  /** Set when --data is hub:<id>. */
  readonly hub: HubDataFlags | null;
}

export interface PredictCommand extends ColumnFlags {
  readonly command: 'predict';
  readonly model: string;
  readonly data: string;
  readonly out: string | null;
  readonly backend: BackendChoice;
  readonly batchSize: number;
  /** Multi-label: the probability from which a label is predicted; null for the folder's own (config.json's multi_label_threshold, else 0.5). */
  readonly threshold: number | null;
}

export interface EvalCommand extends ColumnFlags {
  readonly command: 'eval';
  readonly model: string;
  readonly data: string;
  readonly backend: BackendChoice;
  readonly batchSize: number;
  readonly threshold: number | null;
}

export interface ServeCommand {
  readonly command: 'serve';
  readonly port: number;
  readonly host: string;
  /** A folder of model folders to serve under the Hub's URLs; null for none. */
  readonly models: string | null;
  /** The built studio; null for this checkout's dist/, built when missing. */
  readonly dir: string | null;
}

export const DEFAULT_SERVE_PORT = 8080;

export type Command = TrainCommand | PredictCommand | EvalCommand | ServeCommand | { readonly command: 'help' };

export const usage = `Usage: finetune-studio <command> [options]

Commands:
  train    Fine-tune a Hugging Face model for text classification (one label, several labels, or a score)
  predict  Apply a fine-tuned model to the rows of a file (one JSON line per row)
  eval     Print the task's metrics as JSON (single-label: accuracy, macro-F1, per-class, confusion matrix)
  serve    Serve the studio to this computer or a classroom's network, with the headers WASM threads need

train options:
  --model <folder | hub id>   local Hugging Face folder or Hub id (HF_ENDPOINT picks the Hub host)
  --data <file | hub:<id>>    CSV (any separator), TSV, JSON, JSON Lines or Parquet, gzipped or not; or a Hub dataset (hub:imdb)
  --split <name>              hub: the split to train on (default train)
  --eval-split <name>         hub: validation rows from this split instead of a share
  --hub-config <name>         hub: the dataset's config (default: its first)
  --sample-rows <n>           hub: only n rows of each split (default: all)
  --sample first|random       hub: the first n rows, or n at random with --sample-seed (default first)
  --sample-seed <n>           default: the --seed
  --validation <file>         separate validation file (otherwise --validation-split)
  --validation-split <f>      share of the data held out, stratified and seeded (default 0.1)
  --text-column <name>        default: text
  --text-pair-column <name>   second text for pair tasks (optional)
  --label-column <name>       default: label
  --task <task>               ${TASKS.map((t) => t.id).join(' | ')} (default: guessed from the label column and logged)
  --label-separator <s>       multi-label: the separator between a cell's labels (default ${JSON.stringify(defaultLabelOptions.labelSeparator)}; JSON arrays need none)
  --tag-names <O,B-PER,…>     token classification: the tag of each id, for JSON Lines whose ner_tags are ids
  --epochs <n>                default: ${defaultSettings.epochs}
  --batch-size <n>            default: ${defaultSettings.batchSize}
  --lr <x>                    default: ${defaultSettings.learningRate}
  --weight-decay <x>          default: ${defaultSettings.weightDecay}
  --warmup-ratio <x>          default: ${defaultSettings.warmupRatio}
  --max-grad-norm <x>         default: ${defaultSettings.maxGradNorm} (0 disables clipping)
  --grad-accum <n>            default: ${defaultSettings.gradAccumulation}
  --max-length <n>            default: ${defaultSettings.maxLength}
  --max-steps <n>             stop after n optimizer updates
  --eval-steps <n>            also evaluate every n updates
  --seed <n>                  default: ${defaultSettings.seed}
  --load-best-model-at-end    end with the weights of the best evaluation, not the last
  --metric-for-best-model <m> accuracy (default), f1 (macro) or loss
  --early-stopping-patience <n>   stop after n evaluations without improvement (needs --load-best-model-at-end)
  --early-stopping-threshold <x>  how much better counts as better (default 0)
  --method <m>                full (default), lora or head-only (the classification head alone)
  --lora-r <n>                LoRA rank (default ${defaultSettings.loraR}); any --lora-* flag picks --method lora
  --lora-alpha <x>            LoRA alpha, scaling alpha/r (default ${defaultSettings.loraAlpha})
  --lora-dropout <x>          dropout on the adapters' input (default ${defaultSettings.loraDropout})
  --lora-targets <names>      Linear modules to adapt, comma-separated (default: the model's query and value)
  --freeze-embeddings         keep the embeddings as they are
  --freeze-layers <n>         keep encoder layers 0 … n-1 as they are
  --config key=value          override a config.json entry, as from_pretrained(..., key=value) (repeatable)
  --backend cpu|wasm          onnxruntime-node CPU (default) or onnxruntime-web WASM
  --resume <checkpoint>       continue a run from its training_checkpoint.safetensors (same --model and data);
                              flags given take over the run's own settings where a resumed run may change them
                              (--epochs, --max-steps, --lr, --warmup-ratio, --eval-steps): the schedule is planned again
  --save-steps <n>            also write the checkpoint to --out every n updates (default: 0, by time only)
  --save-minutes <m>          write the checkpoint to --out every m minutes of training (default: ${defaultCheckpointCadence.everyMs / 60_000}; 0 = off)
  --out <dir>                 where to write the fine-tuned Hugging Face folder (a new folder, or the one --resume is in)
  --export-project <dir>      also write the run as a transformers.Trainer project (train.py, data, README)

predict / eval options:
  --model <dir> --data <file> [--text-column …] [--text-pair-column …] [--label-column …] [--batch-size n]
  --threshold <p>             multi-label: predict each label whose probability is at least p (default: the model folder's
                              multi_label_threshold in config.json, which train writes; ${DEFAULT_THRESHOLD} for a folder without one)
  --label-separator <s>       eval, multi-label: as for train
  --tag-names <O,B-PER,…>     as for train
  predict: [--out preds.jsonl] (default: standard output); one line per row: {label, score, logits} (single-label),
           {labels, probabilities, logits} (multi-label), {score, logits} (regression) or
           {words: [{word, tag, score}], entities: [{entity, start, end, text}]} (token classification)

serve options:
  --port <n>                  default: ${DEFAULT_SERVE_PORT} (0 picks a free port)
  --host <address>            default: 127.0.0.1, this computer only; 0.0.0.0 for the local network
  --models <folder>           also serve the models in it (one folder each) under the Hub's URLs, for ?hub=
  --dir <folder>              the built studio (default: dist/ of this checkout, built first when missing)
`;

function numberFlag(name: string, raw: string | undefined, fallback: number, integer = false): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new UsageError(`--${name} expects ${integer ? 'a whole number' : 'a number'}, got "${raw}"`);
  }
  return value;
}

/** key=value → JSON value when it parses (numbers, booleans, null), else the string. */
export function parseConfigOverrides(entries: readonly string[]): Record<string, unknown> {
  const overrides: Record<string, unknown> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new UsageError(`--config expects key=value, got "${entry}"`);
    const raw = entry.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // Not JSON: a plain string such as hidden_act=gelu.
    }
    overrides[entry.slice(0, eq)] = value;
  }
  return overrides;
}

const serveOptions = {
  port: { type: 'string' },
  host: { type: 'string' },
  models: { type: 'string' },
  dir: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const commonOptions = {
  model: { type: 'string' },
  data: { type: 'string' },
  out: { type: 'string' },
  'text-column': { type: 'string' },
  'text-pair-column': { type: 'string' },
  'label-column': { type: 'string' },
  'label-separator': { type: 'string' },
  'tag-names': { type: 'string' },
  'batch-size': { type: 'string' },
  backend: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const predictOptions = { ...commonOptions, threshold: { type: 'string' } } as const;

const trainOptions = {
  ...commonOptions,
  task: { type: 'string' },
  validation: { type: 'string' },
  'validation-split': { type: 'string' },
  epochs: { type: 'string' },
  lr: { type: 'string' },
  'weight-decay': { type: 'string' },
  'warmup-ratio': { type: 'string' },
  'max-grad-norm': { type: 'string' },
  'grad-accum': { type: 'string' },
  'max-length': { type: 'string' },
  'max-steps': { type: 'string' },
  'eval-steps': { type: 'string' },
  seed: { type: 'string' },
  'load-best-model-at-end': { type: 'boolean' },
  'metric-for-best-model': { type: 'string' },
  'early-stopping-patience': { type: 'string' },
  'early-stopping-threshold': { type: 'string' },
  method: { type: 'string' },
  'lora-r': { type: 'string' },
  'lora-alpha': { type: 'string' },
  'lora-dropout': { type: 'string' },
  'lora-targets': { type: 'string' },
  'freeze-embeddings': { type: 'boolean' },
  'freeze-layers': { type: 'string' },
  config: { type: 'string', multiple: true },
  resume: { type: 'string' },
  'save-steps': { type: 'string' },
  'save-minutes': { type: 'string' },
  'export-project': { type: 'string' },
  split: { type: 'string' },
  'eval-split': { type: 'string' },
  'hub-config': { type: 'string' },
  'sample-rows': { type: 'string' },
  sample: { type: 'string' },
  'sample-seed': { type: 'string' },
} as const;

/** Trainer's names for metric_for_best_model (with or without eval_), as train.py's compute_metrics returns them. */
function bestModelMetricOf(raw: string | undefined): BestModelMetric {
  const name = raw?.replace(/^eval_/, '');
  if (name === undefined || name === 'accuracy') return 'accuracy';
  if (name === 'f1' || name === 'macro_f1') return 'macroF1';
  if (name === 'loss') return 'loss';
  throw new UsageError(`--metric-for-best-model must be accuracy, f1 or loss, got "${raw}"`);
}

const LORA_FLAGS = ['lora-r', 'lora-alpha', 'lora-dropout', 'lora-targets'];

/** --method, or lora when a --lora-* flag is given without it. */
function methodOf(raw: string | undefined, loraFlag: string | undefined): FineTuneMethodKind {
  if (raw === undefined) return loraFlag ? 'lora' : defaultSettings.method;
  if (!(FINE_TUNE_METHODS as readonly string[]).includes(raw)) throw new UsageError(`--method must be full, lora or head-only, got "${raw}"`);
  if (raw !== 'lora' && loraFlag) throw new UsageError(`--${loraFlag} is a LoRA setting, and --method ${raw} trains no adapters`);
  return raw as FineTuneMethodKind;
}

function hubFlags(str: (name: string) => string | undefined, seed: number): HubDataFlags {
  const rows = str('sample-rows');
  const how = str('sample') ?? 'first';
  if (how !== 'first' && how !== 'random') throw new UsageError(`--sample must be first or random, got "${how}"`);
  if (rows === undefined && str('sample') !== undefined) throw new UsageError('--sample needs --sample-rows <n>');
  const count = numberFlag('sample-rows', rows, 0, true);
  if (rows !== undefined && count < 1) throw new UsageError(`--sample-rows must be at least 1, got ${count}`);
  const sample: RowSample =
    rows === undefined ? { kind: 'all' } : how === 'first' ? { kind: 'first', rows: count } : { kind: 'random', rows: count, seed: numberFlag('sample-seed', str('sample-seed'), seed, true) };
  return { config: str('hub-config') ?? null, split: str('split') ?? 'train', evalSplit: str('eval-split') ?? null, sample };
}

/** The flag that sets each training setting; a resumed run takes over those given and keeps its own for the rest. */
const SETTING_FLAGS: Record<keyof TrainingSettings, string | null> = {
  epochs: 'epochs',
  batchSize: 'batch-size',
  learningRate: 'lr',
  weightDecay: 'weight-decay',
  warmupRatio: 'warmup-ratio',
  maxGradNorm: 'max-grad-norm',
  gradAccumulation: 'grad-accum',
  maxLength: 'max-length',
  maxSteps: 'max-steps',
  seed: 'seed',
  evalSteps: 'eval-steps',
  evalBatchSize: null,
  loadBestModelAtEnd: 'load-best-model-at-end',
  metricForBestModel: 'metric-for-best-model',
  earlyStoppingPatience: 'early-stopping-patience',
  earlyStoppingThreshold: 'early-stopping-threshold',
  method: 'method',
  freezeEmbeddings: 'freeze-embeddings',
  freezeLayers: 'freeze-layers',
  loraR: 'lora-r',
  loraAlpha: 'lora-alpha',
  loraDropout: 'lora-dropout',
  loraTargets: 'lora-targets',
};

function required(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

function backendOf(raw: string | undefined): BackendChoice {
  if (raw === undefined || raw === 'cpu' || raw === 'wasm') return raw ?? 'cpu';
  throw new UsageError(`--backend must be cpu or wasm, got "${raw}"`);
}

function columnsOf(values: Record<string, string | boolean | string[] | undefined>): ColumnFlags {
  return {
    textColumn: (values['text-column'] as string | undefined) ?? 'text',
    textPairColumn: (values['text-pair-column'] as string | undefined) ?? null,
    labelColumn: (values['label-column'] as string | undefined) ?? 'label',
    labelOptions: { labelSeparator: labelSeparatorOf(values['label-separator'] as string | undefined) },
    tagNames: tagNamesOf(values['tag-names'] as string | undefined),
  };
}

function tagNamesOf(raw: string | undefined): readonly string[] | null {
  if (raw === undefined) return null;
  const names = raw.split(',').map((name) => name.trim());
  if (names.some((name) => name === '' || /\s/.test(name))) throw new UsageError(`--tag-names must be tag names separated by commas, such as O,B-PER,I-PER, got ${JSON.stringify(raw)}`);
  return names;
}

function labelSeparatorOf(raw: string | undefined): string {
  if (raw === undefined) return defaultLabelOptions.labelSeparator;
  if (raw === '' || raw.trim() !== raw) throw new UsageError(`--label-separator must be one or more characters other than spaces, got ${JSON.stringify(raw)}`);
  return raw;
}

function taskOf(raw: string | undefined): TaskId | null {
  if (raw === undefined) return null;
  if (!isTaskId(raw)) throw new UsageError(`--task must be one of ${TASKS.map((t) => t.id).join(', ')}, got "${raw}"`);
  return raw;
}

function thresholdOf(raw: string | undefined): number | null {
  if (raw === undefined) return null;
  const threshold = numberFlag('threshold', raw, DEFAULT_THRESHOLD);
  if (!(threshold > 0 && threshold < 1)) throw new UsageError(`--threshold must be between 0 and 1, got ${threshold}`);
  return threshold;
}

export function parseCommand(argv: readonly string[]): Command {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') return { command: 'help' };
  const parse = (options: NonNullable<ParseArgsConfig['options']>) => {
    try {
      return parseArgs({ args: [...rest], options, allowPositionals: false, strict: true }).values as Record<string, string | boolean | string[] | undefined>;
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  };
  switch (command) {
    case 'train': {
      const v = parse(trainOptions);
      if (v.help) return { command: 'help' };
      const str = (name: string) => v[name] as string | undefined;
      const settings: TrainingSettings = {
        ...defaultSettings,
        epochs: numberFlag('epochs', str('epochs'), defaultSettings.epochs, true),
        batchSize: numberFlag('batch-size', str('batch-size'), defaultSettings.batchSize, true),
        learningRate: numberFlag('lr', str('lr'), defaultSettings.learningRate),
        weightDecay: numberFlag('weight-decay', str('weight-decay'), defaultSettings.weightDecay),
        warmupRatio: numberFlag('warmup-ratio', str('warmup-ratio'), defaultSettings.warmupRatio),
        maxGradNorm: numberFlag('max-grad-norm', str('max-grad-norm'), defaultSettings.maxGradNorm),
        gradAccumulation: numberFlag('grad-accum', str('grad-accum'), defaultSettings.gradAccumulation, true),
        maxLength: numberFlag('max-length', str('max-length'), defaultSettings.maxLength, true),
        maxSteps: numberFlag('max-steps', str('max-steps'), defaultSettings.maxSteps, true),
        evalSteps: numberFlag('eval-steps', str('eval-steps'), defaultSettings.evalSteps, true),
        seed: numberFlag('seed', str('seed'), defaultSettings.seed, true),
        loadBestModelAtEnd: v['load-best-model-at-end'] === true,
        metricForBestModel: bestModelMetricOf(str('metric-for-best-model')),
        earlyStoppingPatience: numberFlag('early-stopping-patience', str('early-stopping-patience'), defaultSettings.earlyStoppingPatience, true),
        earlyStoppingThreshold: numberFlag('early-stopping-threshold', str('early-stopping-threshold'), defaultSettings.earlyStoppingThreshold),
        method: methodOf(str('method'), LORA_FLAGS.find((flag) => v[flag] !== undefined)),
        freezeEmbeddings: v['freeze-embeddings'] === true,
        freezeLayers: numberFlag('freeze-layers', str('freeze-layers'), defaultSettings.freezeLayers, true),
        loraR: numberFlag('lora-r', str('lora-r'), defaultSettings.loraR, true),
        loraAlpha: numberFlag('lora-alpha', str('lora-alpha'), defaultSettings.loraAlpha),
        loraDropout: numberFlag('lora-dropout', str('lora-dropout'), defaultSettings.loraDropout),
        loraTargets: str('lora-targets') ?? defaultSettings.loraTargets,
      };
      const givenSettings = Object.fromEntries(
        (Object.entries(SETTING_FLAGS) as [keyof TrainingSettings, string | null][]).filter(([, flag]) => flag !== null && v[flag] !== undefined).map(([key]) => [key, settings[key]]),
      ) as Partial<TrainingSettings>;
      try {
        validateSettings(settings);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      const validation = str('validation') ?? null;
      const validationSplit = numberFlag('validation-split', str('validation-split'), validation ? 0 : 0.1);
      if (validation && str('validation-split') !== undefined) throw new UsageError('use either --validation or --validation-split, not both');
      if (!(validationSplit >= 0 && validationSplit < 1)) throw new UsageError(`--validation-split must be in [0, 1), got ${validationSplit}`);
      const resume = str('resume') ?? null;
      const data = required(v, 'data');
      const hub = data.startsWith(HUB_DATA_PREFIX) ? hubFlags(str, settings.seed) : null;
      if (!hub) {
        const stray = ['split', 'eval-split', 'hub-config', 'sample-rows', 'sample', 'sample-seed'].find((name) => str(name) !== undefined);
        if (stray) throw new UsageError(`--${stray} is for Hub datasets (--data hub:<id>); --data ${data} is a file`);
      } else if (hub.evalSplit && str('validation-split') !== undefined) {
        throw new UsageError('use either --eval-split or --validation-split, not both');
      }
      const checkpointCadence: CheckpointCadence = {
        everyUpdates: numberFlag('save-steps', str('save-steps'), defaultCheckpointCadence.everyUpdates, true),
        everyMs: numberFlag('save-minutes', str('save-minutes'), defaultCheckpointCadence.everyMs / 60_000) * 60_000,
      };
      try {
        validateCadence(checkpointCadence);
      } catch (e) {
        throw new UsageError((e as Error).message.replace('checkpoint every N updates', '--save-steps').replace('checkpoint every M minutes', '--save-minutes'));
      }
      return {
        command: 'train',
        task: taskOf(str('task')),
        model: required(v, 'model'),
        data,
        validation,
        validationSplit: hub?.evalSplit ? 0 : validationSplit,
        hub,
        settings,
        givenSettings,
        checkpointCadence,
        configOverrides: parseConfigOverrides((v.config as string[] | undefined) ?? []),
        out: required(v, 'out'),
        backend: backendOf(str('backend')),
        resume,
        exportProject: str('export-project') ?? null,
        ...columnsOf(v),
      };
    }
    case 'predict':
    case 'eval': {
      const v = parse(predictOptions);
      if (v.help) return { command: 'help' };
      const base = {
        threshold: thresholdOf(v.threshold as string | undefined),
        model: required(v, 'model'),
        data: required(v, 'data'),
        backend: backendOf(v.backend as string | undefined),
        batchSize: numberFlag('batch-size', v['batch-size'] as string | undefined, 64, true),
        ...columnsOf(v),
      };
      if (command === 'eval') {
        if (v.out !== undefined) throw new UsageError('eval prints its JSON to standard output; it has no --out');
        return { command: 'eval', ...base };
      }
      return { command: 'predict', out: (v.out as string | undefined) ?? null, ...base };
    }
    case 'serve': {
      const v = parse(serveOptions);
      if (v.help) return { command: 'help' };
      const port = numberFlag('port', v.port as string | undefined, DEFAULT_SERVE_PORT, true);
      if (port < 0 || port > 65535) throw new UsageError(`--port must be between 0 and 65535, got ${port}`);
      const optional = (name: string) => {
        const value = v[name] as string | undefined;
        if (value === '') throw new UsageError(`--${name} needs a value`);
        return value ?? null;
      };
      return { command: 'serve', port, host: optional('host') ?? '127.0.0.1', models: optional('models'), dir: optional('dir') };
    }
    default:
      throw new UsageError(`unknown command "${command}". Commands: train, predict, eval, serve`);
  }
}
