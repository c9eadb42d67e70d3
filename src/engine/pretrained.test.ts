import { describe, expect, it } from 'vitest';
import { tinyConfigs } from './models/test-support.ts';
import { startingPoint } from './pretrained.ts';
import { defaultSettings } from './settings.ts';
import type { NamedTensor } from './weights/safetensors.ts';

/** A model fine-tuned for `labels` and saved: its config.json and its tensors by name. */
function fineTuned(labels: string[]) {
  const start = startingPoint({ name: 'base', configJson: tinyConfigs.bert, weights: new Map() }, labels, defaultSettings);
  const weights = new Map<string, NamedTensor>([...start.checkpoint.params].map(([n, data]) => [n, { shape: [...start.checkpoint.paramShapes.get(n)!], data }]));
  return { name: 'sentiment-model', configJson: start.checkpoint.modelConfig, weights };
}

describe('a fine-tuned checkpoint as the starting point', () => {
  it('keeps the head when the data has the same label names, its outputs matched by name', () => {
    const source = fineTuned(['pos', 'neg', 'neutral']);
    const start = startingPoint(source, ['neg', 'neutral', 'pos'], defaultSettings);
    const old = source.weights.get('classifier.weight')!.data;
    const kept = start.checkpoint.params.get('classifier.weight')!;
    const width = old.length / 3;
    // New id 0 (neg) was old id 1, new 1 (neutral) old 2, new 2 (pos) old 0.
    expect(Array.from(kept.subarray(0, width))).toEqual(Array.from(old.subarray(width, 2 * width)));
    expect(Array.from(kept.subarray(2 * width))).toEqual(Array.from(old.subarray(0, width)));
    expect(Array.from(start.checkpoint.params.get('classifier.bias')!)).toEqual([1, 2, 0].map((k) => source.weights.get('classifier.bias')!.data[k]!));
    expect(start.report.missingKeys).toEqual([]);
    expect(start.headNote).toBe("sentiment-model was fine-tuned for these 3 labels (pos, neg, neutral): its classification head is kept, its outputs matched to the data's labels by name.");
    expect(start.message).toContain(start.headNote!);
  });

  it('starts a new head for other labels, naming the old and the new ones', () => {
    const source = fineTuned(['negative', 'neutral', 'positive']);
    const start = startingPoint(source, ['neg', 'pos'], defaultSettings);
    expect(start.report.missingKeys).toEqual(['classifier.bias', 'classifier.weight']);
    expect(start.checkpoint.params.get('bert.pooler.dense.weight')).toEqual(source.weights.get('bert.pooler.dense.weight')!.data);
    expect(start.headNote).toBe(
      'sentiment-model was fine-tuned for 3 labels (negative, neutral, positive), and this data has 2 labels (neg, pos): ' +
        'a new classification head is trained for them, as from_pretrained(..., ignore_mismatched_sizes=True) does.',
    );
  });

  it('says nothing for the same labels in the same order, or a base model without labels', () => {
    expect(startingPoint(fineTuned(['neg', 'pos']), ['neg', 'pos'], defaultSettings).headNote).toBeNull();
    expect(startingPoint({ name: 'base', configJson: tinyConfigs.bert, weights: new Map() }, ['neg', 'pos'], defaultSettings).headNote).toBeNull();
  });
});
