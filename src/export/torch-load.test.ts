// The exported Hugging Face folder, read the way Python reads it: the PyTorch reference
// (src/engine/parity/torch_reference.py, plain torch with transformers' module names) builds the
// model from config.json and loads model.safetensors by HF name with load_state_dict(strict=True),
// with no renaming table anywhere, and must give the logits the engine gives, within 1e-4. A LoRA
// run's folder holds the merged weights: it loads as the plain model and gives the logits the
// engine gives with its adapters unmerged.
import { singleLabel } from '../engine/tasks/single-label.ts';
import { tokenClassification } from '../engine/tasks/token-classification.ts';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import type { TokenizedExample } from '../engine/batching.ts';
import { parseModelConfig } from '../engine/models/config.ts';
import { startingPoint } from '../engine/pretrained.ts';
import { Predictor } from '../engine/predictor.ts';
import { defaultSettings, type TrainingSettings } from '../engine/settings.ts';
import { Trainer } from '../engine/trainer.ts';
import { readSafetensors } from '../engine/weights/safetensors.ts';
import { completeTokenizerFiles } from '../tokenize/tokenizer-files.ts';
import { huggingFaceFolder } from './hf-folder.ts';
import { checkpointPlan } from './lora-export.ts';

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../engine/parity/torch_reference.py');
const LABELS = ['negative', 'neutral', 'positive'];
const TOLERANCE = 1e-4;

function torchUnavailable(): string | null {
  try {
    execFileSync(PYTHON, ['-c', 'import torch, numpy'], { stdio: 'pipe' });
    return null;
  } catch {
    return `${PYTHON} cannot import torch and numpy (install Debian's python3-torch)`;
  }
}
const skipReason = torchUnavailable();

const vocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...Array.from({ length: 43 }, (_, i) => `w${i}`)];
const common = { vocab_size: vocab.length, hidden_size: 32, num_attention_heads: 4, intermediate_size: 64, num_hidden_layers: 2, initializer_range: 0.05 };
const architectures: Record<string, Record<string, unknown>> = {
  bert: { model_type: 'bert', ...common, max_position_embeddings: 40, type_vocab_size: 2 },
  roberta: { model_type: 'roberta', ...common, max_position_embeddings: 42, type_vocab_size: 1, pad_token_id: 1, bos_token_id: 0, eos_token_id: 2 },
  distilbert: { model_type: 'distilbert', vocab_size: vocab.length, dim: 32, n_heads: 4, n_layers: 2, hidden_dim: 64, max_position_embeddings: 40, initializer_range: 0.05 },
  electra: { model_type: 'electra', ...common, embedding_size: 16, max_position_embeddings: 40, type_vocab_size: 2 },
};

/** Rows of different lengths, so padding, the attention mask and RoBERTa's position ids all matter. */
function rows(count: number, padId: number, withTypes: boolean, salt: number): TokenizedExample[] {
  return Array.from({ length: count }, (_, r) => {
    const length = 3 + ((r * 7 + salt) % 14);
    const ids = Int32Array.from({ length }, (_, i) => (i === 0 ? 2 : 5 + ((r * 13 + i * 5 + salt) % 43)));
    if (ids.includes(padId)) throw new Error('test rows must not contain the pad id');
    const types = withTypes ? Int32Array.from({ length }, (_, i) => (i >= length / 2 ? 1 : 0)) : null;
    return { inputIds: ids, tokenTypeIds: types, target: Int32Array.of(r % LABELS.length) };
  });
}

const scratch = mkdtempSync(path.join(tmpdir(), 'torch-load-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.skipIf(skipReason !== null)(`PyTorch loads the exported folder by HF names${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  const runs = [
    ...Object.keys(architectures).map((name) => ({ name, method: {} })),
    ...['bert', 'roberta', 'distilbert'].map((name) => ({ name, method: { method: 'lora', loraR: 4, loraAlpha: 16 } as const })),
  ];
  for (const { name, method } of runs) {
    const baseConfig = architectures[name]!;
    const label = `${name}${'method' in method ? ' with LoRA (merged)' : ''}`;
    it(`${label}: trained a few steps, exported, reloaded in torch: the same logits within ${TOLERANCE}`, async () => {
      const settings: TrainingSettings = { ...defaultSettings, epochs: 1, batchSize: 4, learningRate: 2e-3, maxLength: 32, seed: 3, ...method };
      const start = startingPoint({ name, configJson: baseConfig, weights: new Map() }, LABELS, settings).checkpoint;
      const config = parseModelConfig(start.modelConfig);
      const withTypes = config.typeVocabSize > 1;
      const backend = { name: 'cpu' as const, ort };
      const trainer = await Trainer.create({ backend, checkpoint: start, train: rows(12, config.padTokenId, withTypes, 1), validation: [], onEvent: () => {} });
      await trainer.train();
      const trained = await trainer.snapshot();
      await trainer.release();
      expect(trained.progress.step).toBe(3);
      const moved = [...trained.params].some(([n, p]) => p.some((x, i) => x !== start.params.get(n)![i]));
      expect(moved).toBe(true);

      const folder = path.join(scratch, label.replace(/\W+/g, '-'));
      const tokenizer = completeTokenizerFiles({ vocabTxt: vocab.join('\n') }, baseConfig);
      for (const [file, bytes] of huggingFaceFolder(trained, tokenizer, name, 0.5)) {
        mkdirSync(path.dirname(path.join(folder, file)), { recursive: true });
        writeFileSync(path.join(folder, file), bytes);
      }

      const plan = checkpointPlan(trained);
      for (const adapter of plan.adapters) {
        // The adapters trained, so merging them changed the base weights the folder holds.
        const merged = readSafetensors(new Uint8Array(readFileSync(path.join(folder, 'model.safetensors')))).tensors.get(`${adapter.module}.weight`)!.data;
        expect(merged.some((x, i) => x !== trained.params.get(`${adapter.module}.weight`)![i]), `${adapter.module} merged`).toBe(true);
      }

      const batch = rows(9, config.padTokenId, withTypes, 5);
      writeFileSync(
        path.join(folder, 'batch.json'),
        JSON.stringify({
          input_ids: batch.map((r) => [...r.inputIds]),
          attention_mask: batch.map((r) => r.inputIds.map(() => 1)).map((m) => [...m]),
          ...(withTypes ? { token_type_ids: batch.map((r) => [...r.tokenTypeIds!]) } : {}),
        }),
      );
      const outPath = path.join(folder, 'torch-logits.json');
      execFileSync(PYTHON, [SCRIPT, 'logits', '--model', folder, '--batch', path.join(folder, 'batch.json'), '--out', outPath], { stdio: 'pipe' });
      const reference = JSON.parse(readFileSync(outPath, 'utf8')) as { logits: number[][]; id2label: Record<string, string> };
      expect(reference.id2label).toEqual({ 0: 'negative', 1: 'neutral', 2: 'positive' });

      const predictor = await Predictor.create(backend, config, LABELS.length, singleLabel, plan.adapters);
      const ours = await predictor.logits(batch, predictor.upload(trained.params, trained.paramShapes), { maxLength: 32, batchSize: 4 });
      await predictor.release();
      const theirs = reference.logits.flat();
      expect(theirs).toHaveLength(ours.length);
      const worst = Math.max(...theirs.map((x, i) => Math.abs(x - ours[i]!)));
      console.log(JSON.stringify({ architecture: label, rows: batch.length, logits_max_abs_diff: worst }));
      expect(worst).toBeLessThanOrEqual(TOLERANCE);
    });
  }
});

const TAGS = ['O', 'B-PER', 'I-PER'];

describe.skipIf(skipReason !== null)(`PyTorch loads an exported token classifier by HF names${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  for (const name of ['bert', 'roberta']) {
    it(`${name}ForTokenClassification: trained a few steps, exported, reloaded in torch: the same per-token logits within ${TOLERANCE}`, async () => {
      const baseConfig = architectures[name]!;
      const settings: TrainingSettings = { ...defaultSettings, epochs: 1, batchSize: 4, learningRate: 2e-3, maxLength: 32, seed: 3 };
      const start = startingPoint({ name, configJson: baseConfig, weights: new Map() }, TAGS, settings, {}, tokenClassification).checkpoint;
      const config = parseModelConfig(start.modelConfig);
      const withTypes = config.typeVocabSize > 1;
      // A tag on every token but the first, as if each piece were a word.
      const tagged = (count: number, salt: number) =>
        rows(count, config.padTokenId, withTypes, salt).map((r) => ({ ...r, target: Int32Array.from(r.inputIds, (id, i) => (i === 0 ? -100 : id % TAGS.length)) }));
      const backend = { name: 'cpu' as const, ort };
      const trainer = await Trainer.create({ backend, checkpoint: start, train: tagged(12, 1), validation: [], onEvent: () => {} });
      await trainer.train();
      const trained = await trainer.snapshot();
      await trainer.release();

      const folder = path.join(scratch, `${name}-token-classification`);
      for (const [file, bytes] of huggingFaceFolder(trained, completeTokenizerFiles({ vocabTxt: vocab.join('\n') }, baseConfig), name, 0.5)) {
        mkdirSync(path.dirname(path.join(folder, file)), { recursive: true });
        writeFileSync(path.join(folder, file), bytes);
      }
      const batch = tagged(9, 5);
      writeFileSync(
        path.join(folder, 'batch.json'),
        JSON.stringify({
          input_ids: batch.map((r) => [...r.inputIds]),
          attention_mask: batch.map((r) => [...r.inputIds.map(() => 1)]),
          ...(withTypes ? { token_type_ids: batch.map((r) => [...r.tokenTypeIds!]) } : {}),
        }),
      );
      const outPath = path.join(folder, 'torch-logits.json');
      execFileSync(PYTHON, [SCRIPT, 'logits', '--model', folder, '--batch', path.join(folder, 'batch.json'), '--out', outPath], { stdio: 'pipe' });
      const reference = JSON.parse(readFileSync(outPath, 'utf8')) as { logits: number[][][]; id2label: Record<string, string> };
      expect(reference.id2label).toEqual({ 0: 'O', 1: 'B-PER', 2: 'I-PER' });

      const predictor = await Predictor.create(backend, config, TAGS.length, tokenClassification);
      const ours = await predictor.logits(batch, predictor.upload(trained.params, trained.paramShapes), { maxLength: 32, batchSize: 4 });
      await predictor.release();
      // The reference pads every row to the longest; the engine gives each row's own tokens.
      const theirs = batch.flatMap((r, b) => reference.logits[b]!.slice(0, r.inputIds.length).flat());
      expect(theirs).toHaveLength(ours.length);
      const worst = Math.max(...theirs.map((x, i) => Math.abs(x - ours[i]!)));
      console.log(JSON.stringify({ architecture: `${name} token-classification`, rows: batch.length, logits_max_abs_diff: worst }));
      expect(worst).toBeLessThanOrEqual(TOLERANCE);
    });
  }
});
