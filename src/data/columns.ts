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
