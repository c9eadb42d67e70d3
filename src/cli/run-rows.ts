/** The training and validation rows of `finetune-studio train`: from files, or from a Hub dataset (`--data hub:imdb`). */
import path from 'node:path';
import type { LabelledExample } from '../data/examples.ts';
import { requireColumns } from '../data/columns.ts';
import { toExamples } from '../data/examples.ts';
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
}

export async function readRunRows(cmd: TrainCommand, log: (line: string) => void): Promise<RunRows> {
  if (!cmd.hub) {
    const data = readExamples(cmd.data, cmd);
    const validation = cmd.validation ? readExamples(cmd.validation, cmd) : null;
    const split = validation ? { train: data, validation } : stratifiedSplit(data, (e) => e.label, cmd.validationSplit, cmd.settings.seed);
    return { ...split, dataName: path.basename(cmd.data), validationName: cmd.validation ? path.basename(cmd.validation) : null };
  }
  const id = cmd.data.slice(HUB_DATA_PREFIX.length);
  const hub = cmd.hub;
  const endpoint = process.env.HF_ENDPOINT ?? 'https://huggingface.co';
  const session = new HubDatasetSession();
  // The column flags apply when given; otherwise the ClassLabel column is the label.
  const explicit = cmd.textColumn !== 'text' || cmd.labelColumn !== 'label' || cmd.textPairColumn !== null;
  const read = async (split: string) => {
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
    requireColumns(table, mapping);
    log(`read ${table.rows.length} rows of ${table.fileName} from ${endpoint} (text: ${mapping.text}${mapping.textPair ? `, ${mapping.textPair}` : ''}; label: ${mapping.label})`);
    return { examples: toExamples(table, mapping), name: table.fileName };
  };
  const main = await read(hub.split);
  if (hub.evalSplit) {
    const evaluation = await read(hub.evalSplit);
    return { train: main.examples, validation: evaluation.examples, dataName: main.name, validationName: evaluation.name };
  }
  return { ...stratifiedSplit(main.examples, (e) => e.label, cmd.validationSplit, cmd.settings.seed), dataName: main.name, validationName: null };
}
