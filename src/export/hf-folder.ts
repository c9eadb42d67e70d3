/**
 * The Hugging Face folder a fine-tune produces, as `save_pretrained` and `Trainer` write
 * it: config.json, model.safetensors, the tokenizer files and trainer_state.json. Returned
 * as name → bytes so the CLI can write it to disk and the studio can zip it.
 */
import type { TrainingCheckpoint } from '../engine/checkpoint.ts';
import { writeSafetensors } from '../engine/weights/safetensors.ts';

export interface TokenizerFileSet {
  readonly tokenizerJson: Record<string, unknown>;
  readonly tokenizerConfig: Record<string, unknown>;
  readonly specialTokensMap: Record<string, unknown>;
  readonly vocabTxt?: string;
  readonly vocabJson?: Record<string, number>;
  readonly mergesTxt?: string;
}

/** The transformers release whose save_pretrained output this folder mirrors. */
export const TRANSFORMERS_VERSION = '4.57.1';

const encoder = new TextEncoder();

/** json.dumps(obj, indent=2, sort_keys=True) + "\n", as PretrainedConfig.to_json_file writes it. */
export function pythonStyleJson(value: unknown, sortKeys = true): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (v && typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>);
      if (sortKeys) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return Object.fromEntries(entries.map(([k, x]) => [k, sorted(x)]));
    }
    return v;
  };
  return `${JSON.stringify(sorted(value), null, 2)}\n`;
}

export function exportConfigJson(modelConfig: Record<string, unknown>): Record<string, unknown> {
  return { ...modelConfig, torch_dtype: 'float32', transformers_version: TRANSFORMERS_VERSION };
}

/** trainer_state.json in Trainer's layout: one log_history entry per step and per evaluation. */
export function trainerState(c: TrainingCheckpoint): Record<string, unknown> {
  const logHistory: Record<string, unknown>[] = [];
  for (const s of c.history.steps) {
    logHistory.push({ epoch: s.epoch, grad_norm: s.gradNorm, learning_rate: s.learningRate, loss: s.loss, step: s.step });
  }
  for (const e of c.history.evals) {
    logHistory.push({
      epoch: e.epoch,
      eval_accuracy: e.metrics.accuracy,
      eval_f1: e.metrics.macroF1,
      eval_loss: e.metrics.loss,
      step: e.step,
      ...(e.trainLoss === null ? {} : { train_loss: e.trainLoss }),
    });
  }
  logHistory.sort((a, b) => (a.step as number) - (b.step as number));
  const lastStep = c.history.steps.at(-1);
  return {
    epoch: lastStep?.epoch ?? 0,
    global_step: c.progress.step,
    log_history: logHistory,
    logging_steps: 1,
    num_train_epochs: c.settings.epochs,
    max_steps: c.settings.maxSteps,
    seed: c.settings.seed,
    train_batch_size: c.settings.batchSize,
  };
}

export function huggingFaceFolder(c: TrainingCheckpoint, tokenizer: TokenizerFileSet): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const json = (name: string, value: unknown, sortKeys = true) => files.set(name, encoder.encode(pythonStyleJson(value, sortKeys)));
  json('config.json', exportConfigJson(c.modelConfig));
  files.set(
    'model.safetensors',
    writeSafetensors([...c.params].map(([name, data]) => [name, { shape: [...(c.paramShapes.get(name) ?? [data.length])], data }]), { format: 'pt' }),
  );
  json('tokenizer.json', tokenizer.tokenizerJson, false);
  json('tokenizer_config.json', tokenizer.tokenizerConfig);
  json('special_tokens_map.json', tokenizer.specialTokensMap);
  if (tokenizer.vocabTxt !== undefined) files.set('vocab.txt', encoder.encode(tokenizer.vocabTxt));
  if (tokenizer.vocabJson !== undefined) json('vocab.json', tokenizer.vocabJson, false);
  if (tokenizer.mergesTxt !== undefined) files.set('merges.txt', encoder.encode(tokenizer.mergesTxt));
  json('trainer_state.json', trainerState(c));
  return files;
}
