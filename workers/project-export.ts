/** The studio's run as training-project.zip: the run's side from the train worker, its rows from the data worker. */
import { defaultLabelOptions, type LabelOptions } from '../src/engine/tasks/task.ts';
import { decodeTaggedCell } from '../src/data/tagged-cells.ts';
import { checkpointPlan } from '../src/export/lora-export.ts';
import { type AnyTask, taskOfModelConfig } from '../src/engine/tasks/index.ts';
import type { TrainingCheckpoint } from '../src/engine/checkpoint.ts';
import { type NamedTensor, writeSafetensors } from '../src/engine/weights/safetensors.ts';
import type { TokenizedExample } from '../src/engine/batching.ts';
import { type BaseModel, PROJECT_ZIP_NAME, trainingProjectZip } from '../src/export/training-project.ts';
import type { CompleteTokenizerFiles, ModelSummary, SplitRows } from './protocol.ts';

/** Where a Python script finds the model the run started from. */
export function baseModelOf(summary: ModelSummary, configJson: Record<string, unknown>, tokenizer: CompleteTokenizerFiles): BaseModel {
  switch (summary.source) {
    case 'hub':
      return { kind: 'hub', id: summary.name };
    case 'folder':
    case 'saved-run':
      return summary.pretrained ? { kind: 'folder', path: summary.name } : { kind: 'scratch', description: summary.name, configJson, tokenizer };
    case 'scratch':
      return { kind: 'scratch', description: summary.name, configJson, tokenizer };
  }
}

/** A run fine-tuned further from a loaded checkpoint starts from that checkpoint's weights, which go into the project. */
export function checkpointWeightsBase(c: TrainingCheckpoint, modelName: string, tokenizer: CompleteTokenizerFiles): BaseModel {
  const tensors: [string, NamedTensor][] = [...c.params].map(([name, data]) => [name, { shape: [...(c.paramShapes.get(name) ?? [data.length])], data }]);
  return {
    kind: 'weights',
    description: `a checkpoint of ${modelName} after ${c.progress.step} updates, fine-tuned further`,
    configJson: c.modelConfig,
    tokenizer,
    safetensors: writeSafetensors(tensors, { format: 'pt' }),
  };
}

/**
 * The data worker's rows are those of the split on the data screen now; they must still be
 * the rows the run trained on, row for row, or the project would reproduce another run.
 */
export function requireRunRows(rows: SplitRows, c: TrainingCheckpoint, runRows: { readonly train: readonly TokenizedExample[]; readonly validation: readonly TokenizedExample[] }): void {
  const task = taskOfModelConfig(c.modelConfig);
  const options = c.labelOptions ?? defaultLabelOptions;
  for (const split of ['train', 'validation'] as const) {
    const shipped = rows[split];
    const trained = runRows[split];
    const same = shipped.length === trained.length && shipped.every((row, i) => sameTarget(targetIds(task, row.label, c.labels, options), trained[i]!.target, task.target.pad, task.target.per === 'token'));
    if (!same) {
      throw new Error('the dataset on the data screen is no longer the one this run trained on (its file, columns, task or split changed); set it back to download the training project');
    }
  }
}

/** A label cell's target values: a sentence's tag ids word by word, or the task's target of the cell; null when it does not read. */
function targetIds(task: AnyTask, cell: string, labels: readonly string[], options: LabelOptions): ArrayLike<number> | null {
  try {
    if (task.target.per === 'token') return decodeTaggedCell(cell, { file: 'the data' }).map((tag) => labels.indexOf(tag));
    return task.encodeTarget(cell, labels, options, { file: null, row: 1 }, null);
  } catch {
    return null;
  }
}

/** Whether a cell's values are the trained row's: for tags, those the row kept (the first token of each word that fitted). */
function sameTarget(cell: ArrayLike<number> | null, trained: ArrayLike<number>, pad: number, perToken: boolean): boolean {
  if (cell === null) return false;
  const kept = perToken ? Array.from(trained).filter((v) => v !== pad) : Array.from(trained);
  if (perToken ? kept.length > cell.length : kept.length !== cell.length) return false;
  return kept.every((v, i) => v === cell[i]);
}

export function projectDownload(
  c: TrainingCheckpoint,
  base: BaseModel,
  configOverrides: Readonly<Record<string, unknown>>,
  rows: SplitRows,
): { fileName: string; bytes: Uint8Array } {
  const bytes = trainingProjectZip({
    base,
    task: taskOfModelConfig(c.modelConfig),
    labelOptions: c.labelOptions ?? defaultLabelOptions,
    labels: c.labels,
    settings: c.settings,
    configOverrides,
    train: rows.train,
    validation: rows.validation,
    splitDescription: rows.description,
    loraTargetModules: checkpointPlan(c).targetModules,
  });
  return { fileName: PROJECT_ZIP_NAME, bytes };
}
