import { requireColumns, type ColumnMapping } from './columns.ts';
import { DatasetError } from './dataset-error.ts';
import type { Table } from './parse.ts';

/** One training example: what the model reads and the class it should predict. */
export interface LabelledExample {
  text: string;
  textPair?: string;
  label: string;
}

/**
 * Turns table rows into examples. Texts are kept as written (the tokenizer
 * deals with whitespace); labels are trimmed, because "spam " and "spam"
 * becoming two classes is never what the user meant. A row without a label is
 * an error; a row without a text is left out and listed in `emptyTexts` (row
 * indices), for a warning that names them.
 */
export function toExamples(table: Table, mapping: ColumnMapping): { examples: LabelledExample[]; emptyTexts: number[] } {
  requireColumns(table, mapping);
  const { text: textColumn, textPair: textPairColumn, label: labelColumn } = mapping;
  const examples: LabelledExample[] = [];
  const emptyTexts: number[] = [];
  table.rows.forEach((row, index) => {
    const label = row[labelColumn]!.trim();
    if (label === '') {
      throw new DatasetError(
        { file: table.fileName, line: table.lines[index], row: index + 1, column: labelColumn },
        `the label is empty (column "${labelColumn}"). Every row needs a label: fill it in or remove the row.`,
      );
    }
    const text = row[textColumn]!;
    const textPair = textPairColumn === undefined ? undefined : row[textPairColumn]!;
    if (text.trim() === '' || textPair?.trim() === '') {
      emptyTexts.push(index);
      return;
    }
    examples.push(textPair === undefined ? { text, label } : { text, textPair, label });
  });
  return { examples, emptyTexts };
}

/**
 * "train.csv: empty text on lines 4 and 9; those rows are left out of training." The same words
 * in train, eval and predict; `consequence` says what happens to the rows there.
 */
export function emptyTextsWarning(table: Table, rows: readonly number[], consequence: string): string | null {
  if (rows.length === 0) return null;
  const unit = table.lines.length > 0 ? 'line' : 'row';
  const places = rows.map((index) => String(table.lines[index] ?? index + 1));
  const shown = places.length > 10 ? `${places.slice(0, 10).join(', ')} and ${places.length - 10} more` : listed(places);
  return `${table.fileName}: empty text on ${unit}${places.length === 1 ? '' : 's'} ${shown}; ${places.length === 1 ? 'that row is' : 'those rows are'} ${consequence}.`;
}

function listed(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}
