// Sanity tests for the PyTorch reference (torch_reference.py) that the engine's
// parity tests compare against. Needs Debian's /usr/bin/python3 with torch;
// skipped (with the reason) where that interpreter cannot import torch.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'torch_reference.py');
const NUM_LABELS = 3;
const LR = 1e-3;
const WEIGHT_DECAY = 0.01;

function torchUnavailableReason(): string | null {
  try {
    execFileSync(PYTHON, ['-c', 'import torch, numpy'], { stdio: 'pipe' });
    return null;
  } catch {
    return `${PYTHON} cannot import torch and numpy (install Debian's python3-torch)`;
  }
}

interface Tensor {
  shape: number[];
  data: Float32Array;
}

/** Minimal safetensors reader (F32 only, which is all torch_reference.py writes for floats). */
function readSafetensors(path: string): Map<string, Tensor> {
  const buf = readFileSync(path);
  const headerLen = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + headerLen).toString('utf8')) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >;
  const base = 8 + headerLen;
  const out = new Map<string, Tensor>();
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (info.dtype !== 'F32') throw new Error(`${name}: unexpected dtype ${info.dtype}`);
    const [begin, end] = info.data_offsets;
    const bytes = buf.subarray(base + begin, base + end);
    const copy = new Uint8Array(bytes.length);
    copy.set(bytes);
    out.set(name, { shape: info.shape, data: new Float32Array(copy.buffer) });
  }
  return out;
}

function get(map: Map<string, Tensor>, name: string): Tensor {
  const t = map.get(name);
  if (!t) throw new Error(`missing tensor ${name}`);
  return t;
}

function py(args: string[]): string {
  return execFileSync(PYTHON, [SCRIPT, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

const TINY_BERT_LIKE = {
  num_hidden_layers: 2,
  hidden_size: 32,
  num_attention_heads: 4,
  intermediate_size: 64,
  vocab_size: 100,
  max_position_embeddings: 64,
};

interface Case {
  modelType: string;
  config: Record<string, unknown>;
  padId: number;
  tokenTypes: boolean;
  expectedNames: string[];
}

const CASES: Case[] = [
  {
    modelType: 'bert',
    config: TINY_BERT_LIKE,
    padId: 0,
    tokenTypes: true,
    expectedNames: [
      'bert.embeddings.word_embeddings.weight',
      'bert.embeddings.token_type_embeddings.weight',
      'bert.encoder.layer.0.attention.self.query.weight',
      'bert.encoder.layer.1.output.LayerNorm.bias',
      'bert.pooler.dense.weight',
      'classifier.weight',
    ],
  },
  {
    modelType: 'roberta',
    config: TINY_BERT_LIKE,
    padId: 1,
    tokenTypes: false,
    expectedNames: [
      'roberta.embeddings.word_embeddings.weight',
      'roberta.encoder.layer.0.attention.self.key.bias',
      'classifier.dense.weight',
      'classifier.out_proj.weight',
    ],
  },
  {
    modelType: 'distilbert',
    config: { n_layers: 2, dim: 32, n_heads: 4, hidden_dim: 64, vocab_size: 100, max_position_embeddings: 64 },
    padId: 0,
    tokenTypes: false,
    expectedNames: [
      'distilbert.embeddings.word_embeddings.weight',
      'distilbert.transformer.layer.0.attention.q_lin.weight',
      'distilbert.transformer.layer.1.output_layer_norm.weight',
      'pre_classifier.weight',
      'classifier.weight',
    ],
  },
  {
    // embedding_size != hidden_size exercises electra.embeddings_project.
    modelType: 'electra',
    config: { ...TINY_BERT_LIKE, embedding_size: 16 },
    padId: 0,
    tokenTypes: true,
    expectedNames: [
      'electra.embeddings.word_embeddings.weight',
      'electra.embeddings_project.weight',
      'electra.encoder.layer.0.attention.output.dense.weight',
      'classifier.dense.weight',
      'classifier.out_proj.weight',
    ],
  },
];

const skipReason = torchUnavailableReason();

if (skipReason) {
  it.skip(`torch reference checks skipped: ${skipReason}`, () => {});
} else {
  describe('torch_reference.py', () => {
    const dir = mkdtempSync(join(tmpdir(), 'torch-reference-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    for (const c of CASES) {
      it(`${c.modelType}: init + step are sane and deterministic`, () => {
        const modelDir = join(dir, c.modelType);
        py([
          'init',
          '--model-type', c.modelType,
          '--config-json', JSON.stringify(c.config),
          '--num-labels', String(NUM_LABELS),
          '--seed', '0',
          '--out', modelDir,
        ]);
        const config = JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8'));
        expect(config.model_type).toBe(c.modelType);
        expect(config.pad_token_id).toBe(c.padId);
        expect(config.id2label).toEqual({ 0: 'LABEL_0', 1: 'LABEL_1', 2: 'LABEL_2' });
        const initial = readSafetensors(join(modelDir, 'model.safetensors'));
        for (const name of c.expectedNames) expect(initial.has(name), name).toBe(true);

        // 2x8 batch, second row right-padded (3 pad tokens, mask 0).
        const p = c.padId;
        const batch: Record<string, unknown> = {
          input_ids: [
            [2, 10, 11, 12, 13, 14, 15, 3],
            [2, 20, 21, 22, 3, p, p, p],
          ],
          attention_mask: [
            [1, 1, 1, 1, 1, 1, 1, 1],
            [1, 1, 1, 1, 1, 0, 0, 0],
          ],
          labels: [0, 2],
        };
        if (c.tokenTypes) {
          batch.token_type_ids = [
            [0, 0, 0, 0, 1, 1, 1, 1],
            [0, 0, 1, 1, 1, 0, 0, 0],
          ];
        }
        const batchPath = join(dir, `${c.modelType}.batch.json`);
        writeFileSync(batchPath, JSON.stringify(batch));
        const stepArgs = (out: string, extra: string[] = []) => [
          'step', '--model', modelDir, '--batch', batchPath, '--out', out,
          '--lr', String(LR), '--weight-decay', String(WEIGHT_DECAY), ...extra,
        ];
        const out1 = join(dir, `${c.modelType}.step1.safetensors`);
        const out2 = join(dir, `${c.modelType}.step2.safetensors`);
        py(stepArgs(out1));
        py(stepArgs(out2));
        expect(readFileSync(out1).equals(readFileSync(out2)), 'step is deterministic').toBe(true);

        const r = readSafetensors(out1);
        const logits = get(r, 'logits');
        expect(logits.shape).toEqual([2, NUM_LABELS]);
        const loss = get(r, 'loss').data[0]!;
        expect(Number.isFinite(loss)).toBe(true);
        expect(Math.abs(loss - Math.log(NUM_LABELS))).toBeLessThan(0.05);
        expect(get(r, 'lr').data[0]).toBeCloseTo(LR, 9);

        // Gradients: one per HF parameter, finite, global norm matches grad_norm.
        const gradNames = [...r.keys()].filter((k) => k.startsWith('grad.')).map((k) => k.slice(5));
        const paramNames = [...r.keys()].filter((k) => k.startsWith('param.')).map((k) => k.slice(6));
        expect(gradNames.sort()).toEqual([...initial.keys()].sort());
        expect(paramNames.sort()).toEqual([...initial.keys()].sort());
        let sq = 0;
        for (const name of gradNames) {
          for (const g of get(r, `grad.${name}`).data) {
            expect(Number.isFinite(g)).toBe(true);
            sq += g * g;
          }
        }
        const gradNorm = get(r, 'grad_norm').data[0]!;
        expect(gradNorm).toBeGreaterThan(0);
        expect(Math.abs(Math.sqrt(sq) - gradNorm) / gradNorm).toBeLessThan(1e-4);

        // nn.Embedding(padding_idx=pad_token_id): the pad row gets no gradient.
        const wordName = c.expectedNames[0]!;
        const word = get(r, `grad.${wordName}`);
        const dim = word.shape[1]!;
        expect(word.data.slice(p * dim, (p + 1) * dim).every((g) => g === 0)).toBe(true);

        // First AdamW step: |delta| = lr * |g| / (|g| + eps) (+ tiny decay) ~ lr where g != 0,
        // and only weight decay where g == 0.
        let moved = 0;
        for (const name of paramNames) {
          const before = get(initial, name).data;
          const after = get(r, `param.${name}`).data;
          const grad = get(r, `grad.${name}`).data;
          for (let i = 0; i < before.length; i++) {
            const delta = Math.abs(after[i]! - before[i]!);
            if (Math.abs(grad[i]!) > 1e-5) {
              expect(Math.abs(delta / LR - 1), `${name}[${i}]`).toBeLessThan(0.01);
              moved++;
            } else if (grad[i] === 0) {
              expect(delta, `${name}[${i}]`).toBeLessThanOrEqual(LR * WEIGHT_DECAY * Math.abs(before[i]!) + 1e-7);
            }
          }
        }
        expect(moved).toBeGreaterThan(1000);

        // Padding must not change a row's logits: run row 1 alone, unpadded.
        const single: Record<string, unknown> = {
          input_ids: [[2, 20, 21, 22, 3]],
          attention_mask: [[1, 1, 1, 1, 1]],
          labels: [2],
        };
        if (c.tokenTypes) single.token_type_ids = [[0, 0, 1, 1, 1]];
        const singlePath = join(dir, `${c.modelType}.single.json`);
        writeFileSync(singlePath, JSON.stringify(single));
        const outSingle = join(dir, `${c.modelType}.single.safetensors`);
        py(['step', '--model', modelDir, '--batch', singlePath, '--out', outSingle]);
        const singleLogits = get(readSafetensors(outSingle), 'logits').data;
        for (let j = 0; j < NUM_LABELS; j++) {
          expect(Math.abs(singleLogits[j]! - logits.data[NUM_LABELS + j]!)).toBeLessThan(1e-5);
        }

        // --dropout switches to train() mode: different logits, still finite.
        const outDrop = join(dir, `${c.modelType}.dropout.safetensors`);
        py([...stepArgs(outDrop), '--dropout', '--seed', '1']);
        const dropLogits = get(readSafetensors(outDrop), 'logits').data;
        expect(dropLogits.every(Number.isFinite)).toBe(true);
        expect(dropLogits.some((v, i) => v !== logits.data[i])).toBe(true);
      });
    }

    it('bench prints one JSON line', () => {
      const stdout = py([
        'bench', '--model-type', 'bert', '--preset', 'tiny', '--seq', '128', '--batch', '16', '--steps', '2', '--threads', '2',
      ]);
      const lines = stdout.trim().split('\n');
      expect(lines).toHaveLength(1);
      const result = JSON.parse(lines[0]!);
      expect(result.backend).toBe('pytorch-cpu');
      expect(result.preset).toBe('tiny');
      expect(result.seq).toBe(128);
      expect(result.batch).toBe(16);
      expect(result.step_ms_median).toBeGreaterThan(0);
      expect(result.samples_per_s).toBeGreaterThan(0);
      expect(result.peak_rss_mb).toBeGreaterThan(0);
    });
  });
}
