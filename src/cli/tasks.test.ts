// Multi-label (GoEmotions) and regression (STS-B) through the CLI as a user runs it: the task
// guessed from the labels, training, config.json, predict, eval, the model card and train.py.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTable } from '../data/parse.ts';
import { readSafetensors } from '../engine/weights/safetensors.ts';
import { BASE_VOCAB, runCli, writeBaseModel } from './cli-fixtures.ts';

const SHARED = path.resolve(import.meta.dirname, '../../../shared/data');
const missing = ['goemotions', 'stsb'].find((name) => !existsSync(path.join(SHARED, name, 'train.csv')));
const PYTHON = '/usr/bin/python3';

const work = mkdtempSync(path.join(tmpdir(), 'cli-tasks-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const cli = (args: string[]) => runCli(work, args);

/** The first `rows` rows of a shared file, as a CSV of its own (the shared data is only read). */
function subset(from: string, to: string, rows: number): string[] {
  const text = readFileSync(path.join(SHARED, from), 'utf8');
  const table = parseTable(from, text);
  const quote = (cell: string) => (/[",\n\r]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell);
  const lines = table.rows.slice(0, rows).map((row) => table.columns.map((c) => quote(row[c] ?? '')).join(','));
  writeFileSync(path.join(work, to), `${table.columns.join(',')}\n${lines.join('\n')}\n`);
  return table.rows.slice(0, rows).flatMap((row) => table.columns.map((c) => row[c] ?? ''));
}

/** The most frequent lowercase words of the cells, so the tiny model's WordPiece vocabulary covers the text. */
function vocabularyOf(cells: readonly string[], size: number): string[] {
  const counts = new Map<string, number>();
  for (const word of cells.join(' ').toLowerCase().match(/[a-z]+/g) ?? []) counts.set(word, (counts.get(word) ?? 0) + 1);
  const known = new Set(BASE_VOCAB);
  return [...BASE_VOCAB, ...[...counts].sort((a, b) => b[1] - a[1]).map(([w]) => w).filter((w) => !known.has(w)).slice(0, size)];
}

const readJson = (file: string) => JSON.parse(readFileSync(path.join(work, file), 'utf8')) as Record<string, unknown>;
const jsonLines = (file: string) => readFileSync(path.join(work, file), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

beforeAll(() => {
  if (missing) return;
  const cells = [
    ...subset('goemotions/train.csv', 'go-train.csv', 240),
    ...subset('goemotions/validation.csv', 'go-validation.csv', 60),
    ...subset('stsb/train.csv', 'sts-train.csv', 240),
    ...subset('stsb/validation.csv', 'sts-validation.csv', 60),
  ];
  writeBaseModel(path.join(work, 'base'), { vocab: vocabularyOf(cells, 400) });
});

describe.skipIf(missing !== undefined)(`CLI tasks${missing ? ` (skipped: ../shared/data/${missing} is absent)` : ''}`, () => {
  it('trains GoEmotions as multi-label (guessed from a;b cells), predicts every label’s probability and evaluates at a threshold', { timeout: 240_000 }, async () => {
    const train = await cli(['train', '--model', 'base', '--data', 'go-train.csv', '--validation', 'go-validation.csv', '--label-column', 'labels', '--epochs', '2', '--batch-size', '16', '--lr', '3e-3', '--max-length', '32', '--out', 'go', '--export-project', 'go-project']);
    expect(train.code, train.stderr).toBe(0);
    expect(train.stderr).toContain('task: multi-label (guessed: some rows have several labels');
    expect(train.stderr).toMatch(/eval @ epoch 2\.00 \(step 30\): train loss [\d.]+ \| val loss [\d.]+ \| micro-F1 [\d.]+ \| macro-F1 [\d.]+ \| subset accuracy/);
    // The int8 model is measured by the task's headline metric, not by argmax accuracy.
    expect(train.stderr).toMatch(/model_quantized\.onnx: .* Micro F1 on 60 validation rows/);
    const config = readJson('go/config.json');
    expect(config).toMatchObject({ architectures: ['BertForSequenceClassification'], problem_type: 'multi_label_classification' });
    const labels = Object.values(config.id2label as Record<string, string>);
    expect(labels).toContain('neutral');
    expect(labels).toContain('approval');
    const state = readJson('go/trainer_state.json') as { log_history: Record<string, number>[] };
    expect(Object.keys(state.log_history.find((e) => 'eval_loss' in e)!).sort()).toEqual(['epoch', 'eval_accuracy', 'eval_f1', 'eval_loss', 'eval_macro_f1', 'step', 'train_loss']);
    const card = readFileSync(path.join(work, 'go/README.md'), 'utf8');
    expect(card).toContain('name: Micro F1');
    expect(card).toContain('for multi-label classification into');
    const script = readFileSync(path.join(work, 'go-project/train.py'), 'utf8');
    expect(script).toContain('cell.split(";")');
    expect(script).toContain('"problem_type": "multi_label_classification"');
    if (existsSync(PYTHON)) execFileSync(PYTHON, ['-m', 'py_compile', path.join(work, 'go-project/train.py')]);

    const predict = await cli(['predict', '--model', 'go', '--data', 'go-validation.csv', '--out', 'go-preds.jsonl', '--threshold', '0.2']);
    expect(predict.code, predict.stderr).toBe(0);
    const preds = jsonLines('go-preds.jsonl') as { labels: string[]; probabilities: Record<string, number>; logits: number[] }[];
    expect(preds).toHaveLength(60);
    expect(Object.keys(preds[0]!.probabilities)).toEqual(labels);
    expect(preds.every((p) => p.labels.every((l) => p.probabilities[l]! >= 0.2) && labels.every((l) => p.labels.includes(l) || p.probabilities[l]! < 0.2))).toBe(true);

    const evaluation = await cli(['eval', '--model', 'go', '--data', 'go-validation.csv', '--label-column', 'labels', '--threshold', '0.3']);
    expect(evaluation.code, evaluation.stderr).toBe(0);
    const metrics = JSON.parse(evaluation.stdout) as Record<string, unknown>;
    expect(metrics).toMatchObject({ task: 'multi-label', threshold: 0.3, examples: 60 });
    expect(Object.keys(metrics).sort()).toEqual(['examples', 'loss', 'macroF1', 'microF1', 'microPrecision', 'microRecall', 'perLabel', 'subsetAccuracy', 'task', 'threshold', 'tuned']);
    expect((metrics.perLabel as unknown[]).length).toBe(labels.length);
  });

  it('trains STS-B pairs as regression (guessed from decimal scores), predicts a score per row and evaluates Pearson and Spearman', { timeout: 240_000 }, async () => {
    const train = await cli(['train', '--model', 'base', '--data', 'sts-train.csv', '--validation', 'sts-validation.csv', '--text-column', 'sentence1', '--text-pair-column', 'sentence2', '--label-column', 'score', '--epochs', '2', '--batch-size', '16', '--lr', '3e-3', '--max-length', '48', '--out', 'sts', '--export-project', 'sts-project']);
    expect(train.code, train.stderr).toBe(0);
    expect(train.stderr).toContain('task: regression (guessed: every label is a number and some have decimals');
    expect(train.stderr).toContain('a score per row');
    expect(train.stderr).toMatch(/model_quantized\.onnx: .* Pearson on 60 validation rows/);
    expect(train.stderr).toMatch(/val loss [\d.]+ \| Pearson -?[\d.]+ \| Spearman -?[\d.]+ \| MSE [\d.]+/);
    expect(readJson('sts/config.json')).toMatchObject({ problem_type: 'regression', id2label: { 0: 'LABEL_0' }, label2id: { LABEL_0: 0 } });
    expect(readSafetensors(new Uint8Array(readFileSync(path.join(work, 'sts/model.safetensors')))).tensors.get('classifier.weight')?.shape).toEqual([1, 32]);
    const card = readFileSync(path.join(work, 'sts/README.md'), 'utf8');
    expect(card).toContain('type: pearsonr');
    expect(card).toContain('for regression: one score per text');
    const script = readFileSync(path.join(work, 'sts-project/train.py'), 'utf8');
    expect(script).toContain('"pearson": float(np.corrcoef(predictions, labels)[0, 1])');
    if (existsSync(PYTHON)) execFileSync(PYTHON, ['-m', 'py_compile', path.join(work, 'sts-project/train.py')]);

    const predict = await cli(['predict', '--model', 'sts', '--data', 'sts-validation.csv', '--text-column', 'sentence1', '--text-pair-column', 'sentence2', '--out', 'sts-preds.jsonl']);
    expect(predict.code, predict.stderr).toBe(0);
    const preds = jsonLines('sts-preds.jsonl') as { score: number; logits: number[] }[];
    expect(preds).toHaveLength(60);
    expect(preds.every((p) => p.logits.length === 1 && p.score === p.logits[0])).toBe(true);

    const evaluation = await cli(['eval', '--model', 'sts', '--data', 'sts-validation.csv', '--text-column', 'sentence1', '--text-pair-column', 'sentence2', '--label-column', 'score']);
    expect(evaluation.code, evaluation.stderr).toBe(0);
    const metrics = JSON.parse(evaluation.stdout) as Record<string, number>;
    expect(Object.keys(metrics).sort()).toEqual(['examples', 'loss', 'mse', 'pearson', 'spearman', 'task']);
    expect(metrics.examples).toBe(60);
    expect(Number.isFinite(metrics.pearson)).toBe(true);
  });

  it('refuses a --task its labels do not fit, naming the row', async () => {
    const run = await cli(['train', '--model', 'base', '--data', 'go-train.csv', '--label-column', 'labels', '--task', 'regression', '--out', 'never']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('go-train.csv: Row 1 has the score "neutral", which is not a number');
  });
});
