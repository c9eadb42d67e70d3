/**
 * A checkpoint file (the CLI's training_checkpoint.safetensors, or one downloaded from the
 * studio) loaded to continue its run exactly or to fine-tune further from its weights. It
 * holds the weights, optimizer moments, progress, data order and settings but no rows and no
 * tokenizer: those come from the dataset and the model loaded in the studio, and are checked
 * against it here.
 */
import { initialProgress, serializeCheckpoint, type TrainingCheckpoint } from '../src/engine/checkpoint.ts';
import type { LoadedModel } from './model-loader.ts';
import type { CheckpointUse, LoadedCheckpointInfo, TrainingSettings } from './protocol.ts';

/** config.json entries that fix the weights' shapes: a checkpoint fits a model only where they agree. */
const SHAPE_KEYS = ['model_type', 'vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size', 'max_position_embeddings', 'type_vocab_size', 'dim', 'n_layers', 'n_heads', 'hidden_dim', 'embedding_size'];

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
  const differing = SHAPE_KEYS.filter((key) => JSON.stringify(c.modelConfig[key]) !== JSON.stringify(model.source.configJson[key]));
  if (differing.length > 0) {
    const detail = differing.map((key) => `${key} ${JSON.stringify(c.modelConfig[key])} vs ${JSON.stringify(model.source.configJson[key])}`).join(', ');
    throw new Error(`${fileName} was trained from another model than ${model.summary.name} (${detail}); load the model it started from (step 2), then the checkpoint`);
  }
}

function sameSettings(a: TrainingSettings, b: TrainingSettings): boolean {
  return (Object.keys(a) as (keyof TrainingSettings)[]).every((key) => a[key] === b[key]);
}

/** The checkpoint a run starts from, given how the user chose to use the loaded one. */
export function checkpointStart(
  loaded: TrainingCheckpoint,
  use: CheckpointUse,
  run: { readonly labels: readonly string[]; readonly settings: TrainingSettings; readonly configOverrides: Readonly<Record<string, unknown>>; readonly trainRows: number },
): { checkpoint: TrainingCheckpoint; message: string } {
  if (loaded.labels.join('\n') !== run.labels.join('\n')) {
    throw new Error(`the checkpoint's classifier knows the labels [${loaded.labels.join(', ')}] but the data has [${run.labels.join(', ')}]; use data with the same labels`);
  }
  if (use === 'continue') {
    if (loaded.progress.finished) throw new Error('the checkpoint’s run has finished; choose to fine-tune further from its weights instead');
    if (!sameSettings(loaded.settings, run.settings)) throw new Error('continuing a run needs its own settings; put them back, or choose to fine-tune further with the new ones');
    // The data order is a permutation of the run's training rows: other rows would break it.
    if (loaded.dataOrder.length > 0 && loaded.dataOrder.length !== run.trainRows) {
      throw new Error(`the checkpoint’s run trained on ${loaded.dataOrder.length} rows but this split has ${run.trainRows}; load the same data with the same split, or choose to fine-tune further`);
    }
    return { checkpoint: loaded, message: `Continuing the checkpoint’s run at update ${loaded.progress.step} (epoch ${loaded.progress.epoch + 1}), with its optimizer state and data order.` };
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
    },
    message: `Fine-tuning further from the checkpoint’s weights (trained for ${loaded.progress.step} updates), with a fresh optimizer and schedule.`,
  };
}

/** The downloadable checkpoint: the same bytes the CLI writes and --resume reads. */
export function checkpointDownload(c: TrainingCheckpoint, modelName: string): { fileName: string; bytes: Uint8Array } {
  const name = modelName.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'model';
  return { fileName: `${name}-step${c.progress.step}.training_checkpoint.safetensors`, bytes: serializeCheckpoint(c) };
}
