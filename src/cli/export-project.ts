/** `train --export-project <dir>`: the CLI's run as a training project for transformers.Trainer. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { LabelledExample } from '../data/examples.ts';
import type { TrainingCheckpoint } from '../engine/checkpoint.ts';
import { dropoutEntries, type TrainingProjectRun } from '../export/training-project.ts';
import type { TrainCommand } from './args.ts';

export function cliTrainingProject(
  cmd: TrainCommand,
  rows: { readonly train: readonly LabelledExample[]; readonly validation: readonly LabelledExample[] },
  final: TrainingCheckpoint,
): TrainingProjectRun {
  // loadModelFiles reads a path that exists as a folder, and anything else as a Hub id.
  const base = existsSync(cmd.model) ? ({ kind: 'folder', path: path.resolve(cmd.model) } as const) : ({ kind: 'hub', id: cmd.model } as const);
  const splitDescription = cmd.validation
    ? `training rows from ${path.basename(cmd.data)}, validation rows from ${path.basename(cmd.validation)}`
    : `a stratified ${+(cmd.validationSplit * 100).toFixed(2)}% share of ${path.basename(cmd.data)} held out, seed ${cmd.settings.seed}`;
  return {
    base,
    labels: final.labels,
    settings: final.settings,
    // A resumed run's overrides are in its checkpoint's config, not on this command line.
    configOverrides: cmd.resume ? { ...dropoutEntries(final.modelConfig), ...cmd.configOverrides } : cmd.configOverrides,
    train: rows.train,
    validation: rows.validation,
    splitDescription,
  };
}
