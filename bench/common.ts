/** Shared by the bench scripts: the BERT presets and the random full-length batches. */
import type { TokenizedExample } from '../src/engine/batching.ts';
import type { TrainingCheckpoint } from '../src/engine/checkpoint.ts';
import { startingPoint } from '../src/engine/pretrained.ts';
import { Rng } from '../src/engine/random.ts';
import { defaultSettings, type TrainingSettings } from '../src/engine/settings.ts';

export interface Preset {
  readonly layers: number;
  readonly hidden: number;
  readonly heads: number;
  /** Timed and warm-up steps (onnxruntime-node and PyTorch; PyTorch's script always warms up 2). */
  readonly steps: number;
  readonly warmup: number;
  /** WASM is ~4× slower here: fewer steps keep the whole bench near 20 minutes on 2 cores. */
  readonly wasmSteps: number;
  readonly wasmWarmup: number;
}

export const presets: Record<string, Preset> = {
  tiny: { layers: 2, hidden: 128, heads: 2, steps: 8, warmup: 3, wasmSteps: 5, wasmWarmup: 2 },
  mini: { layers: 4, hidden: 256, heads: 4, steps: 6, warmup: 2, wasmSteps: 3, wasmWarmup: 1 },
  small: { layers: 4, hidden: 512, heads: 8, steps: 5, warmup: 1, wasmSteps: 2, wasmWarmup: 1 },
  base: { layers: 12, hidden: 768, heads: 12, steps: 3, warmup: 1, wasmSteps: 1, wasmWarmup: 1 },
};

/** BertConfig for a preset: intermediate 4×hidden, vocab 30522, 512 positions, dropout 0.1 (BertConfig defaults). */
export function presetConfigJson(name: string): Record<string, unknown> {
  const p = presets[name];
  if (!p) throw new Error(`unknown preset ${name}; known: ${Object.keys(presets).join(', ')}`);
  return {
    model_type: 'bert',
    num_hidden_layers: p.layers,
    hidden_size: p.hidden,
    num_attention_heads: p.heads,
    intermediate_size: 4 * p.hidden,
    vocab_size: 30522,
    max_position_embeddings: 512,
    hidden_dropout_prob: 0.1,
    attention_probs_dropout_prob: 0.1,
  };
}

/** Full-length rows of random ids (1 … vocab−1), one label each: every batch pads to exactly `seq`. */
export function randomRows(count: number, seq: number, vocab: number, seed: number): TokenizedExample[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => ({
    inputIds: Int32Array.from({ length: seq }, () => 1 + Math.floor(rng.nextFloat() * (vocab - 1))),
    tokenTypeIds: null,
    target: Int32Array.of(rng.nextFloat() < 0.5 ? 0 : 1),
  }));
}


/**
 * What a measurement trains: a random-init preset at batch × seq and `updates` full batches of
 * random rows, one epoch with no validation rows, so the run ends after its last update.
 */
/** `method`: the fine-tune method's settings (LoRA's r and targets), a full fine-tune by default. */
export function benchRun(
  preset: string,
  batch: number,
  seq: number,
  updates: number,
  method: Pick<TrainingSettings, 'method'> & Partial<TrainingSettings> = { method: 'full' },
): { checkpoint: TrainingCheckpoint; rows: TokenizedExample[] } {
  const settings: TrainingSettings = { ...defaultSettings, epochs: 1, batchSize: batch, maxLength: seq, maxSteps: 0, warmupRatio: 0, ...method };
  const { checkpoint } = startingPoint({ name: `bench-${preset}`, configJson: presetConfigJson(preset), weights: new Map() }, ['LABEL_0', 'LABEL_1'], settings);
  return { checkpoint, rows: randomRows(updates * batch, seq, 30522, 1) };
}
