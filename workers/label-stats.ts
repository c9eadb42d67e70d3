/**
 * What the Data screen draws in place of rows per label for the tasks whose labels are not
 * classes: a histogram of the scores (regression), and the entities per type of tagged sentences.
 */
import { decodeTaggedCell } from '../src/data/tagged-cells.ts';
import { entitiesOf } from '../src/engine/entity-metrics.ts';
import type { EntityCounts, ScoreSummary } from './protocol.ts';

const SCORE_BINS = 10;

/** The scores' range and mean over all rows, and SCORE_BINS equal bins of it counted per split. */
export function scoreSummary(train: readonly string[], validation: readonly string[]): ScoreSummary {
  const scoresOf = (cells: readonly string[]) => cells.map(Number);
  const [trainScores, validationScores] = [scoresOf(train), scoresOf(validation)];
  const all = [...trainScores, ...validationScores];
  if (all.length === 0) return { min: 0, max: 0, mean: 0, bins: [] };
  const min = Math.min(...all);
  const max = Math.max(...all);
  const width = (max - min) / SCORE_BINS;
  const binOf = (score: number) => (width === 0 ? 0 : Math.min(SCORE_BINS - 1, Math.floor((score - min) / width)));
  const bins = Array.from({ length: width === 0 ? 1 : SCORE_BINS }, (_, b) => ({ from: min + b * width, to: width === 0 ? max : min + (b + 1) * width, train: 0, validation: 0 }));
  for (const score of trainScores) bins[binOf(score)]!.train += 1;
  for (const score of validationScores) bins[binOf(score)]!.validation += 1;
  return { min, max, mean: all.reduce((a, b) => a + b, 0) / all.length, bins };
}

/** Entities per type (seqeval's chunks of B-/I- tags) in the tag cells of each split, types in order of name. */
export function entityCounts(train: readonly string[], validation: readonly string[]): EntityCounts {
  const count = (cells: readonly string[]) => {
    const counts = new Map<string, number>();
    cells.forEach((cell, row) => {
      for (const { type } of entitiesOf(decodeTaggedCell(cell, { file: 'the data', row: row + 1 }))) counts.set(type, (counts.get(type) ?? 0) + 1);
    });
    return counts;
  };
  const [trainCounts, validationCounts] = [count(train), count(validation)];
  const types = [...new Set([...trainCounts.keys(), ...validationCounts.keys()])].sort();
  return { types, train: types.map((t) => trainCounts.get(t) ?? 0), validation: types.map((t) => validationCounts.get(t) ?? 0) };
}
