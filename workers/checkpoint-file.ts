/**
 * A checkpoint file (the CLI's training_checkpoint.safetensors, or one downloaded from the
 * studio) loaded to continue its run exactly or to fine-tune further from its weights. It
 * holds the weights, optimizer moments, progress, data order and settings but no rows and no
 * tokenizer: those come from the dataset and the model loaded in the studio, and are checked
 * against it here.
 */
import { requireSameArchitecture, requireSameLabels, requireSameRows } from '../src/engine/checkpoint-match.ts';
import { initialProgress, serializeCheckpoint, type TrainingCheckpoint } from '../src/engine/checkpoint.ts';
import { plannedUpdates, resumedWith, ResumeSettingsError } from '../src/engine/run-plan.ts';
import { type AnyTask, taskOfModelConfig } from '../src/engine/tasks/index.ts';
import type { LoadedModel } from './model-loader.ts';
import type { CheckpointUse, LoadedCheckpointInfo, TrainingSettings } from './protocol.ts';

export function checkpointInfo(fileName: string, c: TrainingCheckpoint): LoadedCheckpointInfo {
  return {
    fileName,
    labels: c.labels,
    settings: c.settings,
    step: c.progress.step,
    epochsDone: c.progress.epoch,
    finished: c.progress.finished,
  };
}

/** Refuses a checkpoint of another architecture than the loaded model, whose tokenizer the run will use. */
export function requireFitsModel(c: TrainingCheckpoint, model: LoadedModel, fileName: string): void {
  requireSameArchitecture(c, { name: model.summary.name, configJson: model.source.configJson }, fileName, 'load the model it started from (step 2), then the checkpoint');
}

/** The checkpoint a run starts from, given how the user chose to use the loaded one. */
export function checkpointStart(
  loaded: TrainingCheckpoint,
  use: CheckpointUse,
  run: {
    /** The task the data was read for: the checkpoint's head must be that task's. */
    readonly task: AnyTask;
    readonly labels: readonly string[];
    readonly settings: TrainingSettings;
    readonly configOverrides: Readonly<Record<string, unknown>>;
    readonly trainRows: number;
    /** data-fingerprint.ts of the run's training rows. */
    readonly trainFingerprint: string;
  },
): { checkpoint: TrainingCheckpoint; message: string } {
  const trained = taskOfModelConfig(loaded.modelConfig);
  if (trained.id !== run.task.id) {
    throw new Error(
      `The checkpoint is a ${trained.title.toLowerCase()} run and the data on the Data screen is read for ${run.task.title.toLowerCase()}. ` +
        `Choose ${trained.title.toLowerCase()} on the Data screen to use the checkpoint, or train a new run from the model.`,
    );
  }
  requireSameLabels(loaded, run.labels, 'The checkpoint', 'Use data with the same labels.');
  if (use === 'continue') {
    requireSameRows(loaded, run.trainFingerprint, run.trainRows, 'The checkpoint', 'Load the same data with the same split and max length, or choose to fine-tune further.');
    let continued: TrainingCheckpoint;
    try {
      continued = resumedWith(loaded, run.settings);
    } catch (error) {
      if (!(error instanceof ResumeSettingsError)) throw error;
      throw new Error(`Continuing a run needs its own settings: ${error.message} Put them back, or choose to fine-tune further with the new ones.`);
    }
    if (plannedUpdates(continued.settings, run.trainRows) <= loaded.progress.step) {
      throw new Error(`the checkpoint’s run has finished its ${loaded.progress.step} updates; raise the epochs to continue it, or choose to fine-tune further from its weights`);
    }
    return {
      checkpoint: { ...continued, dataFingerprint: run.trainFingerprint },
      message: `Continuing the checkpoint’s run at update ${loaded.progress.step} (epoch ${loaded.progress.epoch + 1}), with its optimizer state and data order.`,
    };
  }
  return {
    checkpoint: {
      ...loaded,
      modelConfig: { ...loaded.modelConfig, ...run.configOverrides },
      settings: run.settings,
      progress: initialProgress,
      dataOrder: [],
      history: { steps: [], evals: [] },
      moments: null,
      bestWeights: null,
      dataFingerprint: run.trainFingerprint,
    },
    message: `Fine-tuning further from the checkpoint’s weights (trained for ${loaded.progress.step} updates), with a fresh optimizer and schedule.`,
  };
}

/** The downloadable checkpoint: the same bytes the CLI writes and --resume reads. */
export function checkpointDownload(c: TrainingCheckpoint, modelName: string): { fileName: string; bytes: Uint8Array } {
  const name = modelName.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'model';
  return { fileName: `${name}-step${c.progress.step}.training_checkpoint.safetensors`, bytes: serializeCheckpoint(c) };
}
