/** Reading labelled dataset files for the CLI, with the column flags applied. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { requireColumns, type ColumnMapping } from '../data/columns.ts';
import { toExamples, type LabelledExample } from '../data/examples.ts';
import { parseTable } from '../data/parse.ts';
import type { ColumnFlags } from './args.ts';

export function columnMapping(flags: ColumnFlags): ColumnMapping {
  return { text: flags.textColumn, label: flags.labelColumn, ...(flags.textPairColumn ? { textPair: flags.textPairColumn } : {}) };
}

export function readExamples(file: string, flags: ColumnFlags): LabelledExample[] {
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const table = parseTable(path.basename(file), content);
  const mapping = columnMapping(flags);
  requireColumns(table, mapping);
  return toExamples(table, mapping);
}
