import { describe, expect, it } from 'vitest';
import { entitiesOf, entityScores } from './entity-metrics.ts';

describe('entities as seqeval reads them', () => {
  it('reads IOB2 spans, with a multi-dash type', () => {
    expect(entitiesOf(['B-PER', 'I-PER', 'O', 'B-LOC'])).toEqual([
      { type: 'PER', start: 0, end: 1 },
      { type: 'LOC', start: 3, end: 3 },
    ]);
    expect(entitiesOf(['O', 'B-creative-work', 'I-creative-work'])).toEqual([{ type: 'creative-work', start: 1, end: 2 }]);
  });

  it('lets an I- after O or after another type start an entity, and B- end the one before (default mode, not strict)', () => {
    expect(entitiesOf(['O', 'I-PER', 'I-PER'])).toEqual([{ type: 'PER', start: 1, end: 2 }]);
    expect(entitiesOf(['B-PER', 'I-LOC'])).toEqual([
      { type: 'PER', start: 0, end: 0 },
      { type: 'LOC', start: 1, end: 1 },
    ]);
    expect(entitiesOf(['B-PER', 'B-PER', 'I-PER'])).toEqual([
      { type: 'PER', start: 0, end: 0 },
      { type: 'PER', start: 1, end: 2 },
    ]);
    expect(entitiesOf(['O', 'O'])).toEqual([]);
  });
});

describe('entity scores', () => {
  it('gives the numbers of seqeval’s README example', () => {
    const truth = [
      ['O', 'O', 'O', 'B-MISC', 'I-MISC', 'I-MISC', 'O'],
      ['B-PER', 'I-PER', 'O'],
    ];
    const predicted = [
      ['O', 'O', 'B-MISC', 'I-MISC', 'I-MISC', 'I-MISC', 'O'],
      ['B-PER', 'I-PER', 'O'],
    ];
    const scores = entityScores(truth, predicted);
    expect(scores.f1).toBe(0.5);
    expect(scores.precision).toBe(0.5);
    expect(scores.recall).toBe(0.5);
    expect(scores.accuracy).toBe(0.8);
    expect(scores.words).toBe(10);
    expect(scores.perType).toEqual([
      { type: 'MISC', precision: 0, recall: 0, f1: 0, support: 1, predicted: 1 },
      { type: 'PER', precision: 1, recall: 1, f1: 1, support: 1, predicted: 1 },
    ]);
  });

  it('micro-averages over entities, and counts a type only predicted with support 0', () => {
    const scores = entityScores([['B-LOC', 'O', 'B-PER', 'I-PER', 'B-PER']], [['B-LOC', 'B-ORG', 'B-PER', 'O', 'B-PER']]);
    // found LOC and the last PER; predicted 4, true 3
    expect(scores.precision).toBeCloseTo(2 / 4, 12);
    expect(scores.recall).toBeCloseTo(2 / 3, 12);
    expect(scores.f1).toBeCloseTo((2 * 0.5 * (2 / 3)) / (0.5 + 2 / 3), 12);
    expect(scores.perType.map((t) => [t.type, t.support, t.predicted])).toEqual([
      ['LOC', 1, 1],
      ['ORG', 0, 1],
      ['PER', 2, 2],
    ]);
  });

  it('refuses sentences of different lengths', () => {
    expect(() => entityScores([['O']], [['O', 'O']])).toThrow('sentence 0 has 1 true tags but 2 predicted');
  });
});
