/**
 * The update on WebGPU with the training state held once: the train-step graph computes the
 * loss and the gradients (left in GPU buffers), and ResidentAdamW's kernels clip and apply
 * them to parameters and moments in place. Nothing the size of the model is allocated per
 * step, and only the loss and a few hundred partial sums of the gradient norm come back to
 * the CPU.
 */
import { io, type SparseTable, type TrainingArtifacts } from '../artifacts.ts';
import type { TrainingCheckpoint } from '../checkpoint.ts';
import { type AdamWHyper, adamWInputNames, adamWScalarValues, decaysParameter } from '../optim/adamw.ts';
import { chunkElementsFor, chunkParams } from '../optim/param-chunks.ts';
import { type GradientSource, ResidentAdamW } from '../optim/resident-adamw.ts';
import { pickFeeds } from '../predictor.ts';
import { type Backend, type RuntimeSession, type RuntimeTensor, sessionOptions } from '../runtime.ts';
import { readScalar, requireFinite, trainedMoments, type Updater, type UpdateResult, type UpdateStep, type WeightsAndMoments } from './updater.ts';

export interface ResidentUpdateOptions {
  readonly optimizer: AdamWHyper;
  /** ≤ 0 disables clipping. */
  readonly maxGradNorm: number;
  readonly gradAccumulation: number;
  /** Batch size × max length: the most tokens a micro-batch brings. */
  readonly maxTokens: number;
}

export class ResidentUpdate implements Updater {
  readonly params: ReadonlyMap<string, RuntimeTensor>;

  /** Compiles the gradient step, then puts the checkpoint's parameters and moments into GPU buffers on onnxruntime's device. */
  static async create(backend: Backend, artifacts: TrainingArtifacts, checkpoint: TrainingCheckpoint, options: ResidentUpdateOptions): Promise<ResidentUpdate> {
    const { ort } = backend;
    const { fromGpuBuffer } = ort.Tensor;
    const devicePromise = ort.env?.webgpu?.device;
    if (!fromGpuBuffer || !devicePromise) throw new Error('this onnxruntime module cannot share WebGPU buffers (Tensor.fromGpuBuffer, env.webgpu.device)');
    const sparse = new Set(artifacts.sparseTables.map((t) => t.param));
    // Frozen parameters get a buffer too (the step reads them) but no chunk: no moments, no update.
    const trained = artifacts.params.filter((p) => artifacts.trainable.has(p.name));
    const gradients = trained.map((p) => (sparse.has(p.name) ? io.gradRows(p.name) : io.grad(p.name)));
    const session = await ort.InferenceSession.create(artifacts.trainStep, sessionOptions(backend, gradients));
    const device = await devicePromise;
    const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
    const sized = trained.map((p) => ({ name: p.name, size: sizeOf(p.shape), ...(sparse.has(p.name) ? { rowWidth: p.shape[1]! } : {}) }));
    const total = sized.reduce((n, p) => n + p.size, 0);
    const chunks = chunkParams(sized, decaysParameter, chunkElementsFor(total, device.limits.maxStorageBufferBindingSize));
    const params = artifacts.params.map((p) => ({ name: p.name, shape: p.shape, data: checkpoint.params.get(p.name)! }));
    try {
      const adamw = new ResidentAdamW(device, chunks, options.optimizer, params, trainedMoments(checkpoint, trained.map((p) => p.name)), options.gradAccumulation, options.maxTokens);
      const wrap = (buffer: GPUBuffer, dims: readonly number[]) => fromGpuBuffer.call(ort.Tensor, buffer, { dataType: 'float32', dims });
      return new ResidentUpdate(session, adamw, wrap, artifacts.sparseTables, options);
    } catch (error) {
      await session.release();
      throw error;
    }
  }

  private constructor(
    private readonly session: RuntimeSession,
    private readonly adamw: ResidentAdamW,
    wrap: (buffer: GPUBuffer, dims: readonly number[]) => RuntimeTensor,
    private readonly sparseTables: readonly SparseTable[],
    private readonly options: ResidentUpdateOptions,
  ) {
    this.params = new Map(adamw.paramNames.map((name) => [name, wrap(adamw.paramBuffer(name), adamw.shapeOf(name))]));
  }

  async update(microBatches: readonly Record<string, RuntimeTensor>[], step: UpdateStep): Promise<UpdateResult> {
    const accumulating = this.options.gradAccumulation > 1;
    let lossSum = 0;
    let grads: Record<string, RuntimeTensor> = {};
    try {
      for (const [i, feeds] of microBatches.entries()) {
        dispose(grads);
        // The gradients are the runtime's own buffers, from its cache: in the order it runs the step
        // (see liveNodes in onnx/encode.ts) they reuse the buffers of activations already freed, where
        // buffers of our own would add the gradients' size to the forward pass's peak.
        const out = await this.session.run(pickFeeds(this.session, { ...feeds, ...Object.fromEntries(this.params) }));
        const { [io.loss]: loss, ...rest } = out;
        grads = rest;
        lossSum += requireFinite(await readScalar(loss!), 'loss', step.t);
        loss!.dispose();
        if (accumulating) this.adamw.accumulate(this.gradientSources(grads, feeds), i === 0);
      }
      const source = accumulating ? null : this.gradientSources(grads, microBatches[0]!);
      const meanScale = accumulating ? 1 / microBatches.length : 1;
      const norm = Math.sqrt(await this.adamw.gradientSquaredNorm(source)) * meanScale;
      requireFinite(norm, 'gradient norm', step.t);
      // clip_grad_norm_'s factor, as optim/clip.ts computes it in the graph.
      const clip = this.options.maxGradNorm > 0 ? Math.min(1, this.options.maxGradNorm / (norm + 1e-6)) : 1;
      const scalars = adamWScalarValues(this.options.optimizer, step.t, step.learningRate);
      this.adamw.step(source, {
        stepSize: scalars[adamWInputNames.stepSize]!,
        biasCorrection2Sqrt: scalars[adamWInputNames.biasCorrection2Sqrt]!,
        decayFactor: scalars[adamWInputNames.decayFactor]!,
        gradScale: clip * meanScale,
      });
      return { loss: lossSum / microBatches.length, gradNorm: norm };
    } finally {
      dispose(grads);
    }
  }

  async read(): Promise<WeightsAndMoments> {
    return { params: await this.adamw.readParams(), ...(await this.adamw.readMoments()) };
  }

  readParams(): Promise<Map<string, Float32Array>> {
    return this.adamw.readParams();
  }

  loadParams(values: ReadonlyMap<string, Float32Array>): void {
    this.adamw.writeParams(values);
  }

  async release(): Promise<void> {
    await this.session.release();
    this.adamw.destroy();
  }

  /** The step's gradients by parameter: dense ones, and each sparse table's gathered rows with their ids from `feeds`. */
  private gradientSources(out: Record<string, RuntimeTensor>, feeds: Record<string, RuntimeTensor>): Map<string, GradientSource> {
    const sources = new Map<string, GradientSource>();
    for (const table of this.sparseTables) {
      const ids = 'constant' in table.ids ? table.ids.constant : feeds[table.ids.input]!.data;
      if (!(ids instanceof Int32Array)) throw new Error(`the ids of ${table.param} are not an int32 tensor on the CPU`);
      sources.set(table.param, { rows: out[io.gradRows(table.param)]!.gpuBuffer, ids });
    }
    for (const name of this.adamw.trainedNames) if (!sources.has(name)) sources.set(name, { dense: out[io.grad(name)]!.gpuBuffer });
    return sources;
  }
}

function dispose(tensors: Record<string, RuntimeTensor>): void {
  for (const t of Object.values(tensors)) t.dispose();
}
