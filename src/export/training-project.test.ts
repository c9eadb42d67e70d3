import { execFileSync } from 'node:child_process';
import { defaultLabelOptions } from '../engine/tasks/task.ts';
import { singleLabel } from '../engine/tasks/single-label.ts';
import { tokenClassification } from '../engine/tasks/token-classification.ts';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import type { LabelledExample } from '../data/examples.ts';
import { defaultSettings, type TrainingSettings } from '../engine/settings.ts';
import { dropoutEntries, PINNED_REQUIREMENTS, rowsCsv, trainingProjectFiles, trainingProjectZip, type TrainingProjectRun, yamlNumber } from './training-project.ts';

const PYTHON = '/usr/bin/python3';
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

/** Records what train.py asks of transformers, written to $STUB_LOG when the script exits. */
const TRANSFORMERS_STUB = `
import atexit, json, os
import numpy as np
LOG = []
atexit.register(lambda: json.dump(LOG, open(os.environ["STUB_LOG"], "w")))

def set_seed(seed):
    LOG.append({"kind": "seed", "seed": seed})

class _Tokenizer:
    def __call__(self, texts, pairs=None, truncation=False, max_length=None):
        LOG.append({"kind": "tokenize", "rows": len(texts), "pairs": pairs is not None and len(pairs) == len(texts), "truncation": truncation, "max_length": max_length})
        return {"input_ids": [[1] * min(len(t), max_length) for t in texts]}

class AutoTokenizer:
    @staticmethod
    def from_pretrained(name):
        return _Tokenizer()

class AutoConfig:
    @staticmethod
    def from_pretrained(name, **kwargs):
        return {"name": name, **kwargs}

class AutoModelForSequenceClassification:
    @staticmethod
    def from_pretrained(name, **kwargs):
        LOG.append({"kind": "model", "how": "from_pretrained", "name": name, "kwargs": kwargs})
        return "model"
    @staticmethod
    def from_config(config):
        LOG.append({"kind": "model", "how": "from_config", "config": config})
        return "model"

class DataCollatorWithPadding:
    def __init__(self, tokenizer):
        self.tokenizer = tokenizer

class TrainingArguments:
    def __init__(self, **kwargs):
        LOG.append({"kind": "args", "kwargs": kwargs})

class EarlyStoppingCallback:
    def __init__(self, early_stopping_patience=1, early_stopping_threshold=0.0):
        self.arguments = {"early_stopping_patience": early_stopping_patience, "early_stopping_threshold": early_stopping_threshold}

class Trainer:
    def __init__(self, model, args, train_dataset, eval_dataset, processing_class, data_collator, compute_metrics, callbacks):
        self.compute_metrics = compute_metrics
        LOG.append({"kind": "callbacks", "value": [{"name": type(c).__name__, **c.arguments} for c in callbacks]})
        LOG.append({"kind": "trainer", "train_rows": len(train_dataset), "eval_rows": len(eval_dataset), "collator": type(data_collator).__name__, "labels": train_dataset.columns["label"]})
    def train(self):
        pass
    def save_model(self, path):
        LOG.append({"kind": "save", "path": path})
    def evaluate(self):
        logits = np.array([[2.0, 0, 0], [0, 2.0, 0], [0, 2.0, 0], [2.0, 0, 0]])
        value = self.compute_metrics((logits, np.array([0, 1, 0, 0])))
        LOG.append({"kind": "metrics", "value": value})
        return value
`;

const DATASETS_STUB = `
class Dataset:
    def __init__(self, columns):
        self.columns = columns
    @classmethod
    def from_dict(cls, columns):
        return cls(dict(columns))
    def __len__(self):
        return len(self.columns["label"])
    def map(self, fn, batched=False, remove_columns=()):
        assert batched
        kept = {k: v for k, v in self.columns.items() if k not in remove_columns}
        return Dataset({**kept, **fn(self.columns)})
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

  it('runs top to bottom against stand-ins for transformers and datasets, handing Trainer the run', () => {
    const stubs = path.join(work, 'stubs');
    mkdirSync(path.join(stubs, 'transformers'), { recursive: true });
    mkdirSync(path.join(stubs, 'datasets'), { recursive: true });
    writeFileSync(path.join(stubs, 'transformers', '__init__.py'), TRANSFORMERS_STUB);
    writeFileSync(path.join(stubs, 'datasets', '__init__.py'), DATASETS_STUB);
    const pairRows = awkward.map((r, i) => ({ ...r, textPair: `second ${i}` }));
    const overrides = { hidden_dropout_prob: 0.05 };
    const root = writeProject('stub-run', trainingProjectFiles(run(settingsB, { train: pairRows, validation: pairRows.slice(0, 4), configOverrides: overrides })));
    const runScript = (env: Record<string, string>) => {
      const log = path.join(root, `log-${Object.keys(env).length}.json`);
      execFileSync(PYTHON, [path.join(root, 'train.py')], { env: { ...process.env, PYTHONPATH: stubs, STUB_LOG: log, ...env }, stdio: 'pipe' });
      return JSON.parse(readFileSync(log, 'utf8')) as { kind: string; [key: string]: unknown }[];
    };
    const calls = runScript({ WORLD_SIZE: '4' });
    const of = (kind: string) => calls.filter((c) => c.kind === kind);
    expect(of('seed')).toEqual([{ kind: 'seed', seed: settingsB.seed }]);
    expect(of('model')).toEqual([
      {
        kind: 'model',
        how: 'from_pretrained',
        name: 'prajjwal1/bert-tiny',
        kwargs: { num_labels: 3, id2label: { 0: 'neg', 1: 'neutral', 2: 'pos' }, label2id: { neg: 0, neutral: 1, pos: 2 }, problem_type: 'single_label_classification', ...overrides },
      },
    ]);
    // Every row tokenized as a pair, truncated to the run's max length.
    expect(of('tokenize')).toEqual([
      { kind: 'tokenize', rows: pairRows.length, pairs: true, truncation: true, max_length: settingsB.maxLength },
      { kind: 'tokenize', rows: 4, pairs: true, truncation: true, max_length: settingsB.maxLength },
    ]);
    // Four processes share the batch of 12: 3 each, the same effective batch.
    const args = of('args')[0]!.kwargs as Record<string, unknown>;
    expect(args).toMatchObject({ ...expectedHyperparameters(settingsB), per_device_train_batch_size: 3 });
    const trainer = of('trainer')[0]!;
    expect(trainer).toMatchObject({ train_rows: pairRows.length, eval_rows: 4, collator: 'DataCollatorWithPadding', labels: [2, 0, 2, 1, 0, 2] });
    // compute_metrics on known predictions: accuracy 3/4; F1 0.8 (neg), 2/3 (neutral), 0 (pos, never present).
    expect(of('metrics')[0]!.value).toEqual({ accuracy: 0.75, f1: (0.8 + 2 / 3 + 0) / 3 });
    expect(of('save')).toHaveLength(1);
    // The best model needs a checkpoint at every evaluation (every 50 steps), and early stopping gets its patience.
    expect(args).toMatchObject({ load_best_model_at_end: true, metric_for_best_model: 'loss', greater_is_better: false, save_strategy: 'steps', save_steps: 50 });
    expect(of('callbacks')[0]!.value).toEqual([{ name: 'EarlyStoppingCallback', early_stopping_patience: 3, early_stopping_threshold: 0 }]);

    const single = runScript({});
    expect((single.find((c) => c.kind === 'args')!.kwargs as Record<string, unknown>).per_device_train_batch_size).toBe(settingsB.batchSize);
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

  it('tokenizes words and aligns their tags for a token classifier, with its model class, collator and metrics', () => {
    const sentences = [
      { text: '["Ada", "wrote"]', label: '["B-PER", "O"]' },
      { text: 'Paris today', label: 'B-LOC O' },
    ];
    const root = writeProject('ner-run', trainingProjectFiles(run(settingsA, { task: tokenClassification, labels: ['O', 'B-LOC', 'B-PER'], train: sentences, validation: sentences })));
    compiles(root);
    const script = readFileSync(path.join(root, 'train.py'), 'utf8');
    expect(script).toContain('model = AutoModelForTokenClassification.from_pretrained(');
    expect(script).toContain('data_collator=DataCollatorForTokenClassification(tokenizer)');
    expect(script).toContain('encoded = tokenizer(words, is_split_into_words=True, truncation=True, max_length=MAX_LENGTH)');
    expect(script).not.toContain('pairs = batch["text_pair"]');
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
