import { describe, expect, it } from 'vitest';
import { stratifiedSplit } from './split.ts';

interface Item {
  id: number;
  label: string;
}

/** 60 "a", 30 "b", 9 "c" and a single "d", interleaved. */
const items: Item[] = Array.from({ length: 100 }, (_, id) => ({
  id,
  label: id === 99 ? 'd' : id % 10 === 9 ? 'c' : id % 3 === 0 ? 'b' : 'a',
}));
const labelOf = (item: Item) => item.label;
const ids = (list: Item[]) => list.map((item) => item.id);
const countOf = (list: Item[], label: string) => list.filter((item) => item.label === label).length;

describe('stratifiedSplit', () => {
  it('gives the same split for the same seed and a different one for another seed', () => {
    const first = stratifiedSplit(items, labelOf, 0.2, 42);
    expect(stratifiedSplit(items, labelOf, 0.2, 42)).toEqual(first);
    expect(ids(stratifiedSplit(items, labelOf, 0.2, 43).validation)).not.toEqual(ids(first.validation));
  });

  it('uses every item exactly once and keeps the original order', () => {
    const { train, validation } = stratifiedSplit(items, labelOf, 0.25, 7);
    expect([...ids(train), ...ids(validation)].sort((a, b) => a - b)).toEqual(ids(items));
    expect(ids(train)).toEqual([...ids(train)].sort((a, b) => a - b));
    expect(ids(validation)).toEqual([...ids(validation)].sort((a, b) => a - b));
  });

  it('keeps label proportions', () => {
    const { validation } = stratifiedSplit(items, labelOf, 0.2, 1);
    const counts = ['a', 'b', 'c', 'd'].map((label) => countOf(validation, label));
    expect(counts).toEqual([Math.round(countOf(items, 'a') * 0.2), Math.round(countOf(items, 'b') * 0.2), 2, 0]);
  });

  it('puts at least one item of every label with 2 or more items in validation, and keeps one for training', () => {
    const { train, validation } = stratifiedSplit(items, labelOf, 0.01, 3);
    expect(['a', 'b', 'c'].map((label) => countOf(validation, label))).toEqual([1, 1, 1]);
    expect(countOf(train, 'd')).toBe(1);

    const pair = [
      { id: 0, label: 'x' },
      { id: 1, label: 'x' },
    ];
    const mostlyValidation = stratifiedSplit(pair, labelOf, 0.9, 3);
    expect([mostlyValidation.train.length, mostlyValidation.validation.length]).toEqual([1, 1]);
  });

  it('puts everything in training when the fraction is 0', () => {
    expect(stratifiedSplit(items, labelOf, 0, 5)).toEqual({ train: items, validation: [] });
  });

  it('rejects fractions outside [0, 1)', () => {
    for (const fraction of [-0.1, 1, Number.NaN]) {
      expect(() => stratifiedSplit(items, labelOf, fraction, 0)).toThrow(RangeError);
    }
  });
});
