/**
 * The training and validation rows of `finetune-studio train`: from files, or from a Hub dataset
 * (`--data hub:imdb`), with the checks the studio runs on the same data (labelled-file.ts), and
 * what the user should know about them.
 */
import { guessTask } from '../engine/tasks/guess.ts';
import { type AnyTask, taskById } from '../engine/tasks/index.ts';
import path from 'node:path';
import { ColumnRoleError } from '../data/columns.ts';
import type { LabelledExample } from '../data/examples.ts';
import { type LabelledFile, labelledFile } from '../data/labelled-file.ts';
import { requireLabelsSeenInTraining } from '../data/labels.ts';
import { stratifiedSplit } from '../data/split.ts';
import { HubDatasetSession } from '../hub/hub-dataset-table.ts';
import { HUB_DATA_PREFIX, type TrainCommand } from './args.ts';
import { columnMapping, readExamples } from './dataset-files.ts';
import { hubHttpPolicy } from './model-source.ts';

export interface RunRows {
  readonly train: LabelledExample[];
  readonly validation: LabelledExample[];
  /** The data as the model card and the training project name it: a file name, or `imdb · train`. */
  readonly dataName: string;
  readonly validationName: string | null;
  /** About the rows: empty texts left out. */
  readonly warnings: readonly string[];
  /** --task, or the task the training file's labels suggest. */
  readonly task: AnyTask;
  /** Why the task was guessed; null when --task gave it. */
  readonly guessed: string | null;
}

export async function readRunRows(cmd: TrainCommand, log: (line: string) => void): Promise<RunRows> {
  const files = cmd.hub ? await hubFiles(cmd, log) : await localFiles(cmd, log);
  const { main, held, task } = files;
  if (held && task.labelsAreClasses) {
    // The label names of each cell, as the task reads them (a multi-label cell has several).
    const namesOf = (cell: string, file: string, row: number) => task.labelSet([cell], cmd.labelOptions, () => ({ file, row }));
    requireLabelsSeenInTraining(main.fileName, main.examples, held.fileName, held.examples, namesOf);
  }
  // Scores have no classes to keep in proportion, and a sentence's tags are nearly unique to it: one stratum.
  const stratum = (e: LabelledExample) => (task.labelsAreClasses && task.target.per !== 'token' ? e.label : '');
  const split = held ? { train: main.examples, validation: held.examples } : stratifiedSplit(main.examples, stratum, cmd.validationSplit, cmd.settings.seed);
  return { ...split, dataName: files.dataName, validationName: files.validationName, warnings: [...main.warnings, ...(held?.warnings ?? [])], task, guessed: files.guessed };
}

interface ReadFiles {
  readonly main: LabelledFile;
  readonly held: LabelledFile | null;
  readonly dataName: string;
  readonly validationName: string | null;
  readonly task: AnyTask;
  readonly guessed: string | null;
}

async function localFiles(cmd: TrainCommand, log: (line: string) => void): Promise<ReadFiles> {
  const main = await withFlagHint(readExamples(cmd.data, '--data', cmd, 'training', cmd.task ? taskById(cmd.task) : null));
  log(`data: ${cmd.data} read as ${main.readAs}`);
  const held = cmd.validation ? await withFlagHint(readExamples(cmd.validation, '--validation', cmd, 'validation', main.task)) : null;
  if (held) log(`data: ${cmd.validation} read as ${held.readAs}`);
  return { main, held, dataName: path.basename(cmd.data), validationName: cmd.validation ? path.basename(cmd.validation) : null, task: main.task, guessed: main.guessed };
}

async function hubFiles(cmd: TrainCommand, log: (line: string) => void): Promise<ReadFiles> {
  const id = cmd.data.slice(HUB_DATA_PREFIX.length);
  const hub = cmd.hub!;
  const endpoint = process.env.HF_ENDPOINT ?? 'https://huggingface.co';
  const session = new HubDatasetSession();
  // The column flags apply when given; otherwise the ClassLabel column is the label.
  const explicit = cmd.textColumn !== 'text' || cmd.labelColumn !== 'label' || cmd.textPairColumn !== null;
  let task = cmd.task ? taskById(cmd.task) : null;
  let guessed: string | null = null;
  const read = async (split: string, role: 'training' | 'validation') => {
    let lastReported = -1;
    const { table, mapping } = await session.table(
      { id, config: hub.config, split, mapping: explicit ? columnMapping(cmd) : null, sample: hub.sample },
      {
        endpoint,
        http: hubHttpPolicy(process.env),
        token: process.env.HF_TOKEN ?? null,
        onProgress: (loaded, total) => {
          const tenth = total === 0 ? 10 : Math.floor((loaded / total) * 10);
          if (tenth !== lastReported) log(`  ${split}: ${(loaded / 1e6).toFixed(1)} of ${(total / 1e6).toFixed(1)} MB`);
          lastReported = tenth;
        },
      },
    );
    if (!task) {
      const guess = guessTask(table.rows.map((row) => row[mapping.label] ?? ''), cmd.labelOptions);
      ({ task, reason: guessed } = guess);
    }
    const chosen = task;
    const file = await withFlagHint(Promise.resolve().then(() => labelledFile(table, mapping, role, chosen.labelsAreClasses)));
    log(`read ${table.rows.length} rows of ${table.fileName} from ${endpoint} (text: ${mapping.text}${mapping.textPair ? `, ${mapping.textPair}` : ''}; label: ${mapping.label})`);
    return file;
  };
  const main = await read(hub.split, 'training');
  const held = hub.evalSplit ? await read(hub.evalSplit, 'validation') : null;
  return { main, held, dataName: main.fileName, validationName: held?.fileName ?? null, task: task!, guessed };
}

/** A swapped text and label column, with the flags that swap them back. */
async function withFlagHint<T>(reading: Promise<T>): Promise<T> {
  try {
    return await reading;
  } catch (error) {
    if (!(error instanceof ColumnRoleError) || error.suggestion === null) throw error;
    throw new Error(`${error.message} With flags: --text-column ${error.suggestion.text} --label-column ${error.suggestion.label}`);
  }
}
