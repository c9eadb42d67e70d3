/**
 * The scale-out export: the studio's run as a project for the standard Python trainer.
 * `train.py` fine-tunes the same base model on the very rows the studio trained and validated
 * on (shipped as CSV, so nothing is re-split), with the same labels in the same id order, the
 * same tokenization and every hyperparameter, through `transformers.Trainer`; it runs on one
 * machine with `python train.py` and on several with `accelerate launch` or `torchrun`.
 * `autotrain.yml` is the same job for AutoTrain Advanced where AutoTrain can express it.
 */
import type { LabelOptions, TrainScriptParts } from '../engine/tasks/task.ts';
import type { AnyTask } from '../engine/tasks/index.ts';
import { zipSync, type Zippable } from 'fflate';
import type { LabelledExample } from '../data/examples.ts';
import { greaterIsBetter } from '../engine/best-model.ts';
import type { TrainingSettings } from '../engine/settings.ts';
import { pythonStyleJson, TRANSFORMERS_VERSION, type TokenizerFileSet } from './hf-folder.ts';
import { ADAPTER_FOLDER, PEFT_TASK_TYPES } from './lora-export.ts';

/** Where the run's starting weights came from, as far as a Python script can find them again. */
export type BaseModel =
  | { readonly kind: 'hub'; readonly id: string }
  /** A folder on the user's disk: the script names it, the user keeps it next to the project or edits the path. */
  | { readonly kind: 'folder'; readonly path: string }
  /** Random weights: the project carries the config and tokenizer and builds the model with from_config. */
  | { readonly kind: 'scratch'; readonly description: string; readonly configJson: Record<string, unknown>; readonly tokenizer: TokenizerFileSet }
  /** Weights only the studio has (a loaded checkpoint fine-tuned further): the project carries them as a Hugging Face folder. */
  | {
      readonly kind: 'weights';
      readonly description: string;
      readonly configJson: Record<string, unknown>;
      readonly tokenizer: TokenizerFileSet;
      /** model.safetensors under Hugging Face parameter names. */
      readonly safetensors: Uint8Array;
    };

export interface TrainingProjectRun {
  readonly base: BaseModel;
  /** What the run trained: train.py gets its model class, label encoding, collator and metrics. */
  readonly task: AnyTask;
  /** How label cells are read (the multi-label separator): train.py reads the shipped cells the same way. */
  readonly labelOptions: LabelOptions;
  /** Class names in id order. */
  readonly labels: readonly string[];
  readonly settings: TrainingSettings;
  /** config.json entries the run overrode, passed to from_pretrained as keyword arguments. */
  readonly configOverrides: Readonly<Record<string, unknown>>;
  readonly train: readonly LabelledExample[];
  readonly validation: readonly LabelledExample[];
  /** How the validation rows were chosen, for the README, e.g. "a stratified 20% share, seed 42". */
  readonly splitDescription: string;
  /** A LoRA run's target modules as it resolved them (the family's default when none were named); empty otherwise. */
  readonly loraTargetModules: readonly string[];
}

/** The releases the script was written against; transformers matches the exported config.json. */
export const PINNED_REQUIREMENTS = {
  transformers: TRANSFORMERS_VERSION,
  torch: '2.8.0',
  datasets: '4.2.0',
  accelerate: '1.10.1',
  numpy: '2.3.3',
} as const;

/** peft for a LoRA run: the release whose LoraConfig and get_peft_model train.py calls. */
const PEFT_REQUIREMENT = { peft: '0.17.1' } as const;

function requirementsOf(settings: TrainingSettings): Record<string, string> {
  return settings.method === 'lora' ? { ...PINNED_REQUIREMENTS, ...PEFT_REQUIREMENT } : { ...PINNED_REQUIREMENTS };
}

export const PROJECT_ZIP_NAME = 'training-project.zip';
export const BASE_MODEL_FOLDER = 'base_model';

/** config.json keys that set dropout, for every family the studio trains. */
const DROPOUT_KEYS = ['hidden_dropout_prob', 'attention_probs_dropout_prob', 'classifier_dropout', 'dropout', 'attention_dropout', 'seq_classif_dropout'];

/**
 * The dropout entries of a run's config, for runs whose overrides were not recorded (a run
 * restored from the browser or a loaded checkpoint): passing a value equal to the base model's
 * own is a no-op in from_pretrained, so the script trains with exactly the run's dropout.
 */
export function dropoutEntries(modelConfig: Readonly<Record<string, unknown>>): Record<string, number> {
  return Object.fromEntries(DROPOUT_KEYS.flatMap((key) => (typeof modelConfig[key] === 'number' ? [[key, modelConfig[key]]] : [])));
}

/** Trainer's names and values for the run's settings: the HYPERPARAMETERS dict at the top of train.py. */
export function trainerHyperparameters(settings: TrainingSettings, hasValidation: boolean, task: AnyTask): Record<string, number | string | boolean | null> {
  const evalStrategy = !hasValidation ? 'no' : settings.evalSteps > 0 ? 'steps' : 'epoch';
  return {
    num_train_epochs: settings.epochs,
    per_device_train_batch_size: settings.batchSize,
    per_device_eval_batch_size: settings.evalBatchSize,
    learning_rate: settings.learningRate,
    weight_decay: settings.weightDecay,
    warmup_ratio: settings.warmupRatio,
    // Trainer clips only when max_grad_norm > 0, as the studio does.
    max_grad_norm: settings.maxGradNorm,
    gradient_accumulation_steps: settings.gradAccumulation,
    // Trainer's "no limit" is -1 where the studio's is 0.
    max_steps: settings.maxSteps > 0 ? settings.maxSteps : -1,
    seed: settings.seed,
    eval_strategy: evalStrategy,
    eval_steps: evalStrategy === 'steps' ? settings.evalSteps : null,
    lr_scheduler_type: 'linear',
    optim: 'adamw_torch',
    adam_beta1: 0.9,
    adam_beta2: 0.999,
    adam_epsilon: 1e-8,
    // Trainer refuses load_best_model_at_end without evaluations.
    load_best_model_at_end: settings.loadBestModelAtEnd && hasValidation,
    metric_for_best_model: task.trainerMetricName(settings.metricForBestModel),
    greater_is_better: greaterIsBetter(settings.metricForBestModel),
  };
}

/** EarlyStoppingCallback's arguments, or null when the run does not stop early. */
export function earlyStoppingArguments(settings: TrainingSettings, hasValidation: boolean): Record<string, number> | null {
  if (settings.earlyStoppingPatience === 0 || !settings.loadBestModelAtEnd || !hasValidation) return null;
  return { early_stopping_patience: settings.earlyStoppingPatience, early_stopping_threshold: settings.earlyStoppingThreshold };
}

/** Keys whose values Python must see as floats even when they are whole numbers. */
const FLOAT_KEYS = new Set(['learning_rate', 'weight_decay', 'warmup_ratio', 'max_grad_norm', 'adam_beta1', 'adam_beta2', 'adam_epsilon', 'early_stopping_threshold']);

type PythonValue = string | number | boolean | null | readonly PythonValue[] | { readonly [key: string]: PythonValue };

/** A Python literal for a JSON-like value; JSON string escapes are valid Python escapes. */
export function pythonLiteral(value: PythonValue | undefined, asFloat = false): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`${value} has no Python literal`);
    return asFloat && Number.isInteger(value) ? `${value}.0` : String(value);
  }
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v: PythonValue) => pythonLiteral(v)).join(', ')}]`;
  const entries = Object.entries(value as Record<string, PythonValue>);
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${pythonLiteral(v)}`).join(', ')}}`;
}

/**
 * RFC 4180 CSV with every field quoted, which Python's csv module reads back exactly
 * (commas, quotes and line breaks inside texts included). Columns: text, [text_pair,] label.
 */
export function rowsCsv(rows: readonly LabelledExample[], withTextPair: boolean): string {
  const field = (s: string) => `"${s.replaceAll('"', '""')}"`;
  const header = withTextPair ? ['text', 'text_pair', 'label'] : ['text', 'label'];
  const lines = [header.map(field).join(',')];
  for (const row of rows) {
    const cells = withTextPair ? [row.text, row.textPair ?? '', row.label] : [row.text, row.label];
    lines.push(cells.map(field).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

function modelReference(base: BaseModel): string {
  switch (base.kind) {
    case 'hub':
      return base.id;
    case 'folder':
      return base.path;
    case 'scratch':
    case 'weights':
      return BASE_MODEL_FOLDER;
  }
}

/** The task as the script's docstring names it: "multi-label classification". */
function taskName(task: AnyTask): string {
  return task.title.charAt(0).toLowerCase() + task.title.slice(1);
}

/** The class of the task's data collator: DataCollatorWithPadding. */
function collatorClass(parts: TrainScriptParts): string {
  return parts.collator.split('(')[0]!;
}

/** main()'s tokenize for the sequence tasks: the text (and text pair) as they are. */
const TOKENIZE_TEXT = [
  '    def tokenize(batch):',
  '        pairs = batch["text_pair"] if HAS_TEXT_PAIR else None',
  '        return tokenizer(batch["text"], pairs, truncation=True, max_length=MAX_LENGTH)',
].join('\n');

function trainScript(run: TrainingProjectRun, withTextPair: boolean): string {
  const hyper = trainerHyperparameters(run.settings, run.validation.length > 0, run.task);
  const hyperLines = Object.entries(hyper).map(([k, v]) => `    ${JSON.stringify(k)}: ${pythonLiteral(v, FLOAT_KEYS.has(k))},`);
  const earlyStopping = earlyStoppingArguments(run.settings, run.validation.length > 0);
  const earlyStoppingLiteral =
    earlyStopping === null ? 'None' : `{${Object.entries(earlyStopping).map(([k, v]) => `${JSON.stringify(k)}: ${pythonLiteral(v, FLOAT_KEYS.has(k))}`).join(', ')}}`;
  const fromScratch = run.base.kind === 'scratch';
  const bundled = run.base.kind === 'scratch' || run.base.kind === 'weights';
  const { task } = run;
  const parts = task.trainScript(run.labelOptions);
  return `"""Fine-tune ${modelReference(run.base)} for ${taskName(task)}: the run Fine-Tune Studio made, on transformers.Trainer.

One machine:    python train.py
Several GPUs:   accelerate launch --multi_gpu --num_processes N train.py
                torchrun --nproc_per_node N train.py
"""
import csv
import os
import re

import numpy as np
from datasets import Dataset
from transformers import (
    AutoConfig,
    ${parts.autoModelClass},
    AutoTokenizer,
    ${collatorClass(parts)},
    EarlyStoppingCallback,
    Trainer,
    TrainingArguments,
    set_seed,
)

HERE = os.path.dirname(os.path.abspath(__file__))

# The studio run's settings under Trainer's names. per_device_train_batch_size is the run's
# batch; on several processes it is divided among them below, so the effective batch is the same.
HYPERPARAMETERS = {
${hyperLines.join('\n')}
}
# EarlyStoppingCallback's arguments when the run stopped early on no improvement; None: no early stopping.
EARLY_STOPPING = ${earlyStoppingLiteral}

${bundled ? `# ${fromScratch ? 'The run started from random weights: the model is built from this config (and tokenizer) with from_config.' : 'The weights the run started from, shipped with the project.'}\nMODEL = os.path.join(HERE, ${pythonLiteral(BASE_MODEL_FOLDER)})` : `MODEL = ${pythonLiteral(modelReference(run.base))}`}
FROM_SCRATCH = ${pythonLiteral(fromScratch)}
# Class ids in the studio's order: config.json gets the same id2label and label2id.
LABELS = ${pythonLiteral([...run.labels])}
MAX_LENGTH = ${run.settings.maxLength}
HAS_TEXT_PAIR = ${pythonLiteral(withTextPair)}
# config.json entries the run overrode, passed as from_pretrained(**kwargs) does.
CONFIG_OVERRIDES = ${pythonLiteral(run.configOverrides as PythonValue)}
OUTPUT_DIR = os.path.join(HERE, "output")
# The run's fine-tune method: "full", "lora" (peft's LoRA adapters beside frozen weights, the head
# trained in full as modules_to_save) or "head-only"; the embeddings and the first FREEZE_LAYERS
# encoder layers can be kept as they are on top of any of them.
METHOD = ${pythonLiteral(run.settings.method)}
${loraLine(run)}
FREEZE_EMBEDDINGS = ${pythonLiteral(run.settings.freezeEmbeddings)}
FREEZE_LAYERS = ${run.settings.freezeLayers}

ID2LABEL = dict(enumerate(LABELS))
LABEL2ID = {label: i for i, label in enumerate(LABELS)}


def read_rows(name):
    """The exact rows the studio used: the split is shipped, not redone."""
    with open(os.path.join(HERE, "data", name), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    columns = {"text": [r["text"] for r in rows], "label": [encode_label(r["label"]) for r in rows]}
    if HAS_TEXT_PAIR:
        columns["text_pair"] = [r["text_pair"] for r in rows]
    return Dataset.from_dict(columns)


${parts.encodeLabel}


${parts.computeMetrics}


def freeze(model):
    \"\"\"requires_grad=False where the studio kept the weights as they were.\"\"\"
    for name, parameter in model.named_parameters():
        layer = re.search(r"\\.layer\\.(\\d+)\\.", name)
        embedding = ".embeddings." in name
        if (FREEZE_EMBEDDINGS and embedding) or (layer and int(layer.group(1)) < FREEZE_LAYERS) or (METHOD == "head-only" and (embedding or layer)):
            parameter.requires_grad_(False)


def main():
    seed = HYPERPARAMETERS["seed"]
    # Seeded before the model exists, so the new head (or, from scratch, every weight) starts the same each time.
    set_seed(seed)
    tokenizer = AutoTokenizer.from_pretrained(MODEL)
    label_kwargs = {"num_labels": len(LABELS), "id2label": ID2LABEL, "label2id": LABEL2ID${task.problemType === null ? '' : `, "problem_type": ${pythonLiteral(task.problemType)}`}}
    if FROM_SCRATCH:
        config = AutoConfig.from_pretrained(MODEL, **label_kwargs, **CONFIG_OVERRIDES)
        model = ${parts.autoModelClass}.from_config(config)
    else:
        model = ${parts.autoModelClass}.from_pretrained(MODEL, **label_kwargs, **CONFIG_OVERRIDES)
    if METHOD == "lora":
        from peft import LoraConfig, get_peft_model

        model = get_peft_model(model, LoraConfig(**LORA))
    if FREEZE_EMBEDDINGS or FREEZE_LAYERS > 0 or METHOD == "head-only":
        freeze(model)

${parts.tokenize ?? TOKENIZE_TEXT}

    text_columns = ["text", "text_pair"] if HAS_TEXT_PAIR else ["text"]
${
  parts.tokenize === undefined
    ? '    consumed_columns = text_columns'
    : '    # tokenize turned the word tags into token labels; left in, `label` is what the collator would pad.\n    consumed_columns = text_columns + ["label"]'
}
    train_rows = read_rows("train.csv").map(tokenize, batched=True, remove_columns=consumed_columns)
    validation_rows = read_rows("validation.csv").map(tokenize, batched=True, remove_columns=consumed_columns)

    arguments = dict(HYPERPARAMETERS)
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size > 1:
        if arguments["per_device_train_batch_size"] % world_size == 0:
            arguments["per_device_train_batch_size"] //= world_size
        else:
            print(f"note: batch {arguments['per_device_train_batch_size']} does not divide among {world_size} processes; each takes the whole batch")

    # load_best_model_at_end needs a checkpoint at every evaluation, so saving follows evaluating.
    save = {"save_strategy": "epoch"}
    if arguments["load_best_model_at_end"] and arguments["eval_strategy"] == "steps":
        save = {"save_strategy": "steps", "save_steps": arguments["eval_steps"]}
    args = TrainingArguments(
        output_dir=OUTPUT_DIR,
        **arguments,
        **save,
        logging_steps=1,
        report_to="none",
    )
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=train_rows,
        eval_dataset=validation_rows if len(validation_rows) > 0 else None,
        processing_class=tokenizer,
        # Pads each batch to its longest row, as the studio does.
        data_collator=${parts.collator},
        compute_metrics=compute_metrics,
        callbacks=[EarlyStoppingCallback(**EARLY_STOPPING)] if EARLY_STOPPING else [],
    )
    trainer.train()
    if METHOD == "lora":
        if len(validation_rows) > 0:
            print(trainer.evaluate())
        # As the studio exports it: the adapter folder, and the merged weights as a plain model.
        trainer.model.save_pretrained(os.path.join(OUTPUT_DIR, ${pythonLiteral(ADAPTER_FOLDER)}))
        trainer.model.merge_and_unload().save_pretrained(OUTPUT_DIR)
        tokenizer.save_pretrained(OUTPUT_DIR)
        return
    trainer.save_model(OUTPUT_DIR)
    if len(validation_rows) > 0:
        print(trainer.evaluate())


if __name__ == "__main__":
    main()
`;
}

/** LORA = the LoraConfig arguments of a LoRA run (target_modules as the run resolved them), else None. */
function loraLine(run: TrainingProjectRun): string {
  const s = run.settings;
  if (s.method !== 'lora') return 'LORA = None';
  const config = { task_type: PEFT_TASK_TYPES[run.task.head], r: s.loraR, lora_alpha: s.loraAlpha, lora_dropout: s.loraDropout, target_modules: [...run.loraTargetModules] };
  return `LORA = {${Object.entries(config).map(([k, v]) => `${JSON.stringify(k)}: ${pythonLiteral(v as PythonValue, k === 'lora_dropout')}`).join(', ')}}`;
}

/** PyYAML reads "5e-05" as a string; a float needs a dot and a signed exponent. */
export function yamlNumber(value: number): string {
  const text = String(value);
  if (!text.includes('e')) return Number.isInteger(value) ? `${text}.0` : text;
  const [mantissa, exponent] = text.split('e') as [string, string];
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}e${exponent.startsWith('-') || exponent.startsWith('+') ? exponent : `+${exponent}`}`;
}

/** Why AutoTrain cannot run this job, or null when autotrain.yml is written. */
export function autoTrainGap(run: TrainingProjectRun, withTextPair: boolean): string | null {
  if (run.task.id !== 'single-label') return `The AutoTrain job written here is text classification, one class per text, and this run trained ${taskName(run.task)}.`;
  if (run.base.kind === 'scratch') return 'AutoTrain fine-tunes pretrained models, and this run started from random weights.';
  if (withTextPair) return 'AutoTrain’s text classification reads one text column, and this run classifies pairs of texts.';
  const s = run.settings;
  if (s.method !== 'full' || s.freezeEmbeddings || s.freezeLayers > 0) return 'AutoTrain’s text classification trains every weight, and this run trained LoRA adapters, the head alone or kept some layers frozen.';
  return null;
}

function autoTrainConfig(run: TrainingProjectRun, projectName: string): string {
  const s = run.settings;
  const hasValidation = run.validation.length > 0;
  const caveats = [
    ...(s.maxSteps > 0 ? [`# The studio stopped after ${s.maxSteps} updates; AutoTrain has no max_steps and runs every epoch.`] : []),
    ...(s.evalSteps > 0 ? [`# The studio also evaluated every ${s.evalSteps} updates; AutoTrain evaluates after each epoch.`] : []),
    ...(Object.keys(run.configOverrides).length > 0 ? [`# AutoTrain takes no config overrides; train.py applies ${Object.keys(run.configOverrides).join(', ')}.`] : []),
  ];
  return `# AutoTrain Advanced: pip install autotrain-advanced && autotrain --config autotrain.yml
# The same job as train.py on the same rows; AutoTrain orders the class ids itself.
${caveats.join('\n')}${caveats.length > 0 ? '\n' : ''}task: text_classification
base_model: ${JSON.stringify(modelReference(run.base))}
project_name: ${projectName}
log: tensorboard
backend: local

data:
  path: data/
  train_split: train
  valid_split: ${hasValidation ? 'validation' : 'null'}
  column_mapping:
    text_column: text
    target_column: label

params:
  max_seq_length: ${s.maxLength}
  epochs: ${s.epochs}
  batch_size: ${s.batchSize}
  lr: ${yamlNumber(s.learningRate)}
  optimizer: adamw_torch
  scheduler: linear
  gradient_accumulation: ${s.gradAccumulation}
  weight_decay: ${yamlNumber(s.weightDecay)}
  warmup_ratio: ${yamlNumber(s.warmupRatio)}
  max_grad_norm: ${yamlNumber(s.maxGradNorm)}
  seed: ${s.seed}
  eval_strategy: ${hasValidation ? 'epoch' : 'no'}
`;
}

function readme(run: TrainingProjectRun, withTextPair: boolean, autoTrain: string | null): string {
  const s = run.settings;
  const base =
    run.base.kind === 'hub'
      ? `\`${run.base.id}\` from the Hugging Face Hub`
      : run.base.kind === 'folder'
        ? `the local folder \`${run.base.path}\`: keep it at that path (or next to train.py) or set \`MODEL\` in train.py to its Hub id`
        : run.base.kind === 'scratch'
          ? `random weights (${run.base.description}); \`${BASE_MODEL_FOLDER}/\` holds its config.json and tokenizer`
          : `${run.base.description}; \`${BASE_MODEL_FOLDER}/\` holds those weights as a Hugging Face folder`;
  const settingRows: [string, string][] = [
    ['epochs', String(s.epochs)],
    ['batch size', String(s.batchSize)],
    ['learning rate', String(s.learningRate)],
    ['weight decay', String(s.weightDecay)],
    ['warmup ratio', String(s.warmupRatio)],
    ['max grad norm', s.maxGradNorm > 0 ? String(s.maxGradNorm) : 'no clipping'],
    ['gradient accumulation', String(s.gradAccumulation)],
    ['max length (tokens)', String(s.maxLength)],
    ['max steps', s.maxSteps > 0 ? String(s.maxSteps) : 'all epochs'],
    ['evaluation', run.validation.length === 0 ? 'none (no validation rows)' : s.evalSteps > 0 ? `every ${s.evalSteps} updates` : 'after each epoch'],
    ['seed', String(s.seed)],
    ['best model', s.loadBestModelAtEnd ? `the best evaluation's (${run.task.trainerMetricName(s.metricForBestModel)})` : 'the last update'],
    ['early stopping', s.earlyStoppingPatience > 0 ? `patience ${s.earlyStoppingPatience}, threshold ${s.earlyStoppingThreshold}` : 'off'],
    ['config overrides', Object.keys(run.configOverrides).length > 0 ? Object.entries(run.configOverrides).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ') : 'none'],
  ];
  const requirements = Object.entries(requirementsOf(s)).map(([name, version]) => `${name}==${version}`).join(', ');
  return `# Training project

The fine-tuning run from Fine-Tune Studio as a script for Hugging Face \`transformers.Trainer\`, to train the
same job on a bigger machine or on several GPUs.

- **Base model:** ${base}.
- **Labels (id order):** ${run.labels.map((l) => `\`${l}\``).join(', ')}.
- **Data:** \`data/train.csv\` (${run.train.length} rows) and \`data/validation.csv\` (${run.validation.length} rows): the exact
  rows the studio trained and validated on (${run.splitDescription}), columns \`text\`${withTextPair ? ', `text_pair`' : ''}, \`label\`.

## Run it

On one machine (CPU, or one GPU when PyTorch sees one):

\`\`\`sh
python -m venv .venv && . .venv/bin/activate
pip install -r requirements.txt   # ${requirements}
python train.py
\`\`\`

On several GPUs (each process takes its share of the batch, so the effective batch stays ${s.batchSize * s.gradAccumulation}):

\`\`\`sh
accelerate launch --multi_gpu --num_processes 4 train.py
# or
torchrun --nproc_per_node 4 train.py
# several machines: torchrun --nnodes 2 --node_rank <0|1> --master_addr <first machine> --nproc_per_node 4 train.py
\`\`\`

The fine-tuned model is written to \`output/\` (config.json, model.safetensors, tokenizer files).

## Settings

| setting | value |
| --- | --- |
${settingRows.map(([k, v]) => `| ${k} | ${v} |`).join('\n')}

AdamW (β 0.9/0.999, ε 1e-8, no decay on biases and LayerNorm weights), linear warmup and decay: Trainer's defaults, which the
studio follows. Batches are padded to their longest row (\`${collatorClass(run.task.trainScript(run.labelOptions))}\`); texts longer than ${s.maxLength} tokens are truncated.

Same recipe, not the same random numbers: PyTorch initialises the new classification head and shuffles the rows with its
own generator, so losses match the studio's run in trend, not digit for digit.

## AutoTrain

${autoTrain === null ? 'The same job for AutoTrain Advanced is in `autotrain.yml`: `pip install autotrain-advanced && autotrain --config autotrain.yml`.' : `No AutoTrain config: ${autoTrain} Use train.py.`}
`;
}

/** Every file of the project, by path inside it. */
export function trainingProjectFiles(run: TrainingProjectRun): Map<string, Uint8Array> {
  const withTextPair = [...run.train, ...run.validation].some((r) => r.textPair !== undefined);
  const encoder = new TextEncoder();
  const files = new Map<string, Uint8Array>();
  const text = (name: string, content: string) => files.set(name, encoder.encode(content));
  text('train.py', trainScript(run, withTextPair));
  text('requirements.txt', `${Object.entries(requirementsOf(run.settings)).map(([name, version]) => `${name}==${version}`).join('\n')}\n`);
  text('data/train.csv', rowsCsv(run.train, withTextPair));
  text('data/validation.csv', rowsCsv(run.validation, withTextPair));
  const gap = autoTrainGap(run, withTextPair);
  if (gap === null) text('autotrain.yml', autoTrainConfig(run, 'finetune-studio-run'));
  text('README.md', readme(run, withTextPair, gap));
  if (run.base.kind === 'scratch' || run.base.kind === 'weights') {
    const { configJson, tokenizer } = run.base;
    if (run.base.kind === 'weights') files.set(`${BASE_MODEL_FOLDER}/model.safetensors`, run.base.safetensors);
    text(`${BASE_MODEL_FOLDER}/config.json`, pythonStyleJson(configJson));
    text(`${BASE_MODEL_FOLDER}/tokenizer.json`, pythonStyleJson(tokenizer.tokenizerJson, false));
    text(`${BASE_MODEL_FOLDER}/tokenizer_config.json`, pythonStyleJson(tokenizer.tokenizerConfig));
    text(`${BASE_MODEL_FOLDER}/special_tokens_map.json`, pythonStyleJson(tokenizer.specialTokensMap));
    if (tokenizer.vocabTxt !== undefined) text(`${BASE_MODEL_FOLDER}/vocab.txt`, tokenizer.vocabTxt);
    if (tokenizer.vocabJson !== undefined) text(`${BASE_MODEL_FOLDER}/vocab.json`, pythonStyleJson(tokenizer.vocabJson, false));
    if (tokenizer.mergesTxt !== undefined) text(`${BASE_MODEL_FOLDER}/merges.txt`, tokenizer.mergesTxt);
  }
  return files;
}

/** The project as training-project.zip, every file under a training-project/ folder. */
export function trainingProjectZip(run: TrainingProjectRun): Uint8Array {
  const entries: Zippable = {};
  // Float weights barely compress: storing them saves seconds on a large model.
  for (const [name, bytes] of trainingProjectFiles(run)) entries[`training-project/${name}`] = [bytes, { level: name.endsWith('.safetensors') ? 0 : 6 }];
  return zipSync(entries);
}
