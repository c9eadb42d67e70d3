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
 * becoming two classes is never what the user meant.
 */
export function toExamples(table: Table, mapping: ColumnMapping): LabelledExample[] {
  requireColumns(table, mapping);
  const { text: textColumn, textPair: textPairColumn, label: labelColumn } = mapping;
  const valueAt = (index: number, column: string, role: string): string => {
    const value = table.rows[index][column];
    if (value.trim() === '') {
      throw new DatasetError(
        { file: table.fileName, line: table.lines[index], row: index + 1, column },
        `${role} is empty (column "${column}"). Every row needs a text and a label: fill it in or remove the row.`,
      );
    }
    return value;
  };
  return table.rows.map((_, index) => {
    const example: LabelledExample = {
      text: valueAt(index, textColumn, 'the text'),
      label: valueAt(index, labelColumn, 'the label').trim(),
    };
    if (textPairColumn !== undefined) example.textPair = valueAt(index, textPairColumn, 'the second text');
    return example;
  });
}
