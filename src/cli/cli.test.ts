// The CLI as a user runs it: a separate process, real files, the exit code and the messages.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubServer } from '../../e2e/support/hub-server.ts';
import { parseTable } from '../data/parse.ts';
import { stratifiedSplit } from '../data/split.ts';
import { readSafetensors, writeSafetensors } from '../engine/weights/safetensors.ts';
import { runCli, writeBaseModel, writeCsv } from './cli-fixtures.ts';

const work = mkdtempSync(path.join(tmpdir(), 'cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const cli = (args: string[], env: Record<string, string> = {}) => runCli(work, args, env);

beforeAll(() => {
  writeBaseModel(path.join(work, 'base'));
  writeCsv(path.join(work, 'train.csv'), 160, 1);
  writeCsv(path.join(work, 'test.csv'), 40, 2);
  writeFileSync(path.join(work, 'bad-row.csv'), 'text,label\n"fine film",pos\nbroken, row, here,neg\n');
});

describe('finetune-studio CLI', () => {
  it('trains, then predicts and evaluates with the folder it wrote', async () => {
    const train = await cli(['train', '--model', 'base', '--data', 'train.csv', '--validation', 'test.csv', '--epochs', '8', '--batch-size', '16', '--lr', '3e-3', '--max-length', '32', '--out', 'tuned']);
    expect(train.stderr).toContain('newly initialized');
    expect(train.stderr).toContain("'bert.pooler.dense.weight'");
    expect(train.code, train.stderr).toBe(0);
    expect(train.stderr).toMatch(/eval @ epoch 8\.00 \(step 80\).*accuracy/);
    const files = readdirSync(path.join(work, 'tuned')).sort();
    expect(files).toEqual(['README.md', 'config.json', 'model.safetensors', 'onnx', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json', 'trainer_state.json', 'training_checkpoint.safetensors', 'vocab.txt']);
    const card = readFileSync(path.join(work, 'tuned/README.md'), 'utf8');
    expect(card).toMatch(/^---\nlibrary_name: transformers\npipeline_tag: text-classification\n/);
    expect(card).toContain('`train.csv`: 160 rows; text column `text`, label column `label`. 160 training and 40 validation rows, validation rows from a separate file, `test.csv` (40 rows).');
    expect(card).toContain('| epochs | 8 |');
    expect(card).toContain('| true \\ predicted | neg | pos |');
    const config = JSON.parse(readFileSync(path.join(work, 'tuned/config.json'), 'utf8')) as Record<string, unknown>;
    expect(config).toMatchObject({ architectures: ['BertForSequenceClassification'], id2label: { 0: 'neg', 1: 'pos' }, label2id: { neg: 0, pos: 1 } });
    const weights = readSafetensors(new Uint8Array(readFileSync(path.join(work, 'tuned/model.safetensors'))));
    expect(weights.metadata).toEqual({ format: 'pt' });
    expect(weights.tensors.get('classifier.weight')?.shape).toEqual([2, 32]);
    const state = JSON.parse(readFileSync(path.join(work, 'tuned/trainer_state.json'), 'utf8')) as { global_step: number; log_history: unknown[] };
    expect(state.global_step).toBe(80);

    const predict = await cli(['predict', '--model', 'tuned', '--data', 'test.csv', '--out', 'preds.jsonl']);
    expect(predict.code, predict.stderr).toBe(0);
    const preds = readFileSync(path.join(work, 'preds.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { label: string; score: number; logits: number[] });
    expect(preds).toHaveLength(40);
    expect(preds[0]!.logits).toHaveLength(2);
    const correct = preds.filter((p, i) => p.label === (i % 2 === 0 ? 'pos' : 'neg')).length;
    expect(correct / 40).toBeGreaterThanOrEqual(0.9);

    // The WASM backend (multi-threaded onnxruntime-web in Node) gives the same logits.
    const onWasm = await cli(['predict', '--model', 'tuned', '--data', 'test.csv', '--backend', 'wasm', '--out', 'preds-wasm.jsonl']);
    expect(onWasm.code, onWasm.stderr).toBe(0);
    const wasmPreds = readFileSync(path.join(work, 'preds-wasm.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { logits: number[] });
    const worst = Math.max(...wasmPreds.flatMap((p, i) => p.logits.map((x, k) => Math.abs(x - preds[i]!.logits[k]!))));
    expect(worst).toBeLessThan(1e-4);

    const evaluation = await cli(['eval', '--model', 'tuned', '--data', 'test.csv']);
    expect(evaluation.code, evaluation.stderr).toBe(0);
    const metrics = JSON.parse(evaluation.stdout) as { accuracy: number; macroF1: number; confusion: number[][]; perClass: unknown[] };
    expect(metrics.accuracy).toBeCloseTo(correct / 40, 10);
    expect(metrics.confusion.flat().reduce((a, b) => a + b, 0)).toBe(40);
    expect(metrics.perClass).toHaveLength(2);
  });

  it('writes the run as a transformers.Trainer project with --export-project', async () => {
    const run = await cli([
      'train', '--model', 'base', '--data', 'train.csv', '--validation-split', '0.25', '--epochs', '1', '--batch-size', '8', '--lr', '2e-3',
      '--warmup-ratio', '0.1', '--max-length', '24', '--seed', '7', '--config', 'hidden_dropout_prob=0', '--out', 'with-project', '--export-project', 'project',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const project = path.join(work, 'project');
    expect(readdirSync(project).sort()).toEqual(['README.md', 'autotrain.yml', 'data', 'requirements.txt', 'train.py']);
    // The very split the CLI trained on: recomputed here from the file with the same share and seed.
    const input = parseTable('train.csv', readFileSync(path.join(work, 'train.csv'), 'utf8')).rows.map((r) => ({ text: r.text!, label: r.label! }));
    const expected = stratifiedSplit(input, (e) => e.label, 0.25, 7);
    const shipped = (name: string) => parseTable(name, readFileSync(path.join(project, 'data', name), 'utf8')).rows.map((r) => ({ text: r.text, label: r.label }));
    expect(shipped('train.csv')).toEqual(expected.train);
    expect(shipped('validation.csv')).toEqual(expected.validation);
    const script = readFileSync(path.join(project, 'train.py'), 'utf8');
    for (const line of ['"learning_rate": 0.002,', '"warmup_ratio": 0.1,', '"per_device_train_batch_size": 8,', '"num_train_epochs": 1,', '"seed": 7,', 'MAX_LENGTH = 24', 'CONFIG_OVERRIDES = {"hidden_dropout_prob": 0}']) {
      expect(script).toContain(line);
    }
    expect(script).toContain(`MODEL = ${JSON.stringify(path.join(work, 'base'))}`);
    expect(run.stderr).toContain('wrote the training project project');
  });

  it('downloads the model from a Hub endpoint', async () => {
    const hub = await startHubServer({ repos: { 'studio/tiny-bert': path.join(work, 'base') } });
    try {
      const run = await cli(['train', '--model', 'studio/tiny-bert', '--data', 'train.csv', '--max-steps', '2', '--out', 'from-hub'], { HF_ENDPOINT: hub.url });
      expect(run.code, run.stderr).toBe(0);
      expect(hub.requests.some((r) => r.includes('/studio/tiny-bert/resolve/main/config.json'))).toBe(true);
      expect(existsSync(path.join(work, 'from-hub/model.safetensors'))).toBe(true);
    } finally {
      await hub.close();
    }
  });

  it('names the columns that exist when one is missing, and writes nothing', async () => {
    const run = await cli(['train', '--model', 'base', '--data', 'train.csv', '--label-column', 'sentiment', '--out', 'never']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/sentiment/);
    expect(run.stderr).toMatch(/text, label|"text", "label"|text.*label/);
    expect(existsSync(path.join(work, 'never'))).toBe(false);
  });

  it('names the line of a malformed row', async () => {
    const run = await cli(['train', '--model', 'base', '--data', 'bad-row.csv', '--out', 'never']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('bad-row.csv, line 3');
  });

  it('lists the supported architectures for an unsupported one', async () => {
    const gpt = path.join(work, 'gpt');
    mkdirSync(gpt, { recursive: true });
    writeFileSync(path.join(gpt, 'config.json'), JSON.stringify({ model_type: 'gpt2' }));
    writeFileSync(path.join(gpt, 'model.safetensors'), writeSafetensors([], { format: 'pt' }));
    writeFileSync(path.join(gpt, 'vocab.txt'), '[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n');
    const run = await cli(['train', '--model', 'gpt', '--data', 'train.csv', '--out', 'never']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/gpt2/);
    expect(run.stderr).toMatch(/bert.*roberta.*distilbert|distilbert.*bert/);
    expect(existsSync(path.join(work, 'never'))).toBe(false);
  });

  it('refuses to overwrite an existing output folder', async () => {
    mkdirSync(path.join(work, 'taken'), { recursive: true });
    const run = await cli(['train', '--model', 'base', '--data', 'train.csv', '--out', 'taken']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('already exists');
  });

  it('prints usage for a bad option with exit code 2', async () => {
    const run = await cli(['train', '--epochz', '3']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Usage: finetune-studio');
  });
});
