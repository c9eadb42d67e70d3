import { DatasetError } from './dataset-error.ts';
import type { LabelledExample } from './examples.ts';

/** Above this ratio between the most and the least frequent label the user is warned. */
const IMBALANCE_RATIO_LIMIT = 10;

/**
 * The distinct labels in a stable order, whose positions become class ids.
 * Integer labels sort numerically so that "0", "1", "2" keep ids 0, 1, 2 as
 * Hugging Face's ClassLabel gives them; other labels sort by code unit, which
 * unlike localeCompare is the same on every machine.
 */
export function buildLabelSet(labels: readonly string[]): string[] {
  const distinct = [...new Set(labels)];
  const allIntegers = distinct.every((label) => /^-?\d+$/.test(label));
  return distinct.sort(allIntegers ? compareIntegers : compareCodeUnits);
}

/** How many examples each label has, in label-set order. */
export function labelCounts(examples: readonly LabelledExample[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { label } of examples) counts.set(label, (counts.get(label) ?? 0) + 1);
  return new Map(buildLabelSet([...counts.keys()]).map((label) => [label, counts.get(label) ?? 0]));
}

/** Plain-language warnings about labels that are too rare or too unbalanced to train well. */
export function labelWarnings(counts: ReadonlyMap<string, number>): string[] {
  const entries = [...counts];
  if (entries.length === 1) {
    return [`Only one label ("${entries[0][0]}") was found. A classifier needs at least two different labels.`];
  }
  const warnings = entries
    .filter(([, count]) => count < 2)
    .map(
      ([label, count]) =>
        `Label "${label}" has only ${count} example${count === 1 ? '' : 's'}. Each label needs at least 2 ` +
        '(one to learn from and one to check the model with); add more examples of it or remove it.',
    );
  if (entries.length >= 2) {
    const [largestLabel, largest] = entries.reduce((best, entry) => (entry[1] > best[1] ? entry : best));
    const [smallestLabel, smallest] = entries.reduce((best, entry) => (entry[1] < best[1] ? entry : best));
    if (largest > IMBALANCE_RATIO_LIMIT * smallest) {
      warnings.push(
        `The labels are very unbalanced: "${largestLabel}" has ${largest} examples but "${smallestLabel}" has only ${smallest} ` +
          `(${Math.round(largest / smallest)} times fewer). The model may learn to mostly answer "${largestLabel}"; ` +
          `more "${smallestLabel}" examples would help.`,
      );
    }
  }
  return warnings;
}

const NUMBER = /^-?\d+(\.\d+)?$/;

/**
 * Refuses the labels of a training file no classifier should learn from: a single label, or
 * numbers mixed with words (a column of 0/1 with a few "positive" in it is a mistake somewhere),
 * naming the values and how many rows each kind has.
 */
export function requireUsableLabels(fileName: string, column: string, examples: readonly LabelledExample[], role: 'training' | 'validation'): void {
  const counts = labelCounts(examples);
  if (role === 'training' && counts.size === 1) {
    throw new DatasetError(
      { file: fileName, column },
      `the label column "${column}" has only one value ("${[...counts.keys()][0]}"). A classifier needs at least two different labels; check the label column.`,
    );
  }
  const numbers = [...counts].filter(([label]) => NUMBER.test(label));
  const words = [...counts].filter(([label]) => !NUMBER.test(label));
  if (numbers.length > 0 && words.length > 0) {
    const kind = (entries: [string, number][]) => {
      const rows = entries.reduce((n, [, count]) => n + count, 0);
      const shown = entries.slice(0, 6).map(([label]) => `"${label}"`).join(', ');
      return `${shown}${entries.length > 6 ? ', …' : ''}: ${rows} row${rows === 1 ? '' : 's'}`;
    };
    throw new DatasetError(
      { file: fileName, column },
      `the label column "${column}" mixes numbers (${kind(numbers)}) and words (${kind(words)}). ` +
        'Use one kind of label throughout: fix the rows with the odd ones out, or remove them.',
    );
  }
}

/**
 * Refuses validation rows whose label the training rows never have: the model could not learn it.
 * `namesOf` reads a cell's label names (several for a multi-label cell) at its file and 1-based row.
 */
export function requireLabelsSeenInTraining(
  trainingFile: string,
  train: readonly LabelledExample[],
  validationFile: string,
  validation: readonly LabelledExample[],
  namesOf: (cell: string, file: string, row: number) => readonly string[] = (cell) => [cell],
): void {
  const trained = new Set(train.flatMap((e, i) => namesOf(e.label, trainingFile, i + 1)));
  const names = validation.flatMap((e, i) => namesOf(e.label, validationFile, i + 1).map((label) => ({ text: e.text, label })));
  const unseen = [...labelCounts(names)].filter(([label]) => !trained.has(label));
  if (unseen.length === 0) return;
  const listedLabels = unseen.map(([label, count]) => `"${label}" (${count} row${count === 1 ? '' : 's'})`).join(', ');
  throw new DatasetError(
    { file: validationFile },
    `has label${unseen.length === 1 ? '' : 's'} ${listedLabels} that the training data (${trainingFile}) never has, so the model could not learn ` +
      `${unseen.length === 1 ? 'it' : 'them'}. Add training rows with ${unseen.length === 1 ? 'that label' : 'those labels'}, or remove them from the validation file.`,
  );
}

function compareIntegers(a: string, b: string): number {
  const difference = BigInt(a) - BigInt(b);
  return difference < 0n ? -1 : difference > 0n ? 1 : compareCodeUnits(a, b);
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
