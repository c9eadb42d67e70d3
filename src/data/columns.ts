import { DatasetError } from './dataset-error.ts';
import type { Table } from './parse.ts';

/** Which table columns hold the text, the optional second text of a pair task, and the label. */
export interface ColumnMapping {
  text: string;
  textPair?: string;
  label: string;
}

// Names are compared after normalizeName, so "Sentence 1" matches "sentence1"
// and "text_a" matches "texta". Earlier entries win.
const TEXT_NAMES = ['text', 'sentence', 'review', 'content', 'document', 'sms', 'question', 'tweet', 'message', 'comment'];
const TEXT_PAIR_NAMES: readonly (readonly [string, string])[] = [
  ['sentence1', 'sentence2'],
  ['text1', 'text2'],
  ['texta', 'textb'],
  ['sentencea', 'sentenceb'],
  ['question1', 'question2'],
  ['premise', 'hypothesis'],
  ['question', 'context'],
  ['question', 'passage'],
  ['question', 'sentence'],
];
const LABEL_NAMES = ['label', 'labels', 'class', 'category', 'target', 'sentiment', 'intent', 'emotion', 'topic'];

/** Above this many distinct values a column is plainly not a label; counting further only costs memory. */
const DISTINCT_VALUE_CAP = 1000;

/**
 * Proposes a column mapping, first from well-known column names, otherwise
 * from content: the column with the longest values is the text, and the one
 * with the fewest distinct values (but at least two) is the label.
 */
export function guessColumns(table: Table): ColumnMapping {
  if (table.columns.length < 2) {
    throw new DatasetError(
      { file: table.fileName },
      `a dataset needs at least two columns, one with the text and one with the label, but this file has only ${quotedList(table.columns)}.`,
    );
  }
  const columnByName = new Map<string, string>();
  for (const column of table.columns) {
    const name = normalizeName(column);
    if (!columnByName.has(name)) columnByName.set(name, column);
  }
  const named = (names: readonly string[]): string | undefined =>
    names.map((name) => columnByName.get(name)).find((column) => column !== undefined);

  const namedLabel = named(LABEL_NAMES);
  // Two text columns alone leave nothing to be the label, so they are read as text and label instead.
  const pair =
    table.columns.length < 3
      ? undefined
      : TEXT_PAIR_NAMES.map(([first, second]) => [columnByName.get(first), columnByName.get(second)] as const).find(
          (columns): columns is readonly [string, string] => columns[0] !== undefined && columns[1] !== undefined,
        );
  if (pair !== undefined) {
    const [text, textPair] = pair;
    return { text, textPair, label: namedLabel ?? fewestDistinctValues(table, [text, textPair]) };
  }
  const namedText = named(TEXT_NAMES);
  const text = namedText ?? longestAverageValue(table, namedLabel === undefined ? [] : [namedLabel]);
  return { text, label: namedLabel ?? fewestDistinctValues(table, [text]) };
}

/** Throws a DatasetError listing the existing columns when the mapping names one that does not exist. */
export function requireColumns(table: Table, mapping: ColumnMapping): void {
  const roles: [column: string | undefined, role: string][] = [
    [mapping.text, 'the text'],
    [mapping.textPair, 'the second text'],
    [mapping.label, 'the label'],
  ];
  const chosen = roles.filter((entry): entry is [string, string] => entry[0] !== undefined);
  const missing = chosen.filter(([column]) => !table.columns.includes(column));
  if (missing.length > 0) {
    const problems = missing.map(([column, role]) => `no column named "${column}" (chosen for ${role})`).join(' and ');
    throw new DatasetError(
      { file: table.fileName, column: missing[0][0] },
      `there is ${problems}. The columns in this file are: ${quotedList(table.columns)}.`,
    );
  }
  chosen.forEach(([column, role], index) => {
    const other = chosen.slice(index + 1).find(([otherColumn]) => otherColumn === column);
    if (other !== undefined) {
      throw new DatasetError(
        { file: table.fileName, column },
        `the column "${column}" was chosen for both ${role} and ${other[1]}; they must be different columns.`,
      );
    }
  });
}

/** A DatasetError whose fix is another column mapping, which the studio can offer and the CLI spell out as flags. */
export class ColumnRoleError extends DatasetError {
  constructor(
    fileName: string,
    problem: string,
    readonly suggestion: ColumnMapping | null,
  ) {
    super({ file: fileName }, problem);
  }
}

/** Labels repeat; above this many distinct values, and half the rows, a column is not labels. */
const MOST_LABELS = 50;

/**
 * Refuses a mapping whose label column holds text: with the text column holding what looks like
 * labels, the two are swapped (the suggestion swaps them back); alone, it names the problem.
 */
export function checkColumnRoles(table: Table, mapping: ColumnMapping, labelsAreClasses = true): void {
  const text = columnProfile(table, mapping.text);
  const label = columnProfile(table, mapping.label);
  const rows = table.rows.length;
  const swapped = label.distinct >= 2 * text.distinct && label.meanLength >= 2 * text.meanLength && text.distinct >= 2;
  if (swapped) {
    throw new ColumnRoleError(
      table.fileName,
      `the label column "${mapping.label}" looks like text (${describeProfile(label, rows)}) and the text column "${mapping.text}" like labels ` +
        `(${describeProfile(text, rows)}): are they swapped? Use "${mapping.label}" as the text and "${mapping.text}" as the label.`,
      { ...mapping, text: mapping.label, label: mapping.text },
    );
  }
  // Scores (regression) are expected to differ row by row.
  if (labelsAreClasses && label.distinct > MOST_LABELS && label.distinct > rows / 2) {
    throw new ColumnRoleError(
      table.fileName,
      `the label column "${mapping.label}" has ${describeProfile(label, rows)}: nearly every row would be a class of its own. ` +
        `A label column repeats a few values, such as "positive" and "negative". The columns in this file are: ${quotedList(table.columns)}.`,
      null,
    );
  }
}

interface ColumnProfile {
  /** Distinct values, counted up to DISTINCT_VALUE_CAP + 1. */
  readonly distinct: number;
  readonly meanLength: number;
}

function columnProfile(table: Table, column: string): ColumnProfile {
  let length = 0;
  for (const row of table.rows) length += row[column]!.length;
  return { distinct: distinctValueCount(table, column), meanLength: length / Math.max(1, table.rows.length) };
}

function describeProfile(profile: ColumnProfile, rows: number): string {
  const distinct = profile.distinct > DISTINCT_VALUE_CAP ? `over ${DISTINCT_VALUE_CAP}` : String(profile.distinct);
  return `${distinct} different value${profile.distinct === 1 ? '' : 's'} in ${rows} row${rows === 1 ? '' : 's'}, ${Math.round(profile.meanLength)} characters on average`;
}

function normalizeName(column: string): string {
  return column.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
}

function quotedList(columns: readonly string[]): string {
  return columns.length === 0 ? 'no columns' : columns.map((column) => `"${column}"`).join(', ');
}

function candidateColumns(table: Table, excluded: readonly string[]): string[] {
  return table.columns.filter((column) => !excluded.includes(column));
}

function longestAverageValue(table: Table, excluded: readonly string[]): string {
  const candidates = candidateColumns(table, excluded);
  const totalLength = (column: string) => table.rows.reduce((sum, row) => sum + row[column].length, 0);
  const lengths = candidates.map(totalLength);
  // Every column has a value in every row, so total length ranks like average length.
  return candidates[lengths.indexOf(Math.max(...lengths))];
}

function fewestDistinctValues(table: Table, excluded: readonly string[]): string {
  const candidates = candidateColumns(table, excluded);
  // A column with a single value cannot be what the model learns to predict.
  const rank = (column: string) => {
    const distinct = distinctValueCount(table, column);
    return distinct < 2 ? Number.POSITIVE_INFINITY : distinct;
  };
  const ranks = candidates.map(rank);
  return candidates[ranks.indexOf(Math.min(...ranks))];
}

function distinctValueCount(table: Table, column: string): number {
  const values = new Set<string>();
  for (const row of table.rows) {
    values.add(row[column]);
    if (values.size > DISTINCT_VALUE_CAP) break;
  }
  return values.size;
}
