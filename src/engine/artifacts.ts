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
import { crossEntropy } from './loss.ts';
import { type EncoderConfig } from './models/config.ts';
import { buildSequenceClassifier, type ClassifierInputs, classifierDropoutSites } from './models/classifier.ts';
import { createHashDropout } from './models/dropout.ts';
import { classifierParamSpecs } from './models/params.ts';
import { inGraphPositionIds } from './models/positions.ts';
import { encodeModel, type Int8Weight } from './onnx/encode.ts';
import { Graph, type Value } from './onnx/graph.ts';
import * as op from './onnx/ops.ts';
import { type AdamWHyper, adamWScalarInputs, adamWUpdate, decaysParameter } from './optim/adamw.ts';
import { clippingScale } from './optim/clip.ts';
import type { ParamSpec } from './weights/param-spec.ts';

export interface ArtifactOptions {
  readonly config: EncoderConfig;
  readonly numLabels: number;
  readonly optimizer: AdamWHyper;
  /** ≤ 0 disables clipping. */
  readonly maxGradNorm: number;
  readonly gradAccumulation: number;
  /**
   * 'in-graph': the train step applies AdamW itself and returns new parameters and moments.
   * 'resident': it returns the gradients, for an optimizer that updates state in place.
   */
  readonly update: 'in-graph' | 'resident';
}

export interface TrainingArtifacts {
  readonly trainStep: Uint8Array;
  readonly accumulateStep: Uint8Array | null;
  readonly params: readonly ParamSpec[];
  /** Nodes of the train-step graph as compiled, before onnxruntime's own optimizations. */
  readonly trainStepNodes: number;
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
  next: (name: string) => `${name}.next`,
} as const;

interface BatchGraph {
  readonly g: Graph;
  readonly logits: Value;
  readonly params: Value[];
}

/**
 * The classifier over training-style inputs, all int32: the WebGPU EP has no int64 kernels, so
 * int64 ids would put the embedding gradients' index ops on the CPU (the Gather gradient casts
 * its int32 indices to the int64 ScatterND needs, on the GPU).
 */
function classifierOverBatch(name: string, config: EncoderConfig, numLabels: number, withDropout: boolean): BatchGraph {
  const g = new Graph(name);
  const inputIds = g.input(io.inputIds, 'int32', ['batch', 'seq']);
  const positionIds = g.input(io.positionIds, 'int32', ['batch', 'seq']);
  const tokenTypeIds = config.typeVocabSize > 0 ? g.input(io.tokenTypeIds, 'int32', ['batch', 'seq']) : null;
  const attentionMask = op.cast(g.input(io.attentionMask, 'int32', ['batch', 'seq']), 'float32');
  const inputs: ClassifierInputs = { inputIds, positionIds, tokenTypeIds, attentionMask };
  const dropout = withDropout ? createHashDropout(g, g.input(io.dropoutSeed, 'float32', []), attentionMask, classifierDropoutSites(config, numLabels)) : null;
  const { logits } = buildSequenceClassifier(g, config, numLabels, inputs, dropout);
  return { g, logits, params: [...g.params] };
}

function gradientsOf(batch: BatchGraph): { loss: Value; grads: Value[] } {
  const labels = batch.g.input(io.labels, 'int32', ['batch']);
  const { loss, stopGradient } = crossEntropy(batch.logits, labels);
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

const compiled = (g: Graph): Compiled => ({ model: encodeModel(g), nodes: g.nodes.length });

function compileGradientStep(options: ArtifactOptions): Compiled {
  const batch = classifierOverBatch('gradient_step', options.config, options.numLabels, true);
  const { loss, grads } = gradientsOf(batch);
  batch.g.output(loss, io.loss);
  // A gradient can be a value shared with the forward graph or another gradient: an Identity gives each output its own.
  batch.params.forEach((p, i) => batch.g.output(op.identity(grads[i]!), io.grad(p.name)));
  return compiled(batch.g);
}

function compileTrainStep(options: ArtifactOptions): Compiled {
  const batch = classifierOverBatch('train_step', options.config, options.numLabels, true);
  const { g, params } = batch;
  const { loss, grads: microGrads } = gradientsOf(batch);
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
  return compiled(g);
}

function compileAccumulateStep(options: ArtifactOptions): Uint8Array {
  const batch = classifierOverBatch('accumulate_step', options.config, options.numLabels, true);
  const { loss, grads } = gradientsOf(batch);
  batch.g.output(loss, io.loss);
  addAccumulated(batch.g, batch.params, grads).forEach((sum, i) => batch.g.output(sum, io.next(io.acc(batch.params[i]!.name))));
  return encodeModel(batch.g);
}

export function compileEvalStep(config: EncoderConfig, numLabels: number): Uint8Array {
  const batch = classifierOverBatch('eval_step', config, numLabels, false);
  batch.g.output(batch.logits, io.logits);
  return encodeModel(batch.g);
}

export function compileTrainingArtifacts(options: ArtifactOptions): TrainingArtifacts {
  if (!Number.isInteger(options.gradAccumulation) || options.gradAccumulation < 1) {
    throw new Error(`gradient accumulation must be a whole number ≥ 1, got ${options.gradAccumulation}`);
  }
  const inGraph = options.update === 'in-graph';
  const trainStep = inGraph ? compileTrainStep(options) : compileGradientStep(options);
  return {
    trainStep: trainStep.model,
    accumulateStep: inGraph && options.gradAccumulation > 1 ? compileAccumulateStep(options) : null,
    params: classifierParamSpecs(options.config, options.numLabels),
    trainStepNodes: trainStep.nodes,
  };
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
  weights: ReadonlyMap<string, Float32Array>,
  int8Weights?: ReadonlyMap<string, Int8Weight>,
): Uint8Array {
  const g = new Graph('sequence_classification');
  const inputIds = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  const mask = g.input('attention_mask', 'int64', ['batch_size', 'sequence_length']);
  const tokenTypeIds = config.typeVocabSize > 0 ? g.input('token_type_ids', 'int64', ['batch_size', 'sequence_length']) : null;
  const inputs: ClassifierInputs = {
    inputIds,
    positionIds: inGraphPositionIds(g, config, inputIds),
    tokenTypeIds,
    attentionMask: op.cast(mask, 'float32'),
  };
  const { logits } = buildSequenceClassifier(g, config, numLabels, inputs, null);
  g.output(logits, 'logits');
  return encodeModel(g, { initializers: weights, ...(int8Weights ? { int8Initializers: int8Weights } : {}) });
}
