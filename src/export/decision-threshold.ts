/**
 * The multi-label decision threshold an exported folder carries: the probability from which a
 * label counts as predicted, as config.json's `multi_label_threshold`. transformers keeps a
 * config.json key it does not know as an attribute (`model.config.multi_label_threshold`), and so
 * does transformers.js; `finetune-studio predict` and `eval` read it as their default.
 */
import { modelEvaluation } from '../engine/best-model.ts';
import type { TrainingCheckpoint } from '../engine/checkpoint.ts';
import { DEFAULT_THRESHOLD } from '../engine/multi-label-metrics.ts';
import { taskOfModelConfig } from '../engine/tasks/index.ts';

export const THRESHOLD_CONFIG_KEY = 'multi_label_threshold';

const isProbability = (x: unknown): x is number => typeof x === 'number' && x > 0 && x < 1;

/**
 * The config to save: a multi-label model's with `threshold`; any other's without the key, which a
 * multi-label folder fine-tuned again for another task would otherwise pass on.
 */
export function withDecisionThreshold(modelConfig: Readonly<Record<string, unknown>>, threshold: number): Record<string, unknown> {
  const rest = { ...modelConfig };
  delete rest[THRESHOLD_CONFIG_KEY];
  if (taskOfModelConfig(modelConfig).id !== 'multi-label') return rest;
  if (!isProbability(threshold)) throw new Error(`the multi-label threshold is a probability between 0 and 1 (not included), got ${threshold}`);
  return { ...rest, [THRESHOLD_CONFIG_KEY]: threshold };
}

/** The threshold a folder's config.json stores, or 0.5 for a folder without one; `source` names the folder in the error. */
export function storedDecisionThreshold(source: string, configJson: Readonly<Record<string, unknown>>): number {
  const stored = configJson[THRESHOLD_CONFIG_KEY];
  if (stored === undefined) return DEFAULT_THRESHOLD;
  if (!isProbability(stored)) throw new Error(`${source}/config.json: ${THRESHOLD_CONFIG_KEY} must be a probability between 0 and 1 (not included), got ${JSON.stringify(stored)}`);
  return stored;
}

/**
 * The threshold with the best micro-F1 on the validation rows at the evaluation of the exported
 * weights (the model card's), which `train` exports; null for a run without validation rows.
 */
export function validationTunedThreshold(c: TrainingCheckpoint): { readonly threshold: number; readonly microF1: number } | null {
  const metrics = modelEvaluation(c)?.metrics;
  return metrics?.task === 'multi-label' && metrics.examples > 0 ? metrics.tuned : null;
}
