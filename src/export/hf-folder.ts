/**
 * The Hugging Face folder a fine-tune produces, as `save_pretrained` and `Trainer` write
 * it: config.json, model.safetensors, the tokenizer files and trainer_state.json. Returned
 * as name → bytes so the CLI can write it to disk and the studio can zip it.
 */
import { taskOfMetrics } from '../engine/tasks/index.ts';
import { replayEvaluations } from '../engine/best-model.ts';
import type { TrainingCheckpoint } from '../engine/checkpoint.ts';
import { writeSafetensors } from '../engine/weights/safetensors.ts';
import { withDecisionThreshold } from './decision-threshold.ts';
import { configJsonText, savePretrainedConfig } from './hf-config.ts';
import { checkpointPlan, mergedWeights, peftAdapterFiles } from './lora-export.ts';
import { pythonJsonDumps } from './python-json.ts';

export { TRANSFORMERS_VERSION } from './hf-config.ts';

export interface TokenizerFileSet {
  readonly tokenizerJson: Record<string, unknown>;
  readonly tokenizerConfig: Record<string, unknown>;
  readonly specialTokensMap: Record<string, unknown>;
  readonly vocabTxt?: string;
  readonly vocabJson?: Record<string, number>;
  readonly mergesTxt?: string;
}

const encoder = new TextEncoder();

/**
 * json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n", as the tokenizer's
 * save_pretrained writes tokenizer_config.json, special_tokens_map.json and vocab.json.
 */
export function pythonStyleJson(value: unknown, sortKeys = true): string {
  return `${pythonJsonDumps(value, { sortKeys, ensureAscii: false })}\n`;
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
      ...Object.fromEntries(Object.entries(taskOfMetrics(e.metrics).trainerMetrics(e.metrics)).map(([name, value]) => [`eval_${name}`, value])),
      eval_loss: e.metrics.loss,
      step: e.step,
      ...(e.trainLoss === null ? {} : { train_loss: e.trainLoss }),
    });
  }
  logHistory.sort((a, b) => (a.step as number) - (b.step as number));
  const lastStep = c.history.steps.at(-1);
  const best = replayEvaluations(c.history.evals, c.settings);
  return {
    // Trainer's TrainerState keeps these whether or not the best model is loaded at the end.
    best_metric: best.bestMetric,
    best_global_step: best.bestStep,
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

/**
 * The folder's files. A LoRA run's model.safetensors holds the merged weights, and its adapters
 * go into a PEFT folder beside them (lora-export.ts) for `baseModel`, the Hub id or path it was trained from.
 * A multi-label model's config.json carries `threshold` (decision-threshold.ts); other tasks ignore it.
 */
export function huggingFaceFolder(c: TrainingCheckpoint, tokenizer: TokenizerFileSet, baseModel: string, threshold: number): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const plan = checkpointPlan(c);
  const json = (name: string, value: unknown, sortKeys = true) => files.set(name, encoder.encode(pythonStyleJson(value, sortKeys)));
  files.set('config.json', encoder.encode(configJsonText(savePretrainedConfig(withDecisionThreshold(c.modelConfig, threshold)))));
  // safe_save_file(state_dict, metadata={"format": "pt"}): the parameters under their HF names. A
  // *ForSequenceClassification ties no weights, and its position_ids/token_type_ids buffers are
  // non-persistent, so the state dict is exactly the parameters.
  files.set(
    'model.safetensors',
    writeSafetensors([...mergedWeights(c, plan)].map(([name, data]) => [name, { shape: [...(c.paramShapes.get(name) ?? [data.length])], data }]), { format: 'pt' }),
  );
  if (plan.adapters.length > 0) for (const [name, bytes] of peftAdapterFiles(c, plan, baseModel)) files.set(name, bytes);
  json('tokenizer.json', tokenizer.tokenizerJson, false);
  json('tokenizer_config.json', tokenizer.tokenizerConfig);
  json('special_tokens_map.json', tokenizer.specialTokensMap);
  if (tokenizer.vocabTxt !== undefined) files.set('vocab.txt', encoder.encode(tokenizer.vocabTxt));
  if (tokenizer.vocabJson !== undefined) json('vocab.json', tokenizer.vocabJson);
  if (tokenizer.mergesTxt !== undefined) files.set('merges.txt', encoder.encode(tokenizer.mergesTxt));
  // Trainer.save_state: json.dumps(asdict(state), indent=2, sort_keys=True) + "\n", ASCII-escaped.
  files.set('trainer_state.json', encoder.encode(`${pythonJsonDumps(trainerState(c))}\n`));
  return files;
}
