/** Reading dataset files for the CLI, through the same input layer as the studio, with the column flags applied. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ColumnMapping } from '../data/columns.ts';
import { type LabelledFile, labelledFile } from '../data/labelled-file.ts';
import { classificationTable, type ReadDataset, readDataset } from '../data/read-dataset.ts';
import type { ColumnFlags } from './args.ts';

export function columnMapping(flags: ColumnFlags): ColumnMapping {
  return { text: flags.textColumn, label: flags.labelColumn, ...(flags.textPairColumn ? { textPair: flags.textPairColumn } : {}) };
}

/** The file as the studio would read it; `flag` names the option it came from for a missing file. */
export async function readDatasetFile(file: string, flag: string): Promise<ReadDataset> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder; give a data file' : (e as Error).message;
    throw new Error(`${flag} ${file}: ${why}`);
  }
  return readDataset(path.basename(file), bytes);
}

/** A labelled file's examples and warnings, with the columns the flags name. */
export async function readExamples(file: string, flag: string, flags: ColumnFlags, role: 'training' | 'validation'): Promise<LabelledFile & { readAs: string }> {
  const read = await readDatasetFile(file, flag);
  return { ...labelledFile(classificationTable(read), columnMapping(flags), role), readAs: read.readAs };
}
