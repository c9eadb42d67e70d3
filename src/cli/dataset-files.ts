/** Reading dataset files for the CLI, through the same input layer as the studio, with the column flags applied. */
import { guessTask } from '../engine/tasks/guess.ts';
import { type AnyTask, taskById } from '../engine/tasks/index.ts';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ColumnMapping } from '../data/columns.ts';
import { type LabelledFile, labelledFile } from '../data/labelled-file.ts';
import { classificationTable, type ReadDataset, readDataset } from '../data/read-dataset.ts';
import { taggedColumnsOf } from '../data/tagged-cells.ts';
import { taggedFile } from '../data/tagged-file.ts';
import { UnnamedTagIdsError } from '../data/tagged-jsonl.ts';
import type { ColumnFlags } from './args.ts';

export function columnMapping(flags: ColumnFlags): ColumnMapping {
  return { text: flags.textColumn, label: flags.labelColumn, ...(flags.textPairColumn ? { textPair: flags.textPairColumn } : {}) };
}

/** The file as the studio would read it; `flag` names the option it came from for a missing file. */
export async function readDatasetFile(file: string, flag: string, tagNames: readonly string[] | null = null): Promise<ReadDataset> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder; give a data file' : (e as Error).message;
    throw new Error(`${flag} ${file}: ${why}`);
  }
  try {
    return await readDataset(path.basename(file), bytes, tagNames === null ? {} : { tagNames });
  } catch (error) {
    throw error instanceof UnnamedTagIdsError ? error.withTagNamesAt('with --tag-names') : error;
  }
}

export interface ReadExamples extends LabelledFile {
  readonly readAs: string;
  readonly task: AnyTask;
  /** Why the task was guessed; null when it was given. */
  readonly guessed: string | null;
}

/**
 * A labelled file's examples and warnings, with the columns the flags name, read for `task`, or
 * for the task its label column suggests when null.
 */
export async function readExamples(file: string, flag: string, flags: ColumnFlags, role: 'training' | 'validation', task: AnyTask | null): Promise<ReadExamples> {
  const read = await readDatasetFile(file, flag, flags.tagNames);
  // Tagged sentences train a token classifier: no label column to read a task from.
  if (task?.head === 'token-classification' || (task === null && taggedColumnsOf(read.table) !== null)) {
    const guessed = task === null ? 'the file holds tagged sentences (a tag per word)' : null;
    return { ...taggedFile(read.table, role), readAs: read.readAs, task: task ?? taskById('token-classification'), guessed };
  }
  const table = classificationTable(read);
  const guess = task ? null : guessTask(table.rows.map((row) => row[flags.labelColumn] ?? ''), flags.labelOptions);
  const chosen = task ?? guess!.task;
  return { ...labelledFile(table, columnMapping(flags), role, chosen.labelsAreClasses), readAs: read.readAs, task: chosen, guessed: guess?.reason ?? null };
}
