import { describe, expect, it } from 'vitest';
import { initialProgress, type TrainingCheckpoint } from './checkpoint.ts';
import { requireSameArchitecture, requireSameLabels, requireSameRows } from './checkpoint-match.ts';
import { dataFingerprint } from './data-fingerprint.ts';
import { defaultSettings } from './settings.ts';

const rows = (ids: number[][]) => ids.map((r, i) => ({ inputIds: Int32Array.from(r), tokenTypeIds: null, target: Int32Array.of(i % 2) }));
const trained = rows([[2, 5, 3], [2, 6, 7, 3], [2, 9, 3]]);

const checkpoint: TrainingCheckpoint = {
  modelConfig: { model_type: 'bert', hidden_size: 16, num_hidden_layers: 1, vocab_size: 40 },
  labels: ['neg', 'pos'],
  settings: defaultSettings,
  progress: { ...initialProgress, step: 4 },
  dataOrder: [2, 0, 1],
  history: { steps: [], evals: [] },
  params: new Map(),
  paramShapes: new Map(),
  moments: null,
  dataFingerprint: dataFingerprint(trained),
};

describe('a checkpoint belongs to a run', () => {
  it('names the config entries where the model differs', () => {
    expect(() => requireSameArchitecture(checkpoint, { name: 'other', configJson: { ...checkpoint.modelConfig, hidden_size: 32, num_hidden_layers: 2 } }, 'run.safetensors', 'load the model it started from')).toThrow(
      'run.safetensors was trained from another model than other (hidden_size 16 vs 32, num_hidden_layers 1 vs 2); load the model it started from',
    );
    expect(() => requireSameArchitecture(checkpoint, { name: 'same', configJson: { ...checkpoint.modelConfig, id2label: {} } }, 'x', '')).not.toThrow();
  });

  it('names the labels the data and the classifier do not share', () => {
    expect(() => requireSameLabels({ ...checkpoint, labels: ['neg', 'neutral', 'pos'] }, ['neg', 'pos'], '--resume run', 'Start a new run.')).toThrow(
      '--resume run holds a classifier for 3 labels [neg, neutral, pos] and the data has 2 [neg, pos]: it knows "neutral", which the data lacks. Start a new run.',
    );
    expect(() => requireSameLabels(checkpoint, ['neg', 'pos', 'spam'], '--resume run', '')).toThrow(/the data has "spam", which it does not know/);
  });

  it('refuses other rows, even as many of them', () => {
    const changed = rows([[2, 5, 3], [2, 6, 7, 3], [2, 10, 3]]);
    expect(dataFingerprint(changed)).not.toBe(checkpoint.dataFingerprint);
    expect(() => requireSameRows(checkpoint, dataFingerprint(changed), 3, 'x', 'Give the same data.')).toThrow('x comes from a run that trained on other rows: as many rows (3), but not the same ones. Give the same data.');
    expect(() => requireSameRows(checkpoint, dataFingerprint(trained.slice(0, 2)), 2, 'x', '')).toThrow('x comes from a run that trained on other rows: 3 training rows, and this data gives 2.');
    expect(() => requireSameRows(checkpoint, dataFingerprint(trained), 3, 'x', '')).not.toThrow();
    // Files from before fingerprints: the data order's length is all there is to compare.
    const older = { ...checkpoint, dataFingerprint: undefined };
    expect(() => requireSameRows(older, dataFingerprint(changed), 3, 'x', '')).not.toThrow();
    expect(() => requireSameRows(older, dataFingerprint(changed), 5, 'x', '')).toThrow(/3 training rows, and this data gives 5/);
  });
});
