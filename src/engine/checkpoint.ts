/**
 * Everything needed to resume a run exactly where it stopped, in one safetensors file:
 * parameters under their Hugging Face names, Adam moments under `adam.m.*` / `adam.v.*`,
 * the best evaluation's weights (load_best_model_at_end) under `best.*`, and the rest (config,
 * labels, settings, progress, data order, history) as JSON metadata.
 */
import type { LabelOptions } from './tasks/task.ts';
import { io } from './artifacts.ts';
import { type TaskMetrics, withTaskId } from './tasks/index.ts';
import { defaultSettings, type TrainingSettings } from './settings.ts';
import { readSafetensors, writeSafetensors, type NamedTensor } from './weights/safetensors.ts';

export const CHECKPOINT_FORMAT = 'finetune-studio-checkpoint/1';
const STATE_KEY = 'finetune_studio_state';

export interface StepRecord {
  readonly step: number;
  readonly epoch: number;
  readonly loss: number;
  readonly learningRate: number;
  readonly gradNorm: number;
}

export interface EvalRecord {
  readonly step: number;
  readonly epoch: number;
  readonly trainLoss: number | null;
  readonly metrics: TaskMetrics;
}

export interface TrainingProgress {
  /** Optimizer updates taken so far. */
  readonly step: number;
  /** Epoch in progress (0-based). */
  readonly epoch: number;
  /** Next batch of `dataOrder` to train on, within the epoch in progress. */
  readonly batchInEpoch: number;
  /** Micro-batches run so far; seeds each micro-batch's dropout. */
  readonly microStep: number;
  /** Sum and count of this epoch's step losses, for the epoch's mean training loss. */
  readonly epochLossSum: number;
  readonly epochLossCount: number;
  readonly finished: boolean;
}

export interface TrainingCheckpoint {
  readonly modelConfig: Record<string, unknown>;
  readonly labels: readonly string[];
  readonly settings: TrainingSettings;
  readonly progress: TrainingProgress;
  /** The epoch in progress's permutation of the training rows. */
  readonly dataOrder: readonly number[];
  readonly history: { readonly steps: readonly StepRecord[]; readonly evals: readonly EvalRecord[] };
  readonly params: ReadonlyMap<string, Float32Array>;
  /** Adam moments of the trained parameters (frozen ones have none), absent before the first update. */
  readonly moments: { readonly m: ReadonlyMap<string, Float32Array>; readonly v: ReadonlyMap<string, Float32Array> } | null;
  readonly paramShapes: ReadonlyMap<string, readonly number[]>;
  /** The weights of the best evaluation so far, kept when the run loads the best model at the end. */
  readonly bestWeights?: ReadonlyMap<string, Float32Array> | null;
  /** data-fingerprint.ts of the training rows, so the run is only continued on the same ones; absent in older files. */
  readonly dataFingerprint?: string;
  /** How the run read its label cells (the multi-label separator); absent in older files, which used the defaults. */
  readonly labelOptions?: LabelOptions;
}

const BEST_PREFIX = 'best.';

export const initialProgress: TrainingProgress = {
  step: 0,
  epoch: 0,
  batchInEpoch: 0,
  microStep: 0,
  epochLossSum: 0,
  epochLossCount: 0,
  finished: false,
};

export function serializeCheckpoint(c: TrainingCheckpoint): Uint8Array {
  const tensors: [string, NamedTensor][] = [];
  for (const [name, data] of c.params) {
    const shape = [...(c.paramShapes.get(name) ?? [data.length])];
    tensors.push([name, { shape, data }]);
    // Frozen parameters have no moments.
    const m = c.moments?.m.get(name);
    const v = c.moments?.v.get(name);
    if (m && v) tensors.push([io.m(name), { shape, data: m }], [io.v(name), { shape, data: v }]);
    const best = c.bestWeights?.get(name);
    if (best) tensors.push([`${BEST_PREFIX}${name}`, { shape, data: best }]);
  }
  const state = {
    format: CHECKPOINT_FORMAT,
    modelConfig: c.modelConfig,
    labels: c.labels,
    settings: c.settings,
    progress: c.progress,
    dataOrder: c.dataOrder,
    history: c.history,
    hasMoments: c.moments !== null,
    ...(c.dataFingerprint === undefined ? {} : { dataFingerprint: c.dataFingerprint }),
    ...(c.labelOptions === undefined ? {} : { labelOptions: c.labelOptions }),
  };
  return writeSafetensors(tensors, { format: 'pt', [STATE_KEY]: JSON.stringify(state) });
}

export function parseCheckpoint(bytes: Uint8Array, fileName = 'checkpoint'): TrainingCheckpoint {
  const file = readSafetensors(bytes);
  const raw = file.metadata[STATE_KEY];
  if (!raw) throw new Error(`${fileName} is not a Fine-Tune Studio checkpoint (no training state in its metadata)`);
  const state = JSON.parse(raw) as Omit<TrainingCheckpoint, 'params' | 'moments' | 'paramShapes'> & { format: string; hasMoments: boolean };
  if (state.format !== CHECKPOINT_FORMAT) throw new Error(`${fileName} has checkpoint format ${state.format}; this studio reads ${CHECKPOINT_FORMAT}`);
  const params = new Map<string, Float32Array>();
  const paramShapes = new Map<string, readonly number[]>();
  const m = new Map<string, Float32Array>();
  const v = new Map<string, Float32Array>();
  const best = new Map<string, Float32Array>();
  for (const [name, t] of file.tensors) {
    if (name.startsWith(BEST_PREFIX)) best.set(name.slice(BEST_PREFIX.length), t.data);
    else if (name.startsWith('adam.m.')) m.set(name.slice('adam.m.'.length), t.data);
    else if (name.startsWith('adam.v.')) v.set(name.slice('adam.v.'.length), t.data);
    else {
      params.set(name, t.data);
      paramShapes.set(name, t.shape);
    }
  }
  if (state.hasMoments) {
    // Frozen parameters have none; every trained one has both (the run checks which train).
    for (const name of new Set([...m.keys(), ...v.keys()])) {
      if (!params.has(name)) throw new Error(`${fileName} has optimizer moments for ${name} but no such parameter`);
      if (!m.has(name) || !v.has(name)) throw new Error(`${fileName} is missing the optimizer moments of ${name}`);
    }
  }
  return {
    modelConfig: state.modelConfig,
    labels: state.labels,
    // Checkpoints written before a setting existed run with its default.
    settings: { ...defaultSettings, ...state.settings },
    progress: state.progress,
    dataOrder: state.dataOrder,
    history: { steps: state.history.steps, evals: state.history.evals.map((e) => ({ ...e, metrics: withTaskId(e.metrics) })) },
    params,
    paramShapes,
    moments: state.hasMoments ? { m, v } : null,
    bestWeights: best.size > 0 ? best : null,
    ...(state.dataFingerprint === undefined ? {} : { dataFingerprint: state.dataFingerprint }),
    ...(state.labelOptions === undefined ? {} : { labelOptions: state.labelOptions }),
  };
}
