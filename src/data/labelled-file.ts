/**
 * A dataset file's rows as labelled examples, after the checks the studio and the CLI both run
 * before any work: the mapped columns exist and play their roles, every row has a label, the
 * labels are of one kind, a training file has at least two, and rows without a text are left
 * out with a warning naming them.
 */
import { checkColumnRoles, type ColumnMapping } from './columns.ts';
import { emptyTextsWarning, type LabelledExample, toExamples } from './examples.ts';
import { DatasetError } from './dataset-error.ts';
import { requireUsableLabels } from './labels.ts';
import type { Table } from './parse.ts';

export interface LabelledFile {
  readonly fileName: string;
  readonly examples: LabelledExample[];
  /** Plain-language warnings about the file's rows. */
  readonly warnings: string[];
}

/** `labelsAreClasses` is false for scores (regression), which need not repeat. */
export function labelledFile(table: Table, mapping: ColumnMapping, role: 'training' | 'validation', labelsAreClasses = true): LabelledFile {
  const { examples, emptyTexts } = toExamples(table, mapping);
  checkColumnRoles(table, mapping, labelsAreClasses);
  if (examples.length === 0) {
    throw new DatasetError({ file: table.fileName, column: mapping.text }, `every row's text is empty (column "${mapping.text}"): there is nothing to learn from. Is the text in another column?`);
  }
  requireUsableLabels(table.fileName, mapping.label, examples, role);
  const consequence = role === 'training' ? 'left out of training' : 'left out of the validation rows';
  const warning = emptyTextsWarning(table, emptyTexts, consequence);
  return { fileName: table.fileName, examples, warnings: warning === null ? [] : [warning] };
}
