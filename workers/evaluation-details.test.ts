import { describe, expect, it } from 'vitest';
import type { TokenizedExample } from '../src/engine/batching.ts';
import { multiLabel } from '../src/engine/tasks/multi-label.ts';
import { regression } from '../src/engine/tasks/regression.ts';
import { singleLabel } from '../src/engine/tasks/single-label.ts';
import { tokenClassification } from '../src/engine/tasks/token-classification.ts';
import { IGNORED_LABEL } from '../src/tokenize/word-labels.ts';
import { evaluationDetails, SCATTER_POINTS, WORST_ROWS, worstRows } from './evaluation-details.ts';

const row = (target: Int32Array | Float32Array, tokens = 3): TokenizedExample => ({ inputIds: new Int32Array(tokens), tokenTypeIds: null, target });

describe('worstRows', () => {
  it('lists the confident mistakes first', () => {
    const logits = Float32Array.of(3, 0, 0, 1, 0.2, 0, 0, 5);
    const worst = worstRows(logits, [1, 1, 1, 1], ['a', 'b'], ['w', 'x', 'y', 'z']);
    expect(worst.map((w) => w.text)).toEqual(['w', 'y']);
    expect(worst[0]).toMatchObject({ truth: 'b', predicted: 'a' });
    expect(worst[0]!.confidence).toBeCloseTo(Math.exp(3) / (Math.exp(3) + 1));
  });

  it('are what the single-label details list', () => {
    const split = { task: singleLabel, logits: Float32Array.of(3, 0, 0, 1), rows: [row(Int32Array.of(1)), row(Int32Array.of(1))], labels: ['a', 'b'], texts: ['w', 'x'] };
    expect(evaluationDetails(split, {})).toEqual({ task: 'single-label', worst: worstRows(split.logits, [1, 1], split.labels, split.texts) });
  });
});

describe('evaluationDetails', () => {
  it('lists multi-label rows whose label set is wrong at the threshold, the surest first', () => {
    const labels = ['joy', 'love', 'anger'];
    const rows = [row(Float32Array.of(1, 1, 0)), row(Float32Array.of(1, 0, 0)), row(Float32Array.of(0, 0, 1))];
    // Row 0 misses "love" (0.4); row 1 is right; row 2 says joy (0.95) for anger.
    const logits = Float32Array.of(2, Math.log(0.4 / 0.6), -3, 2, -2, -3, 3, -3, -1);
    const split = { task: multiLabel, logits, rows, labels, texts: ['a', 'b', 'c'] };
    const details = evaluationDetails(split, { threshold: 0.5 });
    if (details.task !== 'multi-label') throw new Error(details.task);
    expect(details.worst.map((w) => [w.text, w.truth, w.predicted])).toEqual([
      ['c', ['anger'], ['joy']],
      ['a', ['joy', 'love'], ['joy']],
    ]);
    // At 0.3 row 0 gets "love" too, and only row 2 is wrong.
    const lower = evaluationDetails(split, { threshold: 0.3 });
    expect(lower.task === 'multi-label' && lower.worst.map((w) => w.text)).toEqual(['c']);
  });

  it('lists the largest regression errors with their texts and plots every row, sampling a large set evenly', () => {
    const rows = [row(Float32Array.of(1)), row(Float32Array.of(4)), row(Float32Array.of(2.5))];
    const details = evaluationDetails({ task: regression, logits: Float32Array.of(1.5, 2, 2.5), rows, labels: ['LABEL_0'], texts: ['a', 'b', 'c'] }, {});
    if (details.task !== 'regression') throw new Error(details.task);
    expect(details.worst).toEqual([
      { index: 1, text: 'b', truth: 4, predicted: 2 },
      { index: 0, text: 'a', truth: 1, predicted: 1.5 },
      { index: 2, text: 'c', truth: 2.5, predicted: 2.5 },
    ]);
    expect(details.points).toEqual([
      { index: 0, truth: 1, predicted: 1.5 },
      { index: 1, truth: 4, predicted: 2 },
      { index: 2, truth: 2.5, predicted: 2.5 },
    ]);

    const many = 2 * SCATTER_POINTS + 1;
    const big = evaluationDetails({ task: regression, logits: new Float32Array(many), rows: Array.from({ length: many }, () => row(Float32Array.of(1))), labels: ['LABEL_0'], texts: [] }, {});
    expect(big.task === 'regression' && big.points.length).toBe(SCATTER_POINTS);
    expect(big.task === 'regression' && big.worst.length).toBe(WORST_ROWS);
  });

  it('lists the sentences with the most wrongly tagged words, each word read at its first token', () => {
    const labels = ['O', 'B-PER', 'I-PER'];
    const x = IGNORED_LABEL;
    // [CLS] Ada Love lace met [SEP]: "Lovelace" is two tokens, tagged on the first.
    const first = row(Int32Array.of(x, 1, 2, x, 0, x), 6);
    const second = row(Int32Array.of(x, 1, x), 3);
    const third = row(Int32Array.of(x, 0, x), 3);
    const onehot = (id: number) => [0, 1, 2].map((i) => (i === id ? 5 : 0));
    const logits = Float32Array.from([...[0, 1, 0, 2, 1, 0].flatMap(onehot), ...[0, 0, 0].flatMap(onehot), ...[0, 0, 0].flatMap(onehot)]);
    const texts = ['Ada Lovelace met', '[Grace]', 'ok'];
    const details = evaluationDetails({ task: tokenClassification, logits, rows: [first, second, third], labels, texts }, {});
    if (details.task !== 'token-classification') throw new Error(details.task);
    expect(details.worst).toEqual([
      { index: 0, words: ['Ada', 'Lovelace', 'met'], truth: ['B-PER', 'I-PER', 'O'], predicted: ['B-PER', 'O', 'B-PER'], wrongWords: 2 },
      { index: 1, words: ['[Grace]'], truth: ['B-PER'], predicted: ['O'], wrongWords: 1 },
    ]);
  });
});
