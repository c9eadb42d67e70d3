/** The README.md model card `finetune-studio train` writes: the run as the command line saw it. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { TrainingCheckpoint } from '../engine/checkpoint.ts';
import { modelCard, type ModelCardRun, type QuantizationReport } from '../export/model-card.ts';
import type { TrainCommand } from './args.ts';
import { columnMapping } from './dataset-files.ts';
import type { RunRows } from './run-rows.ts';

export interface CliRunFacts {
  /** False when the base model had no weights and the run started from random ones. */
  readonly pretrained: boolean;
  /** The backend as the progress line named it, e.g. "onnxruntime-node (CPU)". */
  readonly backend: string;
  readonly quantization: QuantizationReport | null;
  /** Multi-label: the decision threshold the folder's config.json stores. */
  readonly threshold: number;
}


export function cliCardRun(
  cmd: TrainCommand,
  rows: RunRows,
  final: TrainingCheckpoint,
  facts: CliRunFacts,
): ModelCardRun {
  // loadModelFiles reads a path that exists as a folder, and anything else as a Hub id.
  const fromHub = !existsSync(cmd.model);
  return {
    checkpoint: final,
    baseModel: { name: fromHub ? cmd.model : path.basename(path.resolve(cmd.model)), fromHub, pretrained: facts.pretrained },
    data: {
      fileName: rows.dataName,
      rows: rows.validationName ? rows.train.length : rows.train.length + rows.validation.length,
      columns: columnMapping(cmd),
      split: rows.validationName
        ? { kind: 'file', fileName: rows.validationName, rows: rows.validation.length }
        : { kind: 'fraction', fraction: cmd.validationSplit, seed: cmd.settings.seed },
      trainCounts: rows.task.labelCounts(rows.train.map((e) => e.label), final.labels, cmd.labelOptions),
      validationCounts: rows.task.labelCounts(rows.validation.map((e) => e.label), final.labels, cmd.labelOptions),
      trainRows: rows.train.length,
      validationRows: rows.validation.length,
    },
    trainedWith: `from the command line (\`finetune-studio train\`) on ${facts.backend}`,
    quantization: facts.quantization,
    threshold: facts.threshold,
  };
}

/** README.md as bytes, for the output folder. */
export function cliModelCard(...args: Parameters<typeof cliCardRun>): Uint8Array {
  return new TextEncoder().encode(modelCard(cliCardRun(...args)));
}
