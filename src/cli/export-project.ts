/** `train --export-project <dir>`: the CLI's run as a training project for transformers.Trainer. */
import { defaultLabelOptions } from '../engine/tasks/task.ts';
import { taskOfModelConfig } from '../engine/tasks/index.ts';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { TrainingCheckpoint } from '../engine/checkpoint.ts';
import { checkpointPlan } from '../export/lora-export.ts';
import { dropoutEntries, type TrainingProjectRun } from '../export/training-project.ts';
import type { TrainCommand } from './args.ts';
import type { RunRows } from './run-rows.ts';

export function cliTrainingProject(
  cmd: TrainCommand,
  rows: RunRows,
  final: TrainingCheckpoint,
): TrainingProjectRun {
  // loadModelFiles reads a path that exists as a folder, and anything else as a Hub id.
  const base = existsSync(cmd.model) ? ({ kind: 'folder', path: path.resolve(cmd.model) } as const) : ({ kind: 'hub', id: cmd.model } as const);
  const splitDescription = rows.validationName
    ? `training rows from ${rows.dataName}, validation rows from ${rows.validationName}`
    : `a stratified ${+(cmd.validationSplit * 100).toFixed(2)}% share of ${rows.dataName} held out, seed ${cmd.settings.seed}`;
  return {
    base,
    task: taskOfModelConfig(final.modelConfig),
    labelOptions: final.labelOptions ?? defaultLabelOptions,
    labels: final.labels,
    settings: final.settings,
    // A resumed run's overrides are in its checkpoint's config, not on this command line.
    configOverrides: cmd.resume ? { ...dropoutEntries(final.modelConfig), ...cmd.configOverrides } : cmd.configOverrides,
    train: rows.train,
    validation: rows.validation,
    splitDescription,
    loraTargetModules: checkpointPlan(final).targetModules,
  };
}
