import { describe, expect, it } from 'vitest';
import { inspectRows } from './inspect-rows.ts';

describe('inspectRows', () => {
  // 5 rows, 3 labels; row i's logits put the model's guess where the comment says.
  const evaluated = {
    logits: Float32Array.of(
      3, 0, 0, // truth 0, predicted 0, sure
      0, 2, 0, // truth 0, predicted 1
      0, 4, 0, // truth 0, predicted 1, surer: the worse mistake
      0, 0, 1, // truth 2, predicted 2, unsure
      0, 0, 5, // truth 1, predicted 2
    ),
    truth: [0, 0, 0, 2, 1],
    labels: ['a', 'b', 'c'],
    texts: ['r0', 'r1', 'r2', 'r3', 'r4'],
  };

  it('lists a confusion-matrix cell’s rows, hardest first, with every label’s probability', () => {
    const { rows, total } = inspectRows(evaluated, { truth: 0, predicted: 1, errorsOnly: false }, 10);
    expect(total).toBe(2);
    expect(rows.map((r) => r.text)).toEqual(['r2', 'r1']);
    expect(rows[0]!.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(rows[0]!.probabilities[1]).toBeGreaterThan(0.9);
    expect(inspectRows(evaluated, { truth: 0, predicted: 0, errorsOnly: false }, 10).rows.map((r) => r.index)).toEqual([0]);
  });

  it('filters the mistakes by true label, predicted label, or both, and caps the list', () => {
    const all = inspectRows(evaluated, { truth: null, predicted: null, errorsOnly: true }, 10);
    expect(all.rows.map((r) => r.text)).toEqual(['r4', 'r2', 'r1']);
    expect(inspectRows(evaluated, { truth: null, predicted: 2, errorsOnly: true }, 10).rows.map((r) => r.text)).toEqual(['r4']);
    expect(inspectRows(evaluated, { truth: 0, predicted: null, errorsOnly: true }, 1)).toMatchObject({ total: 2, rows: [{ text: 'r2' }] });
  });
});
