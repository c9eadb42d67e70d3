/**
 * What the one-step parity tests share: small configs of every family, rows of different
 * lengths, the engine's own starting point written as a Hugging Face folder, and one
 * torch_reference.py `step` on it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TokenizedExample } from '../batching.ts';
import { type StartingPoint, startingPoint } from '../pretrained.ts';
import type { TrainingSettings } from '../settings.ts';
import type { AnyTask } from '../tasks/index.ts';
import { singleLabel } from '../tasks/single-label.ts';
import type { Target } from '../tasks/task.ts';
import { readSafetensors, writeSafetensors, type NamedTensor } from '../weights/safetensors.ts';

export const PYTHON = '/usr/bin/python3';
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'torch_reference.py');

export function torchUnavailable(): string | null {
  try {
    execFileSync(PYTHON, ['-c', 'import torch, numpy'], { stdio: 'pipe' });
    return null;
  } catch {
    return `${PYTHON} cannot import torch (install Debian's python3-torch)`;
  }
}

const common = { vocab_size: 120, hidden_size: 32, num_attention_heads: 4, intermediate_size: 64, initializer_range: 0.05 };
export const architectures: Record<string, Record<string, unknown>> = {
  bert: { model_type: 'bert', ...common, num_hidden_layers: 2, max_position_embeddings: 64, type_vocab_size: 2 },
  roberta: { model_type: 'roberta', ...common, num_hidden_layers: 2, max_position_embeddings: 66, type_vocab_size: 1, pad_token_id: 1, bos_token_id: 0, eos_token_id: 2 },
  distilbert: { model_type: 'distilbert', vocab_size: 120, dim: 32, n_heads: 4, n_layers: 2, hidden_dim: 64, max_position_embeddings: 64, initializer_range: 0.05 },
  electra: { model_type: 'electra', ...common, embedding_size: 16, num_hidden_layers: 2, max_position_embeddings: 64, type_vocab_size: 2 },
};
export const noDropout = { hidden_dropout_prob: 0, attention_probs_dropout_prob: 0, dropout: 0, attention_dropout: 0, seq_classif_dropout: 0 };

export const hasTokenTypes = (architecture: string) => architecture === 'bert' || architecture === 'electra';

/** Rows of different lengths, so padding and the attention mask are exercised; row r's target is `target(r)`. */
export const ROW_LENGTHS = [9, 4, 12, 7, 12, 3];

export function rows(padId: number, withTypes: boolean, target: (r: number) => Target): TokenizedExample[] {
  return ROW_LENGTHS.map((len, r) => {
    const ids = Int32Array.from({ length: len }, (_, i) => (i === 0 ? 5 : 6 + ((r * 31 + i * 17) % 110)));
    if (ids.includes(padId)) throw new Error('test rows must not contain the pad id');
    const types = withTypes ? Int32Array.from({ length: len }, (_, i) => (i >= len / 2 ? 1 : 0)) : null;
    return { inputIds: ids, tokenTypeIds: types, target: target(r) };
  });
}

/** The reference's [batch, longest, K] token logits without the padding, as Predictor.logits gives them. */
export function unpadded(logits: Float32Array, data: readonly TokenizedExample[], k: number): Float32Array {
  const longest = Math.max(...data.map((r) => r.inputIds.length));
  return Float32Array.from(data.flatMap((r, b) => Array.from(logits.subarray(b * longest * k, (b * longest + r.inputIds.length) * k))));
}

export function relativeError(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < a.length; i++) {
    diff += (a[i]! - b[i]!) ** 2;
    norm += b[i]! ** 2;
  }
  return norm === 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
}

export const namedTensors = (params: ReadonlyMap<string, Float32Array>, shapes: ReadonlyMap<string, readonly number[]>): [string, NamedTensor][] =>
  [...params].map(([n, data]) => [n, { shape: [...shapes.get(n)!], data }]);

/**
 * A random-init model of `architecture` written by the engine's own safetensors writer into
 * `folder` (config.json + model.safetensors), then read back through the loading path users take.
 */
export function engineFolder(folder: string, architecture: string, labels: readonly string[], settings: TrainingSettings, task: AnyTask = singleLabel): StartingPoint {
  const init = startingPoint({ name: architecture, configJson: architectures[architecture]!, weights: new Map() }, labels, settings, noDropout, task);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'config.json'), JSON.stringify(init.checkpoint.modelConfig));
  const base = new Map([...init.checkpoint.params].filter(([n]) => !n.includes('.lora_')));
  writeFileSync(join(folder, 'model.safetensors'), writeSafetensors(namedTensors(base, init.checkpoint.paramShapes), { format: 'pt' }));
  const weights = readSafetensors(new Uint8Array(readFileSync(join(folder, 'model.safetensors')))).tensors;
  const configJson = JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8')) as Record<string, unknown>;
  return startingPoint({ name: architecture, configJson, weights }, labels, settings, {}, task);
}

/** The batch file torch_reference.py reads, with every row unpadded. */
export function writeBatch(path: string, data: readonly TokenizedExample[], withTypes: boolean, task: AnyTask = singleLabel): void {
  const batchJson = {
    input_ids: data.map((r) => [...r.inputIds]),
    attention_mask: data.map((r) => [...r.inputIds].map(() => 1)),
    ...(withTypes ? { token_type_ids: data.map((r) => [...r.tokenTypeIds!]) } : {}),
    labels: data.map((r) => (task.target.per === 'row' ? r.target[0] : Array.from(r.target))),
  };
  writeFileSync(path, JSON.stringify(batchJson));
}

export interface TorchStepResult {
  /** A tensor of the dump (`logits`, `loss`, `grad_norm`, `grad.<param>`, `param.<param>`); throws when absent. */
  tensor(key: string): Float32Array;
  /** The parameters that got a gradient: those with requires_grad. */
  readonly trained: readonly string[];
}

/** One reference step on `folder` with `flags`. */
export function torchStep(folder: string, batchPath: string, outPath: string, flags: readonly string[]): TorchStepResult {
  execFileSync(PYTHON, [SCRIPT, 'step', '--model', folder, '--batch', batchPath, '--out', outPath, ...flags], { stdio: 'pipe' });
  const reference = readSafetensors(new Uint8Array(readFileSync(outPath))).tensors;
  return {
    tensor(key: string) {
      const t = reference.get(key);
      if (!t) throw new Error(`reference has no ${key}`);
      return t.data;
    },
    trained: [...reference.keys()].filter((k) => k.startsWith('grad.')).map((k) => k.slice('grad.'.length)),
  };
}
