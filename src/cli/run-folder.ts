/**
 * The folders `train` writes. --out is checked before any work (free, or the folder of the run
 * being resumed, and somewhere a folder can be made), claimed when training starts, holds the
 * periodic checkpoint while the run trains, and gets the model when it ends. Every file is
 * written beside its final name and renamed into place, so a killed process never leaves a
 * half-written checkpoint: at worst the previous one.
 */
import { accessSync, constants, existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { serializeCheckpoint, type TrainingCheckpoint } from '../engine/checkpoint.ts';

export const CHECKPOINT_FILE = 'training_checkpoint.safetensors';

/**
 * Throws unless `folder` can be made and written, before any work: it must not exist (except as
 * `ownFolder`, the folder of the run this one resumes), and its nearest existing parent must be a
 * folder this process may write in.
 */
export function checkNewFolder(folder: string, flag: string, ownFolder: string | null = null): void {
  if (existsSync(folder)) {
    if (ownFolder !== null && path.resolve(folder) === path.resolve(ownFolder)) {
      requireWritable(folder, folder, flag);
      return;
    }
    throw new Error(`${flag} ${folder} already exists; choose a new folder so nothing is overwritten`);
  }
  let parent = path.dirname(path.resolve(folder));
  while (!existsSync(parent)) parent = path.dirname(parent);
  if (!statSync(parent).isDirectory()) throw new Error(`${flag} ${folder}: ${parent} is a file, so no folder can be made inside it`);
  requireWritable(parent, folder, flag);
}

/** Throws unless `file` can be written (a new file, or one to replace): not a folder, in a folder that exists and may be written in. */
export function checkWritableFile(file: string, flag: string): void {
  if (existsSync(file) && statSync(file).isDirectory()) throw new Error(`${flag} ${file} is a folder; give a file name`);
  const parent = path.dirname(path.resolve(file));
  if (!existsSync(parent)) throw new Error(`${flag} ${file}: the folder ${parent} does not exist`);
  if (!statSync(parent).isDirectory()) throw new Error(`${flag} ${file}: ${parent} is a file, not a folder`);
  requireWritable(parent, file, flag);
}

function requireWritable(directory: string, folder: string, flag: string): void {
  try {
    accessSync(directory, constants.W_OK);
  } catch (error) {
    throw new Error(`${flag} ${folder}: this user may not write in ${directory} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

/** Writes next to `target`, then renames into place: readers see the old file or the new one, never half of one. */
function writeFileAtomically(target: string, bytes: Uint8Array): void {
  mkdirSync(path.dirname(target), { recursive: true });
  const partial = `${target}.partial-${process.pid}`;
  try {
    writeFileSync(partial, bytes);
    renameSync(partial, target);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
}

/** The --out folder of a run, from the moment training starts. */
export class RunFolder {
  private constructor(
    readonly folder: string,
    private readonly created: boolean,
  ) {}

  /** Makes the folder (checked by checkNewFolder before), or takes the resumed run's own. */
  static claim(folder: string): RunFolder {
    const existed = existsSync(folder);
    mkdirSync(folder, { recursive: true });
    return new RunFolder(folder, !existed);
  }

  get checkpointPath(): string {
    return path.join(this.folder, CHECKPOINT_FILE);
  }

  writeCheckpoint(checkpoint: TrainingCheckpoint): void {
    writeFileAtomically(this.checkpointPath, serializeCheckpoint(checkpoint));
  }

  /** The finished folder's files, each atomically; the checkpoint last, so it is never newer than the model beside it. */
  writeFiles(files: ReadonlyMap<string, Uint8Array>): void {
    const ordered = [...files].sort(([a], [b]) => Number(a === CHECKPOINT_FILE) - Number(b === CHECKPOINT_FILE));
    for (const [name, bytes] of ordered) writeFileAtomically(path.join(this.folder, name), bytes);
  }

  /** A run that failed before writing anything leaves no empty folder behind to block the next try. */
  abandon(): void {
    if (this.created && existsSync(this.folder) && readdirSync(this.folder).length === 0) rmdirSync(this.folder);
  }
}

/** A folder that must not exist yet, written whole: every file goes to a sibling folder renamed into place. */
export function writeNewFolder(out: string, files: ReadonlyMap<string, Uint8Array>): void {
  if (existsSync(out)) throw new Error(`${out} already exists; choose a new folder so nothing is overwritten`);
  const staging = `${out}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  try {
    for (const [name, bytes] of files) {
      const target = path.join(staging, name);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, bytes);
    }
    renameSync(staging, out);
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
}
