// What a user does with a folder `finetune-studio train --out` wrote: load it in transformers.js
// offline, and run both ONNX files in onnxruntime-node. The models are small ones trained from
// scratch on SST-2 with the real bert-base-uncased and roberta-base tokenizers; a LoRA run on top
// of the BERT one exports its adapters merged into the weights, which transformers.js loads as a
// plain model.
import { singleLabel } from '../engine/tasks/single-label.ts';
import { defaultLabelOptions } from '../engine/tasks/task.ts';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommand } from '../cli/args.ts';
import { readExamples } from '../cli/dataset-files.ts';
import { labelsFromConfig, runPredict } from '../cli/inference.ts';
import { runTrain } from '../cli/train.ts';
import { parseTable } from '../data/parse.ts';
import { startingPoint } from '../engine/pretrained.ts';
import { defaultSettings } from '../engine/settings.ts';
import { writeSafetensors } from '../engine/weights/safetensors.ts';
import { createTokenizer } from '../tokenize/tokenizer.ts';
import { tokenizeExamples } from '../tokenize/tokenize-examples.ts';
import { ADAPTER_FOLDER } from './lora-export.ts';
import { describeQuantization, FP32_MODEL_FILE, measureQuantization, QUANTIZED_MODEL_FILE } from './quantize.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shared = path.resolve(repo, '../shared');
const sst2 = path.join(shared, 'data/sst2/train.csv');
const tokenizers = path.join(shared, 'tokenizers');
const skip = [sst2, path.join(tokenizers, 'bert-base-uncased/tokenizer.json'), path.join(tokenizers, 'roberta-base/merges.txt')].every(existsSync)
  ? null
  : `needs ${shared}/data/sst2 and tokenizers/{bert-base-uncased,roberta-base}`;

const TRAIN_ROWS = 2000;
const VALIDATION_ROWS = 1000;
const COMPARED_ROWS = 50;
/** SST-2 sentences are short: few rows are cut at 32 tokens, and batches stay in the smallest buckets. */
const MAX_LENGTH = 32;
const labelNames = ['negative', 'positive'];

/** From scratch and small, to train in CI; the real vocabularies keep the embedding tables at full size. */
const architectures = {
  bert: {
    tokenizer: 'bert-base-uncased',
    tokenizerFiles: ['tokenizer.json', 'vocab.txt'],
    config: { model_type: 'bert', vocab_size: 30522, hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 64, max_position_embeddings: 128, type_vocab_size: 2 },
  },
  roberta: {
    tokenizer: 'roberta-base',
    tokenizerFiles: ['vocab.json', 'merges.txt'],
    config: {
      model_type: 'roberta',
      vocab_size: 50265,
      hidden_size: 32,
      num_hidden_layers: 2,
      num_attention_heads: 2,
      intermediate_size: 64,
      max_position_embeddings: 130,
      type_vocab_size: 1,
      pad_token_id: 1,
      bos_token_id: 0,
      eos_token_id: 2,
      layer_norm_eps: 1e-5,
    },
  },
} as const;
type Architecture = keyof typeof architectures;

const work = mkdtempSync(path.join(tmpdir(), 'onnx-exports-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const csvCell = (text: string) => `"${text.replace(/"/g, '""')}"`;
function writeCsv(file: string, rows: readonly { text: string; label: string }[]): void {
  writeFileSync(file, `text,label\n${rows.map((r) => `${csvCell(r.text)},${r.label}`).join('\n')}\n`);
}

/** A base checkpoint as a Hub repo has it: config.json, model.safetensors (no head) and the tokenizer files. */
function writeBaseModel(arch: Architecture): string {
  const folder = path.join(work, `base-${arch}`);
  mkdirSync(folder, { recursive: true });
  const { config, tokenizer, tokenizerFiles } = architectures[arch];
  const init = startingPoint({ name: arch, configJson: config, weights: new Map() }, labelNames, defaultSettings).checkpoint;
  const base = [...init.params].filter(([n]) => n.startsWith(`${arch}.`));
  writeFileSync(path.join(folder, 'model.safetensors'), writeSafetensors(base.map(([n, data]) => [n, { shape: [...init.paramShapes.get(n)!], data }]), { format: 'pt' }));
  writeFileSync(path.join(folder, 'config.json'), JSON.stringify(config));
  for (const file of tokenizerFiles) copyFileSync(path.join(tokenizers, tokenizer, file), path.join(folder, file));
  return folder;
}

interface Prediction {
  readonly label: string;
  readonly score: number;
}

const trained = new Map<Architecture, { folder: string; log: string[] }>();
/** The BERT run's folder, fine-tuned again with LoRA (r 8, alpha 16 on query and value) on the same rows. */
const LORA_FOLDER = path.join(work, 'tuned-bert-lora');

async function train(args: readonly string[], out: string): Promise<string[]> {
  const log: string[] = [];
  const data = ['--data', path.join(work, 'train.csv'), '--validation', path.join(work, 'validation.csv')];
  const command = parseCommand(['train', ...args, ...data, '--epochs', '2', '--batch-size', '32', '--lr', '3e-3', '--max-length', String(MAX_LENGTH), '--out', out]);
  if (command.command !== 'train') throw new Error('expected a train command');
  await runTrain(command, (line) => log.push(line));
  return log;
}

beforeAll(async () => {
  if (skip) return;
  const table = parseTable('train.csv', readFileSync(sst2, 'utf8'));
  const rows = table.rows.map((r) => ({ text: r.text ?? '', label: labelNames[Number(r.label)]! }));
  writeCsv(path.join(work, 'train.csv'), rows.slice(0, TRAIN_ROWS));
  writeCsv(path.join(work, 'validation.csv'), rows.slice(TRAIN_ROWS, TRAIN_ROWS + VALIDATION_ROWS));
  writeCsv(path.join(work, 'compare.csv'), rows.slice(TRAIN_ROWS + VALIDATION_ROWS, TRAIN_ROWS + VALIDATION_ROWS + COMPARED_ROWS));
  for (const arch of Object.keys(architectures) as Architecture[]) {
    const out = path.join(work, `tuned-${arch}`);
    trained.set(arch, { folder: out, log: await train(['--model', writeBaseModel(arch)], out) });
  }
  await train(['--model', trained.get('bert')!.folder, '--method', 'lora', '--lora-r', '8', '--lora-alpha', '16'], LORA_FOLDER);
}, 600_000);

async function predictWithCli(folder: string): Promise<Prediction[]> {
  const lines: string[] = [];
  const command = parseCommand(['predict', '--model', folder, '--data', path.join(work, 'compare.csv')]);
  if (command.command !== 'predict') throw new Error('expected a predict command');
  await runPredict(command, (line) => lines.push(line), () => undefined);
  return lines.map((l) => JSON.parse(l) as Prediction);
}

/** The pipeline a user writes, offline, and the model files it loaded. */
async function classifyInTransformersJs(folder: string, options: { dtype?: 'q8' } = {}): Promise<{ predictions: Prediction[]; loaded: string[] }> {
  const { env, pipeline } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = `${work}/`;
  const loaded: string[] = [];
  const classify = await pipeline('text-classification', path.basename(folder), {
    ...options,
    progress_callback: (p) => {
      if (p.status === 'done') loaded.push(p.file);
    },
  });
  const texts = parseTable('compare.csv', readFileSync(path.join(work, 'compare.csv'), 'utf8')).rows.map((r) => r.text ?? '');
  const predictions = (await classify(texts)) as Prediction[];
  await classify.dispose();
  return { predictions, loaded };
}

/** transformers.js's fp32 pipeline gives the CLI's label and score on every compared row; the CLI's answers come back. */
async function expectPipelineAgreesWithCli(folder: string): Promise<Prediction[]> {
  const expected = await predictWithCli(folder);
  expect(expected).toHaveLength(COMPARED_ROWS);
  const { predictions, loaded } = await classifyInTransformersJs(folder);
  expect(loaded).toContain(FP32_MODEL_FILE);
  expect(predictions).toHaveLength(COMPARED_ROWS);
  predictions.forEach((p, i) => {
    expect(p.label, `row ${i}`).toBe(expected[i]!.label);
    expect(Math.abs(p.score - expected[i]!.score), `row ${i}`).toBeLessThan(1e-4);
  });
  // Both labels occur, so agreeing on them is not agreeing on a constant.
  expect(new Set(expected.map((p) => p.label)).size).toBe(2);
  return expected;
}

describe.skipIf(skip !== null)(`exported folders load in transformers.js and onnxruntime-node${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it.each(Object.keys(architectures) as Architecture[])('%s: pipeline("text-classification") offline equals finetune-studio predict on 50 rows within 1e-4', async (arch) => {
    await expectPipelineAgreesWithCli(trained.get(arch)!.folder);
  });

  it('bert with LoRA: the merged export in pipeline("text-classification") offline equals finetune-studio predict on 50 rows within 1e-4', async () => {
    // The run was LoRA: peft's adapter folder sits beside the merged model.
    expect(existsSync(path.join(LORA_FOLDER, ADAPTER_FOLDER, 'adapter_model.safetensors'))).toBe(true);
    const expected = await expectPipelineAgreesWithCli(LORA_FOLDER);
    // The adapters changed the model: its answers are not the base run's.
    const base = await predictWithCli(trained.get('bert')!.folder);
    expect(Math.max(...base.map((p, i) => Math.abs(p.score - expected[i]!.score)))).toBeGreaterThan(1e-3);
  });

  it.each(Object.keys(architectures) as Architecture[])('%s: dtype q8 makes transformers.js load onnx/model_quantized.onnx, whose answers are close', async (arch) => {
    const { folder } = trained.get(arch)!;
    const expected = await predictWithCli(folder);
    const { predictions, loaded } = await classifyInTransformersJs(folder, { dtype: 'q8' });
    expect(loaded).toContain(QUANTIZED_MODEL_FILE);
    expect(loaded).not.toContain(FP32_MODEL_FILE);
    const agree = predictions.filter((p, i) => p.label === expected[i]!.label).length;
    expect(agree).toBeGreaterThanOrEqual(COMPARED_ROWS - 2);
    const worst = Math.max(...predictions.map((p, i) => (p.label === expected[i]!.label ? Math.abs(p.score - expected[i]!.score) : 0)));
    // Not equal (the int8 weights change the logits), but close.
    expect(worst).toBeGreaterThan(0);
    expect(worst).toBeLessThan(0.05);
  });

  it.each(Object.keys(architectures) as Architecture[])('%s: onnxruntime-node runs both files; int8 is under 35% of the size and within 2 points of accuracy', async (arch) => {
    const { folder, log } = trained.get(arch)!;
    const fp32 = new Uint8Array(readFileSync(path.join(folder, FP32_MODEL_FILE)));
    const int8 = new Uint8Array(readFileSync(path.join(folder, QUANTIZED_MODEL_FILE)));
    for (const bytes of [fp32, int8]) {
      const session = await ort.InferenceSession.create(bytes);
      // RoBERTa's one-row token-type table still takes token_type_ids, as its HF module does.
      expect(session.inputNames).toEqual(['input_ids', 'attention_mask', 'token_type_ids']);
      expect(session.outputNames).toEqual(['logits']);
      await session.release();
    }
    const json = (name: string) => JSON.parse(readFileSync(path.join(folder, name), 'utf8')) as Record<string, unknown>;
    const configJson = json('config.json');
    const tokenizer = await createTokenizer({ tokenizerJson: json('tokenizer.json'), tokenizerConfig: json('tokenizer_config.json'), specialTokensMap: json('special_tokens_map.json') });
    const { examples } = await readExamples(path.join(work, 'validation.csv'), '--data', { textColumn: 'text', textPairColumn: null, labelColumn: 'label', labelOptions: defaultLabelOptions, tagNames: null }, 'validation', singleLabel);
    const labels = labelsFromConfig(folder, configJson);
    const { rows } = tokenizeExamples(tokenizer, examples, { task: singleLabel, labels, options: defaultLabelOptions, file: 'validation.csv' }, MAX_LENGTH);
    const report = await measureQuantization({ backend: { name: 'cpu', ort }, fp32, int8, rows, task: singleLabel, labels, padTokenId: Number(configJson.pad_token_id) });
    console.log(`${arch}: ${describeQuantization(report)}`);
    expect(report).toMatchObject({ rows: VALIDATION_ROWS, fp32Bytes: fp32.byteLength, int8Bytes: int8.byteLength });
    // `train --out` measured the same rows and said so.
    expect(log).toContain(describeQuantization(report));
    expect(report.int8Bytes / report.fp32Bytes).toBeLessThan(0.35);
    // The model learnt something, so a change in accuracy would show.
    expect(report.metric).toBe('Accuracy');
    expect(report.fp32Score).toBeGreaterThan(0.6);
    expect(Math.abs(report.int8Score - report.fp32Score)).toBeLessThanOrEqual(0.02);
  });
});
