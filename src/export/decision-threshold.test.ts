import { describe, expect, it } from 'vitest';
import type { EvalRecord } from '../engine/checkpoint.ts';
import { multiLabelMetrics } from '../engine/multi-label-metrics.ts';
import { startingPoint } from '../engine/pretrained.ts';
import { defaultSettings } from '../engine/settings.ts';
import { taskById } from '../engine/tasks/index.ts';
import { storedDecisionThreshold, validationTunedThreshold, withDecisionThreshold } from './decision-threshold.ts';

const configJson = { model_type: 'bert', vocab_size: 12, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 16, max_position_embeddings: 16 };
const start = (task: 'multi-label' | 'single-label') => startingPoint({ name: 'tiny', configJson, weights: new Map() }, ['a', 'b'], defaultSettings, {}, taskById(task)).checkpoint;

/** An evaluation of two rows (true labels: a, then b) scored at 0.5. */
function evaluated(step: number, logits: number[]): EvalRecord {
  return { step, epoch: step, trainLoss: 0.5, metrics: { task: 'multi-label', ...multiLabelMetrics(Float32Array.from(logits), [1, 0, 0, 1], ['a', 'b']) } };
}

describe('withDecisionThreshold', () => {
  it('adds the threshold to a multi-label config and drops a stale one from any other', () => {
    const multi = start('multi-label').modelConfig;
    expect(withDecisionThreshold(multi, 0.35)).toEqual({ ...multi, multi_label_threshold: 0.35 });
    expect(withDecisionThreshold({ ...multi, multi_label_threshold: 0.7 }, 0.35).multi_label_threshold).toBe(0.35);
    const single = start('single-label').modelConfig;
    expect(withDecisionThreshold(single, 0.35)).toEqual(single);
    expect(withDecisionThreshold({ ...single, multi_label_threshold: 0.7 }, 0.35)).toEqual(single);
    expect(() => withDecisionThreshold(multi, 1)).toThrow('the multi-label threshold is a probability between 0 and 1 (not included), got 1');
  });
});

describe('storedDecisionThreshold', () => {
  it('reads the folder’s threshold, 0.5 without one, and names the folder when it is not a probability', () => {
    expect(storedDecisionThreshold('tags', { multi_label_threshold: 0.35 })).toBe(0.35);
    expect(storedDecisionThreshold('tags', {})).toBe(0.5);
    expect(() => storedDecisionThreshold('tags', { multi_label_threshold: '0.3' })).toThrow('tags/config.json: multi_label_threshold must be a probability between 0 and 1 (not included), got "0.3"');
    expect(() => storedDecisionThreshold('tags', { multi_label_threshold: 0 })).toThrow(/got 0$/);
  });
});

describe('validationTunedThreshold', () => {
  it('is the best micro-F1 threshold of the evaluation of the exported weights, null without one', () => {
    const c = start('multi-label');
    expect(validationTunedThreshold(c)).toBeNull();
    const early = evaluated(1, [-2, 2, 2, -2]);
    const last = evaluated(2, [2, -1, 0.1, -3]);
    expect(last.metrics.task === 'multi-label' && last.metrics.tuned.threshold).toBe(0.55);
    expect(validationTunedThreshold({ ...c, history: { steps: [], evals: [early, last] } })).toEqual({ threshold: 0.55, microF1: 2 / 3 });
    // With load_best_model_at_end the exported weights are the best evaluation's (the lower loss), not the last's.
    const best = { ...c, settings: { ...c.settings, loadBestModelAtEnd: true, metricForBestModel: 'loss' as const }, progress: { ...c.progress, finished: true } };
    const worse = evaluated(3, [-2, 2, 2, -2]);
    expect(validationTunedThreshold({ ...best, history: { steps: [], evals: [last, worse] } })?.threshold).toBe(0.55);
    expect(validationTunedThreshold({ ...c, history: { steps: [], evals: [last, worse] } })?.threshold).toBe(0.05);
  });
});
