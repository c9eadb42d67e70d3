/**
 * Compiles the training artifacts: ordinary ONNX graphs that together do what
 * onnxruntime-training used to do. Parameters and Adam moments are graph inputs and their
 * updated values graph outputs, so a runtime can keep them on the device and feed each
 * step's outputs into the next step.
 *
 *   trainStep       in-graph update (CPU, WASM):
 *                     batch + params + moments (+ accumulated grads) → loss, grad_norm, params', moments'
 *                   resident update (WebGPU, see update/resident-update.ts):
 *                     batch + params → loss, gradients
 *   accumulateStep  batch + params + accumulated grads → loss, accumulated grads'   (in-graph update with gradient accumulation only)
 *   evalStep        batch + params → logits   (no dropout; same batch inputs as training, labels unused)
 *   inference       input_ids, attention_mask[, token_type_ids] (int64, as transformers.js feeds) + weights → logits
 */
import { backward } from './autodiff/backward.ts';
import { type EncoderConfig } from './models/config.ts';
import { buildClassifier, type ClassifierInputs, classifierDropoutSites } from './models/classifier.ts';
import { createHashDropout } from './models/dropout.ts';
import { fullFineTune, type LoraAdapter, type ParameterPlan, parameterPlan } from './models/fine-tune-method.ts';
import { inGraphPositionIds } from './models/positions.ts';
import { encodeModel, type Int8Weight, liveNodes } from './onnx/encode.ts';
import { Graph, type Node, type Value } from './onnx/graph.ts';
import * as op from './onnx/ops.ts';
import { type AdamWHyper, adamWScalarInputs, adamWUpdate, decaysParameter } from './optim/adamw.ts';
import { clippingScale } from './optim/clip.ts';
import type { AnyTask } from './tasks/index.ts';
import type { LossGraph } from './tasks/task.ts';
import type { ParamSpec } from './weights/param-spec.ts';

export interface ArtifactOptions {
  readonly config: EncoderConfig;
  readonly numLabels: number;
  readonly task: AnyTask;
  readonly optimizer: AdamWHyper;
  /** ≤ 0 disables clipping. */
  readonly maxGradNorm: number;
  readonly gradAccumulation: number;
  /**
   * 'in-graph': the train step applies AdamW itself and returns new parameters and moments.
   * 'resident': it returns the gradients, for an optimizer that updates state in place.
   */
  readonly update: 'in-graph' | 'resident';
  /** Which parameters train (and the LoRA adapters); a full fine-tune when absent. */
  readonly plan?: ParameterPlan;
}

export interface TrainingArtifacts {
  readonly trainStep: Uint8Array;
  readonly accumulateStep: Uint8Array | null;
  /** Every parameter the step reads, frozen ones included. */
  readonly params: readonly ParamSpec[];
  /** The parameters the step updates; the others are fed as they are and get no moments. */
  readonly trainable: ReadonlySet<string>;
  /** Nodes of the encoded train-step model, before onnxruntime's own optimizations (folding, fusions). */
  readonly trainStepNodes: number;
  /** Resident update only: the tables whose gradient the step returns as gathered rows. */
  readonly sparseTables: readonly SparseTable[];
}

/**
 * An embedding table the model reads only through one Gather: most of its rows get no gradient
 * in a step, so the resident train step returns the gradient of the gathered rows
 * (`grad_rows.<table>`) and the optimizer adds them into their rows itself. The rows' ids are
 * the graph input `input` (fed from the CPU, so the optimizer knows them) or fixed `ids`.
 */
export interface SparseTable {
  readonly param: string;
  readonly ids: { readonly input: string } | { readonly constant: Int32Array };
}

/** Names of the inputs and outputs the runtime feeds and reads. */
export const io = {
  inputIds: 'input_ids',
  positionIds: 'position_ids',
  tokenTypeIds: 'token_type_ids',
  attentionMask: 'attention_mask',
  labels: 'labels',
  dropoutSeed: 'dropout_seed',
  /** 1 to add this micro-batch's gradients to `grad_acc.*`, 0 to start a new sum. */
  accumulateKeep: 'grad_acc_keep',
  /** 1 / micro-batches in this update, applied once to the summed gradients. */
  gradScale: 'grad_scale',
  loss: 'loss',
  gradNorm: 'grad_norm',
  logits: 'logits',
  m: (param: string) => `adam.m.${param}`,
  v: (param: string) => `adam.v.${param}`,
  acc: (param: string) => `grad_acc.${param}`,
  grad: (param: string) => `grad.${param}`,
  /** The gradient of an embedding table's gathered rows, [..., width]: its sparse gradient. */
  gradRows: (param: string) => `grad_rows.${param}`,
  next: (name: string) => `${name}.next`,
} as const;

interface BatchGraph {
  readonly g: Graph;
  readonly logits: Value;
  /** The parameters that train: those the gradients are taken for. */
  readonly params: Value[];
  readonly task: AnyTask;
}

/** Which parameters of a graph train (null: all) and its LoRA adapters. */
interface GraphPlan {
  readonly trainable: ReadonlySet<string> | null;
  readonly adapters: readonly LoraAdapter[];
}

const everyParam: GraphPlan = { trainable: null, adapters: [] };

function graphPlanOf(options: ArtifactOptions): GraphPlan {
  return options.plan ?? everyParam;
}

/**
 * The classifier over training-style inputs, all int32: the WebGPU EP has no int64 kernels, so
 * int64 ids would put the embedding gradients' index ops on the CPU (the Gather gradient casts
 * its int32 indices to the int64 ScatterND needs, on the GPU).
 */
function classifierOverBatch(name: string, config: EncoderConfig, numLabels: number, task: AnyTask, withDropout: boolean, plan: GraphPlan): BatchGraph {
  const g = new Graph(name);
  const inputIds = g.input(io.inputIds, 'int32', ['batch', 'seq']);
  const positionIds = g.input(io.positionIds, 'int32', ['batch', 'seq']);
  const tokenTypeIds = config.typeVocabSize > 0 ? g.input(io.tokenTypeIds, 'int32', ['batch', 'seq']) : null;
  const attentionMask = op.cast(g.input(io.attentionMask, 'int32', ['batch', 'seq']), 'float32');
  const inputs: ClassifierInputs = { inputIds, positionIds, tokenTypeIds, attentionMask };
  const sites = classifierDropoutSites(config, numLabels, task.head, plan.adapters);
  const dropout = withDropout ? createHashDropout(g, g.input(io.dropoutSeed, 'float32', []), attentionMask, sites) : null;
  const { logits } = buildClassifier(g, config, numLabels, inputs, dropout, task.head, plan.adapters);
  const { trainable } = plan;
  return { g, logits, params: g.params.filter((p) => trainable === null || trainable.has(p.name)), task };
}

/** The batch's `labels` input in the task's layout, and the task's loss against it. */
function lossOf(batch: BatchGraph, numLabels: number): LossGraph {
  const { target } = batch.task;
  const dims = target.per === 'row' ? ['batch'] : target.per === 'label' ? ['batch', numLabels] : ['batch', 'seq'];
  return batch.task.loss(batch.logits, batch.g.input(io.labels, target.dtype, dims));
}

function gradientsOf(batch: BatchGraph, numLabels: number): { loss: Value; grads: Value[] } {
  const { loss, stopGradient } = lossOf(batch, numLabels);
  const gradMap = backward(loss, batch.params, { stopGradient });
  return { loss, grads: batch.params.map((p) => gradMap.get(p)!) };
}

/** grads + keep · acc, the running sum over the micro-batches of one update. */
function addAccumulated(g: Graph, params: readonly Value[], grads: readonly Value[]): Value[] {
  const keep = g.input(io.accumulateKeep, 'float32', []);
  return params.map((p, i) => op.add(grads[i]!, op.mul(g.input(io.acc(p.name), 'float32', p.shape), keep)));
}

interface Compiled {
  readonly model: Uint8Array;
  readonly nodes: number;
}

const compiled = (g: Graph): Compiled => ({ model: encodeModel(g), nodes: liveNodes(g).length });

/** Parameters read by exactly one Gather along axis 0 and nothing else, with that Gather's indices. */
function sparseTablesOf(g: Graph): { param: Value; rows: Value; table: SparseTable }[] {
  const readers = new Map<Value, Node[]>();
  for (const node of g.nodes) {
    for (const input of node.inputs) if (input?.kind === 'param') readers.set(input, [...(readers.get(input) ?? []), node]);
  }
  return g.params.flatMap((param) => {
    const nodes = readers.get(param) ?? [];
    const gather = nodes[0];
    const axis = gather?.attrs.axis;
    if (nodes.length !== 1 || gather?.op !== 'Gather' || gather.inputs[0] !== param || !axis || !('int' in axis) || axis.int !== 0) return [];
    const indices = gather.inputs[1]!;
    const constant = g.constants.get(indices);
    const ids = indices.kind === 'input' ? { input: indices.name } : constant?.data instanceof Int32Array ? { constant: constant.data } : null;
    return ids ? [{ param, rows: gather.outputs[0]!, table: { param: param.name, ids } }] : [];
  });
}

/**
 * The resident update's train step: batch + params → loss, one gradient per dense parameter,
 * and the gathered rows' gradient of each sparse table.
 */
export function gradientStepGraph(config: EncoderConfig, numLabels: number, task: AnyTask, plan: GraphPlan = everyParam): { graph: Graph; sparseTables: SparseTable[] } {
  const batch = classifierOverBatch('gradient_step', config, numLabels, task, true, plan);
  const { g } = batch;
  const trained = new Set(batch.params);
  const sparse = sparseTablesOf(g).filter((s) => trained.has(s.param));
  const sparseParams = new Set(sparse.map((s) => s.param));
  const dense = batch.params.filter((p) => !sparseParams.has(p));
  const { loss, stopGradient } = lossOf(batch, numLabels);
  // The WebGPU step: memory limits the batch there, so the backward pass recomputes what it can make again.
  const grads = backward(loss, [...dense, ...sparse.map((s) => s.rows)], { stopGradient, saveMemory: true });
  g.output(loss, io.loss);
  // A gradient that is a shared value (an input, or another output) gets an Identity to be an output of its own.
  const outputOwn = (value: Value, name: string) => g.output(value.kind === 'node' && !g.outputs.includes(value) ? value : op.identity(value), name);
  for (const p of dense) outputOwn(grads.get(p)!, io.grad(p.name));
  for (const s of sparse) outputOwn(grads.get(s.rows)!, io.gradRows(s.param.name));
  return { graph: g, sparseTables: sparse.map((s) => s.table) };
}

/** The in-graph update's train step (and, with accumulation, its last micro-batch), as a graph. */
export function trainStepGraph(options: ArtifactOptions): Graph {
  const batch = classifierOverBatch('train_step', options.config, options.numLabels, options.task, true, graphPlanOf(options));
  const { g, params } = batch;
  const { loss, grads: microGrads } = gradientsOf(batch, options.numLabels);
  const accumulating = options.gradAccumulation > 1;
  const grads = accumulating ? addAccumulated(g, params, microGrads) : microGrads;
  const meanScale = accumulating ? g.input(io.gradScale, 'float32', []) : null;
  const clipped = g.scope('clip', () => clippingScale(grads, options.maxGradNorm, meanScale));
  const scalars = adamWScalarInputs(g);
  g.output(loss, io.loss);
  g.output(clipped.norm, io.gradNorm);
  params.forEach((param, i) => {
    g.scope(`adamw/${param.name}`, () => {
      const m = g.input(io.m(param.name), 'float32', param.shape);
      const v = g.input(io.v(param.name), 'float32', param.shape);
      const next = adamWUpdate({ param, grad: grads[i]!, m, v, decay: decaysParameter(param.name), gradScale: clipped.scale }, options.optimizer, scalars);
      g.output(next.param, io.next(param.name));
      g.output(next.m, io.next(m.name));
      g.output(next.v, io.next(v.name));
    });
  });
  return g;
}

function compileAccumulateStep(options: ArtifactOptions): Uint8Array {
  const batch = classifierOverBatch('accumulate_step', options.config, options.numLabels, options.task, true, graphPlanOf(options));
  const { loss, grads } = gradientsOf(batch, options.numLabels);
  batch.g.output(loss, io.loss);
  addAccumulated(batch.g, batch.params, grads).forEach((sum, i) => batch.g.output(sum, io.next(io.acc(batch.params[i]!.name))));
  return encodeModel(batch.g);
}

export function compileEvalStep(config: EncoderConfig, numLabels: number, task: AnyTask, adapters: readonly LoraAdapter[] = []): Uint8Array {
  const batch = classifierOverBatch('eval_step', config, numLabels, task, false, { trainable: null, adapters });
  batch.g.output(batch.logits, io.logits);
  return encodeModel(batch.g);
}

export function compileTrainingArtifacts(options: ArtifactOptions): TrainingArtifacts {
  if (!Number.isInteger(options.gradAccumulation) || options.gradAccumulation < 1) {
    throw new Error(`gradient accumulation must be a whole number ≥ 1, got ${options.gradAccumulation}`);
  }
  const { params, trainable } = options.plan ?? parameterPlan(options.config, options.numLabels, fullFineTune, options.task.head);
  if (options.update === 'in-graph') {
    const trainStep = compiled(trainStepGraph(options));
    return {
      trainStep: trainStep.model,
      accumulateStep: options.gradAccumulation > 1 ? compileAccumulateStep(options) : null,
      params,
      trainable,
      trainStepNodes: trainStep.nodes,
      sparseTables: [],
    };
  }
  const { graph, sparseTables } = gradientStepGraph(options.config, options.numLabels, options.task, graphPlanOf(options));
  const trainStep = compiled(graph);
  return { trainStep: trainStep.model, accumulateStep: null, params, trainable, trainStepNodes: trainStep.nodes, sparseTables };
}

/**
 * The exported classifier for transformers.js and onnxruntime: int64 `input_ids`,
 * `attention_mask` and (where the architecture has them) `token_type_ids`, output `logits`.
 * Position ids are computed in the graph; weights are stored as initializers, those in
 * `int8Weights` as int8 dequantized in the graph (see src/export/quantize.ts).
 */
export function compileInferenceModel(
  config: EncoderConfig,
  numLabels: number,
  task: AnyTask,
  weights: ReadonlyMap<string, Float32Array>,
  int8Weights?: ReadonlyMap<string, Int8Weight>,
): Uint8Array {
  return encodeModel(inferenceGraph(config, numLabels, task), { initializers: weights, ...(int8Weights ? { int8Initializers: int8Weights } : {}) });
}

/** The exported model's graph, its parameters still graph params (encodeModel makes them initializers). */
export function inferenceGraph(config: EncoderConfig, numLabels: number, task: AnyTask): Graph {
  const g = new Graph(task.head.replace('-', '_'));
  const inputIds = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  const mask = g.input('attention_mask', 'int64', ['batch_size', 'sequence_length']);
  const tokenTypeIds = config.typeVocabSize > 0 ? g.input('token_type_ids', 'int64', ['batch_size', 'sequence_length']) : null;
  const inputs: ClassifierInputs = {
    inputIds,
    positionIds: inGraphPositionIds(g, config, inputIds),
    tokenTypeIds,
    attentionMask: op.cast(mask, 'float32'),
  };
  const { logits } = buildClassifier(g, config, numLabels, inputs, null, task.head);
  g.output(logits, 'logits');
  return g;
}
