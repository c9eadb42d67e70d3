import { execFileSync } from 'node:child_process';
import { defaultLabelOptions } from '../engine/tasks/task.ts';
import { singleLabel } from '../engine/tasks/single-label.ts';
import { tokenClassification } from '../engine/tasks/token-classification.ts';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabelledExample } from '../data/examples.ts';
import { decodeTaggedCell } from '../data/tagged-cells.ts';
import type { TokenizedExample } from '../engine/batching.ts';
import { torchUnavailable, quietTorchEnv } from '../engine/parity/python.ts';
import { type AnyTask, taskOfMetrics } from '../engine/tasks/index.ts';
import { multiLabel } from '../engine/tasks/multi-label.ts';
import { regression } from '../engine/tasks/regression.ts';
import { tokenizeExamples } from '../tokenize/tokenize-examples.ts';
import { completeTokenizerFiles } from '../tokenize/tokenizer-files.ts';
import { createTokenizer, type TextTokenizer } from '../tokenize/tokenizer.ts';
import { IGNORED_LABEL } from '../tokenize/word-labels.ts';
import { defaultSettings, type TrainingSettings } from '../engine/settings.ts';
import { dropoutEntries, PINNED_REQUIREMENTS, rowsCsv, trainingProjectFiles, trainingProjectZip, type TrainingProjectRun, yamlNumber } from './training-project.ts';

const PYTHON = '/usr/bin/python3';
const here = path.dirname(fileURLToPath(import.meta.url));
const pythonMissing = existsSync(PYTHON) ? null : `${PYTHON} is not installed`;

const work = mkdtempSync(path.join(tmpdir(), 'training-project-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function writeProject(name: string, files: Map<string, Uint8Array>): string {
  const root = path.join(work, name);
  for (const [file, bytes] of files) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), bytes);
  }
  return root;
}

/**
 * What Python itself reads from the project, without importing transformers: the module-level
 * constants of train.py (literal_eval of its AST), the keyword names of its TrainingArguments
 * call, and both CSV files through the csv module.
 */
const INSPECT = `
import ast, csv, json, os, sys
root = sys.argv[1]
tree = ast.parse(open(os.path.join(root, "train.py"), encoding="utf-8").read())
constants = {}
for node in tree.body:
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        try:
            constants[node.targets[0].id] = ast.literal_eval(node.value)
        except ValueError:
            pass
calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "TrainingArguments"]
keywords = [k.arg if k.arg is not None else "**" + ast.unparse(k.value) for k in calls[0].keywords]
copies = [ast.unparse(n.value) for n in ast.walk(tree) if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "arguments" for t in n.targets)]
def rows(name):
    with open(os.path.join(root, "data", name), newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))
constants["HYPERPARAMETER_TYPES"] = {k: type(v).__name__ for k, v in constants["HYPERPARAMETERS"].items()}
print(json.dumps({"constants": constants, "keywords": keywords, "copies": copies, "train": rows("train.csv"), "validation": rows("validation.csv")}))
`;

interface Inspection {
  constants: Record<string, unknown> & { HYPERPARAMETERS: Record<string, unknown>; HYPERPARAMETER_TYPES: Record<string, string> };
  keywords: string[];
  copies: string[];
  train: Record<string, string>[];
  validation: Record<string, string>[];
}

function inspect(root: string): Inspection {
  return JSON.parse(execFileSync(PYTHON, ['-c', INSPECT, root], { encoding: 'utf8' })) as Inspection;
}

function compiles(root: string): void {
  execFileSync(PYTHON, ['-m', 'py_compile', path.join(root, 'train.py')], { stdio: 'pipe' });
}

/** Texts a naive CSV writer or reader gets wrong. */
const awkward: LabelledExample[] = [
  { text: 'plain text', label: 'pos' },
  { text: 'a comma, and "quotes"', label: 'neg' },
  { text: 'two\nlines\r\nand a CR\r', label: 'pos' },
  { text: '  padded  ', label: 'neutral' },
  { text: 'NA', label: 'neg' },
  { text: 'Ünïcödé ✓ 日本語', label: 'pos' },
];

function run(settings: TrainingSettings, overrides: Partial<TrainingProjectRun> = {}): TrainingProjectRun {
  return {
    base: { kind: 'hub', id: 'prajjwal1/bert-tiny' },
    task: singleLabel,
    labelOptions: defaultLabelOptions,
    labels: ['neg', 'neutral', 'pos'],
    settings,
    configOverrides: {},
    train: awkward,
    validation: [
      { text: 'kept apart', label: 'neutral' },
      { text: 'also, "kept"', label: 'pos' },
    ],
    splitDescription: 'a stratified 20% share, seed 42',
    loraTargetModules: [],
    ...overrides,
  };
}

const settingsA: TrainingSettings = { ...defaultSettings };
const settingsB: TrainingSettings = {
  ...defaultSettings,
  epochs: 7,
  batchSize: 12,
  learningRate: 3e-5,
  weightDecay: 0,
  warmupRatio: 0.06,
  maxGradNorm: 0,
  gradAccumulation: 4,
  maxLength: 256,
  maxSteps: 900,
  seed: 1234,
  evalSteps: 50,
  evalBatchSize: 32,
  loadBestModelAtEnd: true,
  metricForBestModel: 'loss',
  earlyStoppingPatience: 3,
  earlyStoppingThreshold: 0,
};

/** Trainer's name for each setting, written out here rather than taken from the module under test. */
function expectedHyperparameters(s: TrainingSettings): Record<string, unknown> {
  return {
    num_train_epochs: s.epochs,
    per_device_train_batch_size: s.batchSize,
    per_device_eval_batch_size: s.evalBatchSize,
    learning_rate: s.learningRate,
    weight_decay: s.weightDecay,
    warmup_ratio: s.warmupRatio,
    max_grad_norm: s.maxGradNorm,
    gradient_accumulation_steps: s.gradAccumulation,
    max_steps: s.maxSteps === 0 ? -1 : s.maxSteps,
    seed: s.seed,
    eval_strategy: s.evalSteps > 0 ? 'steps' : 'epoch',
    eval_steps: s.evalSteps > 0 ? s.evalSteps : null,
    lr_scheduler_type: 'linear',
    optim: 'adamw_torch',
    adam_beta1: 0.9,
    adam_beta2: 0.999,
    adam_epsilon: 1e-8,
    load_best_model_at_end: s.loadBestModelAtEnd,
    metric_for_best_model: { accuracy: 'accuracy', macroF1: 'f1', loss: 'loss' }[s.metricForBestModel],
    greater_is_better: s.metricForBestModel !== 'loss',
  };
}

describe.skipIf(pythonMissing !== null)(`train.py as Python reads it${pythonMissing ? ` (skipped: ${pythonMissing})` : ''}`, () => {
  it.each([
    ['Trainer defaults', settingsA],
    ['every setting changed', settingsB],
  ])('compiles and names exactly the run’s hyperparameters (%s)', (name, settings) => {
    const overrides = settings === settingsB ? { hidden_dropout_prob: 0, attention_probs_dropout_prob: 0.2 } : {};
    const root = writeProject(`hub-${name.replaceAll(' ', '-')}`, trainingProjectFiles(run(settings, { configOverrides: overrides })));
    compiles(root);
    const { constants, keywords, copies } = inspect(root);
    expect(constants.HYPERPARAMETERS).toEqual(expectedHyperparameters(settings));
    // Python floats where Trainer expects floats, even for whole values such as max_grad_norm 1 or weight decay 0.
    for (const key of ['learning_rate', 'weight_decay', 'warmup_ratio', 'max_grad_norm', 'adam_epsilon']) expect(constants.HYPERPARAMETER_TYPES[key]).toBe('float');
    expect(constants.MODEL).toBe('prajjwal1/bert-tiny');
    expect(constants.FROM_SCRATCH).toBe(false);
    expect(constants.LABELS).toEqual(['neg', 'neutral', 'pos']);
    expect(constants.MAX_LENGTH).toBe(settings.maxLength);
    expect(constants.CONFIG_OVERRIDES).toEqual(overrides);
    expect(constants.EARLY_STOPPING).toEqual(settings.earlyStoppingPatience > 0 ? { early_stopping_patience: settings.earlyStoppingPatience, early_stopping_threshold: 0 } : null);
    // Every hyperparameter reaches TrainingArguments, and no keyword there overrides one.
    expect(copies).toEqual(['dict(HYPERPARAMETERS)']);
    expect(keywords).toContain('**arguments');
    for (const keyword of keywords) expect(Object.keys(expectedHyperparameters(settings))).not.toContain(keyword);
  });

  it('trains LoRA with peft (LoraConfig, get_peft_model) and freezes what the run froze, when the run did', () => {
    const lora = { ...settingsA, method: 'lora' as const, loraR: 16, loraAlpha: 32, loraDropout: 0.1, freezeEmbeddings: true, freezeLayers: 1 };
    const root = writeProject('lora', trainingProjectFiles(run(lora, { loraTargetModules: ['query', 'value'] })));
    compiles(root);
    const { constants } = inspect(root);
    expect(constants.METHOD).toBe('lora');
    expect(constants.LORA).toEqual({ task_type: 'SEQ_CLS', r: 16, lora_alpha: 32, lora_dropout: 0.1, target_modules: ['query', 'value'] });
    expect([constants.FREEZE_EMBEDDINGS, constants.FREEZE_LAYERS]).toEqual([true, 1]);
    expect(readFileSync(path.join(root, 'requirements.txt'), 'utf8')).toContain('peft==');
    const full = inspect(writeProject('full-method', trainingProjectFiles(run(settingsA)))).constants;
    expect([full.METHOD, full.LORA, full.FREEZE_EMBEDDINGS, full.FREEZE_LAYERS]).toEqual(['full', null, false, 0]);
  });

  it('ships the exact training and validation rows, which Python’s csv module reads back unchanged', () => {
    const pairRows = awkward.map((r, i) => ({ ...r, textPair: i % 2 ? `second, "${i}"` : `line\n${i}` }));
    for (const [name, project] of [
      ['single', run(settingsA)],
      ['pair', run(settingsA, { train: pairRows, validation: pairRows.slice(0, 2) })],
    ] as const) {
      const root = writeProject(`rows-${name}`, trainingProjectFiles(project));
      const { train, validation, constants } = inspect(root);
      const asPython = (rows: readonly LabelledExample[]) =>
        rows.map((r) => (r.textPair === undefined ? { text: r.text, label: r.label } : { text: r.text, text_pair: r.textPair, label: r.label }));
      expect(train).toEqual(asPython(project.train));
      expect(validation).toEqual(asPython(project.validation));
      expect(constants.HAS_TEXT_PAIR).toBe(name === 'pair');
    }
  });

  it('builds a from-scratch model from the config it ships, and names a local folder as given', () => {
    const tokenizer = { tokenizerJson: { version: '1.0' }, tokenizerConfig: { tokenizer_class: 'BertTokenizer' }, specialTokensMap: { unk_token: '[UNK]' }, vocabTxt: '[PAD]\n[UNK]\n' };
    const configJson = { model_type: 'bert', hidden_size: 128, num_hidden_layers: 2 };
    const scratch = trainingProjectFiles(run(settingsA, { base: { kind: 'scratch', description: 'tiny BERT', configJson, tokenizer } }));
    const root = writeProject('scratch', scratch);
    compiles(root);
    expect(inspect(root).constants.FROM_SCRATCH).toBe(true);
    expect(JSON.parse(new TextDecoder().decode(scratch.get('base_model/config.json')))).toEqual(configJson);
    expect(new TextDecoder().decode(scratch.get('base_model/vocab.txt'))).toBe('[PAD]\n[UNK]\n');
    expect(scratch.has('autotrain.yml')).toBe(false);
    expect(new TextDecoder().decode(scratch.get('README.md'))).toContain('AutoTrain fine-tunes pretrained models');

    const weights = trainingProjectFiles(
      run(settingsA, { base: { kind: 'weights', description: 'a checkpoint after 30 updates', configJson, tokenizer, safetensors: Uint8Array.of(1, 2, 3) } }),
    );
    const weightsRoot = writeProject('weights', weights);
    compiles(weightsRoot);
    expect(inspect(weightsRoot).constants.FROM_SCRATCH).toBe(false);
    expect(weights.get('base_model/model.safetensors')).toEqual(Uint8Array.of(1, 2, 3));
    expect(new TextDecoder().decode(weights.get('train.py'))).toContain('MODEL = os.path.join(HERE, "base_model")');

    const folder = writeProject('folder', trainingProjectFiles(run(settingsA, { base: { kind: 'folder', path: '/data/models/my-bert' } })));
    expect(inspect(folder).constants.MODEL).toBe('/data/models/my-bert');
  });

  it('writes an AutoTrain config that PyYAML reads with the run’s values and types', () => {
    const hasYaml = (() => {
      try {
        execFileSync(PYTHON, ['-c', 'import yaml'], { stdio: 'pipe' });
        return true;
      } catch {
        return false;
      }
    })();
    if (!hasYaml) return console.log('AutoTrain config not parsed: PyYAML is not installed for /usr/bin/python3');
    const root = writeProject('autotrain', trainingProjectFiles(run(settingsB)));
    const parsed = JSON.parse(
      execFileSync(PYTHON, ['-c', 'import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))', path.join(root, 'autotrain.yml')], { encoding: 'utf8' }),
    ) as { task: string; base_model: string; data: Record<string, unknown>; params: Record<string, unknown> };
    expect(parsed.task).toBe('text_classification');
    expect(parsed.base_model).toBe('prajjwal1/bert-tiny');
    expect(parsed.data).toEqual({ path: 'data/', train_split: 'train', valid_split: 'validation', column_mapping: { text_column: 'text', target_column: 'label' } });
    expect(parsed.params).toMatchObject({
      max_seq_length: settingsB.maxLength,
      epochs: settingsB.epochs,
      batch_size: settingsB.batchSize,
      lr: settingsB.learningRate,
      gradient_accumulation: settingsB.gradAccumulation,
      weight_decay: settingsB.weightDecay,
      warmup_ratio: settingsB.warmupRatio,
      max_grad_norm: settingsB.maxGradNorm,
      seed: settingsB.seed,
    });
  });
});

/** The stand-ins for transformers, datasets and peft that train.py runs against here (see its docstring). */
const STAND_INS = path.join(here, 'training_project_stand_ins.py');
const sharedTokenizers = path.resolve(here, '../../../shared/tokenizers');
const tokenizersMissing = ['bert-base-uncased', 'roberta-base'].every((name) => existsSync(path.join(sharedTokenizers, name))) ? null : `${sharedTokenizers} lacks bert-base-uncased or roberta-base`;
const runSkip = torchUnavailable() ?? tokenizersMissing;

type TokenizerClass = 'BertTokenizerFast' | 'RobertaTokenizerFast';

/** Runs the stand-ins on a plan (see their docstring); returns what the scripts printed. */
function runStandIns(name: string, plan: readonly Record<string, unknown>[]): string {
  const planFile = path.join(work, name);
  writeFileSync(planFile, JSON.stringify(plan));
  return execFileSync(PYTHON, [STAND_INS, planFile], { encoding: 'utf8', stdio: 'pipe', env: quietTorchEnv(1) });
}

interface Scenario {
  readonly project: TrainingProjectRun;
  readonly tokenizer: TokenizerClass;
  /** The script's environment: WORLD_SIZE as torchrun sets it. */
  readonly env: Record<string, string>;
  /** Exported as a run from random weights, shipping the tokenizer's files (known only once it is loaded). */
  readonly fromScratch?: true;
}

interface StandInEvent {
  readonly kind: string;
  readonly [field: string]: unknown;
}

interface Executed {
  readonly events: StandInEvent[];
  /** The studio's own encoding of the exported rows: ids and the task's targets. */
  readonly train: TokenizedExample[];
  readonly validation: TokenizedExample[];
  readonly padTokenId: number;
  readonly script: string;
}

/**
 * The stand-in model's logits (stand_in_logits in the stand-ins) for unpadded rows, concatenated
 * as the task metrics take them: per token ((31·id + 17·position + 13·k) mod 23 − 11) / 4, per
 * sequence the same over 31·Σ ids + 7·length.
 */
function standInLogits(rows: readonly TokenizedExample[], k: number, perToken: boolean): Float32Array {
  const logit = (code: number) => ((code % 23) - 11) / 4;
  const values: number[] = [];
  for (const { inputIds } of rows) {
    const codes = perToken ? Array.from(inputIds, (id, position) => id * 31 + position * 17) : [inputIds.reduce((sum, id) => sum + id, 0) * 31 + inputIds.length * 7];
    for (const code of codes) for (let c = 0; c < k; c++) values.push(logit(code + c * 13));
  }
  return Float32Array.from(values);
}

/** The rows' targets as a label column holds them: a number per row, or a list per row of labels or tokens. */
function targetsOf(task: AnyTask, rows: readonly TokenizedExample[]): (number | number[])[] {
  return rows.map((r) => (task.target.per === 'row' ? r.target[0]! : Array.from(r.target)));
}

/** Python's float64 labels rounded as the studio stores them, to compare with its float32 targets. */
function asFloat32(value: unknown): unknown {
  return typeof value === 'number' ? Math.fround(value) : Array.isArray(value) ? value.map(asFloat32) : value;
}

const nerTags = ['O', 'B-LOC', 'I-LOC', 'B-PER', 'I-PER', 'B-creative-work', 'I-creative-work'];
/** Words split into pieces, a number in a JSON words cell, IOB2 entities of every shape, and a sentence max length cuts. */
const nerTrain: LabelledExample[] = [
  { text: '["Ada", "Lovelace", "wrote", "notes"]', label: '["B-PER", "I-PER", "O", "O"]' },
  { text: 'Paris is in France', label: 'B-LOC O O B-LOC' },
  { text: '["Watching", "Star", "Wars", "tonight", 7]', label: '["O", "B-creative-work", "I-creative-work", "O", "O"]' },
  { text: '["@paulwalk", "lives", "in", "Redondo", "Beach"]', label: 'B-PER O O B-LOC I-LOC' },
];
const nerValidation: LabelledExample[] = [
  { text: '["Gardena", "and", "Compton", "Blvd"]', label: 'B-LOC O B-LOC I-LOC' },
  { text: 'The Lord of the Rings by Tolkien is long indeed yes really', label: 'O B-creative-work I-creative-work I-creative-work I-creative-work O B-PER O O O O O' },
  { text: 'bob smith met Anna', label: 'I-PER I-PER O B-PER' },
];
const nerSettings: TrainingSettings = { ...defaultSettings, maxLength: 12, batchSize: 3, evalBatchSize: 2, loadBestModelAtEnd: true, metricForBestModel: 'macroF1' };

/** Logits whose float32 sigmoid rounds to 0.5 (−3e-8) though their true probability is below it, with 0 and a tiny positive one. */
const nearThreshold = { logits: Array.from(Float32Array.of(-3e-8, 0, 3e-8, -1)), labels: [0, 1, 1, 0] };

/** Word tags on token rows for seqeval's rules: an I- after O or after another type starts an entity, B- after B- splits one, hyphenated types. */
const taggedCases = [
  { truth: ['B-PER', 'I-PER', 'O', 'B-LOC'], predicted: ['B-PER', 'I-PER', 'O', 'I-LOC'] },
  { truth: ['B-creative-work', 'I-creative-work', 'O'], predicted: ['B-creative-work', 'B-creative-work', 'O'] },
  { truth: ['I-PER', 'O', 'B-LOC', 'I-PER', 'O'], predicted: ['I-PER', 'B-LOC', 'B-LOC', 'I-LOC', 'O'] },
];

/**
 * The cases as the studio's rows (a special token, each word's first token, a second token after
 * every other word, a special token; -100 where no tag is) with logits that pick the predicted tag
 * on first tokens and some tag elsewhere, and as Trainer hands them to compute_metrics: padded to
 * the longest row with -100.
 */
function taggedInputs(): { rows: TokenizedExample[]; logits: Float32Array; padded: { logits: number[][][]; labels: number[][] } } {
  const k = nerTags.length;
  const oneHot = (tag: number) => Array.from({ length: k }, (_, c) => (c === tag ? 5 : 0));
  const tokens = taggedCases.map(({ truth, predicted }) => {
    const rows: { label: number; logits: number[] }[] = [{ label: IGNORED_LABEL, logits: oneHot(1) }];
    truth.forEach((tag, word) => {
      rows.push({ label: nerTags.indexOf(tag), logits: oneHot(nerTags.indexOf(predicted[word]!)) });
      if (word % 2 === 0) rows.push({ label: IGNORED_LABEL, logits: oneHot((word + 3) % k) });
    });
    return [...rows, { label: IGNORED_LABEL, logits: oneHot(2) }];
  });
  const width = Math.max(...tokens.map((t) => t.length));
  const pad = <T>(values: T[], fill: T) => [...values, ...new Array<T>(width - values.length).fill(fill)];
  return {
    rows: tokens.map((t) => ({ inputIds: new Int32Array(t.length), tokenTypeIds: null, target: Int32Array.from(t, (token) => token.label) })),
    logits: Float32Array.from(tokens.flatMap((t) => t.flatMap((token) => token.logits))),
    padded: {
      logits: tokens.map((t) => pad(t.map((token) => token.logits), new Array<number>(k).fill(IGNORED_LABEL))),
      labels: tokens.map((t) => pad(t.map((token) => token.label), IGNORED_LABEL)),
    },
  };
}

const pairRows = awkward.map((r, i) => ({ ...r, textPair: `second ${i}` }));

async function sharedTokenizer(name: TokenizerClass): Promise<TextTokenizer> {
  const read = (file: string) => readFileSync(path.join(sharedTokenizers, file), 'utf8');
  if (name === 'BertTokenizerFast') {
    const tokenizerJson = JSON.parse(read('bert-base-uncased/tokenizer.json')) as Record<string, unknown>;
    return createTokenizer(completeTokenizerFiles({ tokenizerJson }, { model_type: 'bert', max_position_embeddings: 512 }));
  }
  const vocabJson = JSON.parse(read('roberta-base/vocab.json')) as Record<string, number>;
  return createTokenizer(completeTokenizerFiles({ vocabJson, mergesTxt: read('roberta-base/merges.txt') }, { model_type: 'roberta', max_position_embeddings: 514 }));
}

/** What the stand-in tokenizer returns: the studio's encoding of every exported row, words or texts. */
function tokenizerPlan(tokenizer: TextTokenizer, className: TokenizerClass, project: TrainingProjectRun): Record<string, unknown> {
  const maxLength = project.settings.maxLength;
  const rows = [...project.train, ...project.validation];
  const byWords = project.task.head === 'token-classification';
  const ids = (encoded: { inputIds: Int32Array; tokenTypeIds: Int32Array | null }) => ({
    max_length: maxLength,
    input_ids: Array.from(encoded.inputIds),
    token_type_ids: encoded.tokenTypeIds === null ? null : Array.from(encoded.tokenTypeIds),
  });
  return {
    class_name: className,
    byte_level: className === 'RobertaTokenizerFast',
    pad_token_id: tokenizer.padTokenId,
    model_input_names: className === 'BertTokenizerFast' ? ['input_ids', 'token_type_ids', 'attention_mask'] : ['input_ids', 'attention_mask'],
    words: byWords
      ? rows.map((r, i) => {
          const words = decodeTaggedCell(r.text, { file: 'the test rows', row: i + 1 });
          const encoded = tokenizer.encodeWords(words, maxLength);
          return { words, word_ids: encoded.wordIds, ...ids(encoded) };
        })
      : [],
    texts: byWords ? [] : rows.map((r) => ({ text: r.text, text_pair: r.textPair ?? null, ...ids(tokenizer.encode(r.text, r.textPair, maxLength)) })),
  };
}

describe.skipIf(runSkip !== null)(`train.py run against stand-ins for transformers, datasets and peft${runSkip ? ` (skipped: ${runSkip})` : ''}`, () => {
  const scenarios = {
    'single-label pairs on 4 processes': { project: run(settingsB, { train: pairRows, validation: pairRows.slice(0, 4), configOverrides: { hidden_dropout_prob: 0.05 } }), tokenizer: 'BertTokenizerFast', env: { WORLD_SIZE: '4' } },
    'single-label pairs on 1 process': { project: run(settingsB, { train: pairRows, validation: pairRows.slice(0, 4) }), tokenizer: 'BertTokenizerFast', env: {} },
    'multi-label LoRA': {
      project: run(
        { ...defaultSettings, method: 'lora', loraR: 4, loraAlpha: 8, freezeLayers: 1, batchSize: 2, evalBatchSize: 2, loadBestModelAtEnd: true, metricForBestModel: 'macroF1' },
        {
          task: multiLabel,
          labelOptions: { labelSeparator: '|' },
          labels: ['politics', 'sports', 'tech'],
          loraTargetModules: ['query', 'value'],
          train: [
            { text: 'Election night on the chips act', label: 'politics | tech' },
            { text: 'The match went to penalties', label: 'sports' },
            { text: 'A new phone', label: '["tech"]' },
          ],
          validation: [
            { text: 'Vote on the stadium', label: 'politics|sports' },
            { text: 'Robots play football', label: '["sports", "tech"]' },
            { text: 'Parliament debates', label: 'politics' },
            { text: 'Quiet day', label: 'tech' },
            { text: 'Goal!', label: 'sports|tech|politics' },
          ],
        },
      ),
      tokenizer: 'BertTokenizerFast',
      env: {},
    },
    'regression from scratch': {
      project: run(
        { ...defaultSettings, maxLength: 8, evalBatchSize: 3, loadBestModelAtEnd: true },
        {
          task: regression,
          labels: ['LABEL_0'],
          train: [
            { text: 'a fine film', label: '3.8' },
            { text: 'dull', label: '-1.25' },
          ],
          validation: [
            { text: 'fine enough', label: '2' },
            { text: 'a long text that the max length of eight tokens cuts short', label: '1e-1' },
            { text: 'great', label: '4.5' },
            { text: 'fine', label: '2' },
            { text: 'bad', label: '0' },
          ],
        },
      ),
      tokenizer: 'BertTokenizerFast',
      env: {},
      fromScratch: true,
    },
    'token classification (BERT)': { project: run(nerSettings, { task: tokenClassification, labels: nerTags, train: nerTrain, validation: nerValidation }), tokenizer: 'BertTokenizerFast', env: {} },
    'token classification (RoBERTa)': {
      project: run(nerSettings, { base: { kind: 'hub', id: 'roberta-base' }, task: tokenClassification, labels: nerTags, train: nerTrain, validation: nerValidation }),
      tokenizer: 'RobertaTokenizerFast',
      env: {},
    },
  } satisfies Record<string, Scenario>;
  type Name = keyof typeof scenarios;
  const executed = new Map<Name, Executed>();
  let direct: StandInEvent[] = [];
  let directTags: StandInEvent[] = [];

  beforeAll(async () => {
    const tokenizers = new Map<TokenizerClass, TextTokenizer>();
    for (const name of ['BertTokenizerFast', 'RobertaTokenizerFast'] as const) tokenizers.set(name, await sharedTokenizer(name));
    const bert = tokenizers.get('BertTokenizerFast')!;
    const entries = Object.entries(scenarios) as [Name, Scenario][];
    const plan: Record<string, unknown>[] & { script: string; log: string }[] = entries.map(([, scenario], i) => {
      const project = scenario.fromScratch ? { ...scenario.project, base: { kind: 'scratch' as const, description: 'a BERT of random weights', configJson: { model_type: 'bert' }, tokenizer: bert.files } } : scenario.project;
      const root = writeProject(`stand-ins-${i}`, trainingProjectFiles(project));
      const tokenizer = tokenizers.get(scenario.tokenizer)!;
      return { script: path.join(root, 'train.py'), env: scenario.env, tokenizer: tokenizerPlan(tokenizer, scenario.tokenizer, project), log: path.join(root, 'stand-ins.json') };
    });
    const multi = entries.findIndex(([name]) => name === 'multi-label LoRA');
    plan.push({ script: plan[multi]!.script, compute_metrics: [{ logits: [nearThreshold.logits], labels: [nearThreshold.labels], labels_dtype: 'float32' }], log: path.join(work, 'direct.json') });
    const tagger = entries.findIndex(([name]) => name === 'token classification (BERT)');
    plan.push({ script: plan[tagger]!.script, compute_metrics: [{ ...taggedInputs().padded, labels_dtype: 'int64' }], log: path.join(work, 'direct-tags.json') });
    runStandIns('stand-ins-plan.json', plan);
    direct = JSON.parse(readFileSync(path.join(work, 'direct.json'), 'utf8')) as StandInEvent[];
    directTags = JSON.parse(readFileSync(path.join(work, 'direct-tags.json'), 'utf8')) as StandInEvent[];
    entries.forEach(([name, { project, tokenizer }], i) => {
      const engine = (rows: readonly LabelledExample[]) =>
        tokenizeExamples(tokenizers.get(tokenizer)!, rows, { task: project.task, labels: project.labels, options: project.labelOptions, file: null }, project.settings.maxLength).rows;
      executed.set(name, {
        events: JSON.parse(readFileSync(plan[i]!.log, 'utf8')) as StandInEvent[],
        train: engine(project.train),
        validation: engine(project.validation),
        padTokenId: tokenizers.get(tokenizer)!.padTokenId,
        script: readFileSync(plan[i]!.script, 'utf8'),
      });
    });
  }, 120_000);

  const eventsOf = (name: Name) => {
    const { events } = executed.get(name)!;
    const error = events.find((e) => e.kind === 'error');
    if (error !== undefined) throw new Error(`train.py raised ${String(error.type)}: ${String(error.message)}\n${String(error.traceback)}`);
    return (kind: string) => events.filter((e) => e.kind === kind);
  };

  it.each(Object.keys(scenarios) as Name[])('%s: the labels train.py builds are the studio’s targets, in the columns and batches the model reads', (name) => {
    const { project } = scenarios[name];
    const { train, validation, padTokenId } = executed.get(name)!;
    const of = eventsOf(name);
    const perToken = project.task.target.per === 'token';
    const labelColumn = perToken ? 'labels' : 'label';
    const tokenTypes = scenarios[name].tokenizer === 'BertTokenizerFast' ? ['token_type_ids'] : [];
    const columns = of('columns') as unknown as { split: string; kept: string[]; ignored: string[]; rows: Record<string, unknown>[] }[];
    for (const [split, rows] of [['train', train], ['eval', validation]] as const) {
      const trainerRows = columns.find((c) => c.split === split)!;
      expect(trainerRows.kept.sort()).toEqual(['attention_mask', 'input_ids', labelColumn, ...tokenTypes].sort());
      expect(trainerRows.ignored).toEqual([]);
      expect(trainerRows.rows.map((r) => r.input_ids)).toEqual(rows.map((r) => Array.from(r.inputIds)));
      const labels = trainerRows.rows.map((r) => r[labelColumn]);
      expect(project.task.target.dtype === 'float32' ? asFloat32(labels) : labels).toEqual(targetsOf(project.task, rows));
    }
    // Batched by the collator into the model: token labels padded with -100 to the batch's longest row, ids with the pad token.
    const batchSize = (of('args')[0]!.kwargs as Record<string, number>).per_device_train_batch_size!;
    const batches = (of('train')[0]!.batches as Record<string, unknown>[]).map((b) => ({ labels: b.labels, inputIds: b.input_ids }));
    const expected = Array.from({ length: Math.ceil(train.length / batchSize) }, (_, b) => {
      const rows = train.slice(b * batchSize, (b + 1) * batchSize);
      const width = Math.max(...rows.map((r) => r.inputIds.length));
      const padded = (values: ArrayLike<number>, fill: number) => [...Array.from(values), ...new Array<number>(width - values.length).fill(fill)];
      return { labels: perToken ? rows.map((r) => padded(r.target, IGNORED_LABEL)) : targetsOf(project.task, rows), inputIds: rows.map((r) => padded(r.inputIds, padTokenId)) };
    });
    expect(project.task.target.dtype === 'float32' ? batches.map((b) => ({ ...b, labels: asFloat32(b.labels) })) : batches).toEqual(expected);
  });

  it.each(Object.keys(scenarios) as Name[])('%s: compute_metrics gives the studio’s metrics for the same logits, during training and at the end', (name) => {
    const { project } = scenarios[name];
    const { validation } = executed.get(name)!;
    const logits = standInLogits(validation, project.task.numLabels(project.labels), project.task.head === 'token-classification');
    const studio = project.task.metrics(logits, validation, project.labels, {});
    const expected = taskOfMetrics(studio).trainerMetrics(studio);
    const metrics = eventsOf(name)('metrics');
    expect(metrics.map((m) => m.when)).toEqual(['during training', 'evaluate']);
    for (const { value } of metrics) {
      const got = value as Record<string, number>;
      expect(Object.keys(got).sort()).toEqual(Object.keys(expected).sort());
      for (const [key, number] of Object.entries(expected)) expect(got[key], key).toBeCloseTo(number, 12);
    }
  });
  const sequence = (problemType: string, labels: readonly string[]) => ({
    cls: 'AutoModelForSequenceClassification',
    kwargs: { num_labels: labels.length, id2label: Object.fromEntries(labels.map((l, i) => [i, l])), label2id: Object.fromEntries(labels.map((l, i) => [l, i])), problem_type: problemType },
  });
  const tagger = { cls: 'AutoModelForTokenClassification', kwargs: { num_labels: nerTags.length, id2label: Object.fromEntries(nerTags.map((l, i) => [i, l])), label2id: Object.fromEntries(nerTags.map((l, i) => [l, i])) } };
  const expectedModels: Record<Name, { cls: string; kwargs: Record<string, unknown>; collator: string; docstring: string }> = {
    'single-label pairs on 4 processes': { ...sequence('single_label_classification', ['neg', 'neutral', 'pos']), collator: 'DataCollatorWithPadding', docstring: 'single-label classification' },
    'single-label pairs on 1 process': { ...sequence('single_label_classification', ['neg', 'neutral', 'pos']), collator: 'DataCollatorWithPadding', docstring: 'single-label classification' },
    'multi-label LoRA': { ...sequence('multi_label_classification', ['politics', 'sports', 'tech']), collator: 'DataCollatorWithPadding', docstring: 'multi-label classification' },
    'regression from scratch': { ...sequence('regression', ['LABEL_0']), collator: 'DataCollatorWithPadding', docstring: 'regression' },
    'token classification (BERT)': { ...tagger, collator: 'DataCollatorForTokenClassification', docstring: 'token classification (NER)' },
    'token classification (RoBERTa)': { ...tagger, collator: 'DataCollatorForTokenClassification', docstring: 'token classification (NER)' },
  };

  it.each(Object.keys(scenarios) as Name[])('%s: builds its task’s model, collator and tokenization, and names the task', (name) => {
    const { project, fromScratch }: Scenario = scenarios[name];
    const of = eventsOf(name);
    const { cls, kwargs, collator, docstring } = expectedModels[name];
    const base = project.base.kind === 'hub' ? project.base.id : '';
    const model = of('model')[0]!;
    if (fromScratch) {
      expect(model).toMatchObject({ cls, how: 'from_config', config: kwargs });
      expect(String(of('config')[0]!.name)).toMatch(/base_model$/);
    } else {
      expect(of('model')).toEqual([{ kind: 'model', cls, how: 'from_pretrained', name: base, kwargs: { ...kwargs, ...project.configOverrides } }]);
    }
    expect(of('trainer')[0]).toMatchObject({ collator, train_rows: project.train.length, eval_rows: project.validation.length });
    const byWords = project.task.head === 'token-classification';
    const pairs = project.train.some((r) => r.textPair !== undefined);
    expect(of('tokenize').map(({ kind: _kind, rows: _rows, ...call }) => call)).toEqual(
      [project.train, project.validation].map(() => ({ pairs, truncation: true, max_length: project.settings.maxLength, is_split_into_words: byWords, add_special_tokens: true, padding: false, other: [] })),
    );
    expect(executed.get(name)!.script.split('\n')[0]).toContain(` for ${docstring}: the run Fine-Tune Studio made`);
    expect(of('seed')).toEqual([{ kind: 'seed', seed: project.settings.seed }]);
  });

  it('hands Trainer the run’s hyperparameters, the batch divided among processes, checkpoints at every evaluation, and early stopping', () => {
    for (const [name, perDevice] of [
      ['single-label pairs on 4 processes', 3],
      ['single-label pairs on 1 process', settingsB.batchSize],
    ] as const) {
      const of = eventsOf(name);
      expect(of('args')[0]!.kwargs).toMatchObject({
        ...expectedHyperparameters(settingsB),
        per_device_train_batch_size: perDevice,
        save_strategy: 'steps',
        save_steps: 50,
        output_dir: expect.stringMatching(/output$/),
      });
      expect(of('trainer')[0]!.callbacks).toEqual([{ name: 'EarlyStoppingCallback', early_stopping_patience: 3, early_stopping_threshold: 0 }]);
      expect(of('save_model')).toEqual([{ kind: 'save_model', path: expect.stringMatching(/output$/), by: 'Trainer' }]);
    }
  });

  it('wraps a LoRA run with peft, freezes what the run froze, and saves the adapter and the merged model', () => {
    const of = eventsOf('multi-label LoRA');
    expect(of('peft')).toEqual([{ kind: 'peft', config: { task_type: 'SEQ_CLS', r: 4, lora_alpha: 8, lora_dropout: 0, target_modules: ['query', 'value'] } }]);
    expect(of('trainer')[0]).toMatchObject({ peft: true, frozen: ['base_model.model.bert.encoder.layer.0.weight', 'base_model.model.bert.encoder.layer.0.bias'] });
    expect(of('save_adapter')).toEqual([{ kind: 'save_adapter', path: expect.stringMatching(/output\/lora-adapter$/) }]);
    expect(of('save_model')).toEqual([{ kind: 'save_model', path: expect.stringMatching(/output$/), by: 'StandInModelForSequenceClassification' }]);
    expect(of('save_tokenizer')).toHaveLength(1);
  });

  it('loads a RoBERTa tokenizer again with add_prefix_space, as words given one by one need', () => {
    expect(eventsOf('token classification (RoBERTa)')('tokenizer').map((e) => e.kwargs)).toEqual([{}, { add_prefix_space: true }]);
    expect(eventsOf('token classification (BERT)')('tokenizer').map((e) => e.kwargs)).toEqual([{}]);
  });

  it('trains the head alone without validation rows, on processes the batch does not divide among', async () => {
    const bert = await sharedTokenizer('BertTokenizerFast');
    const project = run({ ...settingsA, method: 'head-only', loadBestModelAtEnd: true }, { validation: [] });
    const root = writeProject('stand-ins-head-only', trainingProjectFiles(project));
    const log = path.join(root, 'stand-ins.json');
    const printed = runStandIns('head-only-plan.json', [{ script: path.join(root, 'train.py'), env: { WORLD_SIZE: '5' }, tokenizer: tokenizerPlan(bert, 'BertTokenizerFast', project), log }]);
    const events = JSON.parse(readFileSync(log, 'utf8')) as StandInEvent[];
    const of = (kind: string) => events.filter((e) => e.kind === kind);
    expect(of('error')).toEqual([]);
    expect(printed).toContain(`note: batch ${settingsA.batchSize} does not divide among 5 processes; each takes the whole batch`);
    expect(of('args')[0]!.kwargs).toMatchObject({ per_device_train_batch_size: settingsA.batchSize, eval_strategy: 'no', load_best_model_at_end: false, save_strategy: 'epoch' });
    expect(of('trainer')[0]).toMatchObject({ eval_rows: null, callbacks: [], frozen: ['bert.embeddings.weight', 'bert.embeddings.bias', 'bert.encoder.layer.0.weight', 'bert.encoder.layer.0.bias', 'bert.encoder.layer.1.weight', 'bert.encoder.layer.1.bias'] });
    expect(of('metrics')).toEqual([]);
    expect(of('save_model')).toEqual([{ kind: 'save_model', path: expect.stringMatching(/output$/), by: 'Trainer' }]);
  });

  it('predicts a multi-label label from probability 0.5 as the studio does, for logits just below and above 0', () => {
    const labels = ['a', 'b', 'c', 'd'];
    const studio = multiLabel.trainerMetrics(multiLabel.metrics(Float32Array.from(nearThreshold.logits), [{ inputIds: new Int32Array(1), tokenTypeIds: null, target: Float32Array.from(nearThreshold.labels) }], labels, {}));
    const error = direct.find((e) => e.kind === 'error');
    expect(error?.message).toBeUndefined();
    expect(direct).toEqual([{ kind: 'metrics', when: 'direct', value: studio }]);
  });

  it('scores entities as the studio’s seqeval rules do, over the first token of each word, with Trainer’s -100 padding', () => {
    const { rows, logits } = taggedInputs();
    const studio = tokenClassification.trainerMetrics(tokenClassification.metrics(logits, rows, nerTags, {}));
    expect(studio.f1).toBeGreaterThan(0);
    expect(directTags.find((e) => e.kind === 'error')?.message).toBeUndefined();
    expect(directTags).toHaveLength(1);
    const got = directTags[0]!.value as Record<string, number>;
    expect(Object.keys(got).sort()).toEqual(Object.keys(studio).sort());
    for (const [key, value] of Object.entries(studio)) expect(got[key], key).toBeCloseTo(value, 12);
  });
});

describe('training project', () => {
  it('zips every file under training-project/, with pinned requirements', () => {
    const files = unzipSync(trainingProjectZip(run(settingsA)));
    expect(Object.keys(files).sort()).toEqual(
      ['README.md', 'autotrain.yml', 'data/train.csv', 'data/validation.csv', 'requirements.txt', 'train.py'].map((f) => `training-project/${f}`),
    );
    const requirements = new TextDecoder().decode(files['training-project/requirements.txt']).trim().split('\n');
    expect(requirements.map((r) => r.split('==')[0])).toEqual(['transformers', 'torch', 'datasets', 'accelerate', 'numpy']);
    expect(requirements.every((r) => /^[a-z]+==\d+\.\d+\.\d+$/.test(r))).toBe(true);
    expect(requirements[0]).toBe(`transformers==${PINNED_REQUIREMENTS.transformers}`);
    const readme = new TextDecoder().decode(files['training-project/README.md']);
    for (const command of ['python train.py', 'accelerate launch --multi_gpu', 'torchrun --nproc_per_node']) expect(readme).toContain(command);
  });

  it('turns off evaluation when there are no validation rows', () => {
    const script = new TextDecoder().decode(trainingProjectFiles(run(settingsA, { validation: [] })).get('train.py'));
    expect(script).toContain('"eval_strategy": "no"');
  });

  it('quotes every CSV field and doubles quotes inside them', () => {
    expect(rowsCsv([{ text: 'say "hi", then go', label: 'a' }], false)).toBe('"text","label"\r\n"say ""hi"", then go","a"\r\n');
  });

  it('writes floats PyYAML reads as floats', () => {
    expect([5e-5, 1, 0, 0.06, 1e-8, 2.5e21].map(yamlNumber)).toEqual(['0.00005', '1.0', '0.0', '0.06', '1.0e-8', '2.5e+21']);
  });

  it('finds the dropout entries of a config for runs whose overrides were not recorded', () => {
    expect(dropoutEntries({ model_type: 'bert', hidden_dropout_prob: 0.1, attention_probs_dropout_prob: 0, classifier_dropout: null, hidden_size: 4 })).toEqual({
      hidden_dropout_prob: 0.1,
      attention_probs_dropout_prob: 0,
    });
  });
});
