/**
 * The update as one ONNX session (CPU and WASM): the train-step graph takes the parameters and
 * moments as inputs and returns their updated values, which replace the old tensors once the
 * loss and gradient norm are known to be finite. With gradient accumulation, an accumulate-step
 * session sums the earlier micro-batches' gradients first.
 */
import { io, type TrainingArtifacts } from '../artifacts.ts';
import type { TrainingCheckpoint } from '../checkpoint.ts';
import { type AdamWHyper, adamWScalarValues } from '../optim/adamw.ts';
import { pickFeeds } from '../predictor.ts';
import { type Backend, readFloat32, type RuntimeSession, type RuntimeTensor, sessionOptions } from '../runtime.ts';
import type { ParamSpec } from '../weights/param-spec.ts';
import { readScalar, requireFinite, trainedMoments, type Updater, type UpdateResult, type UpdateStep, type WeightsAndMoments } from './updater.ts';

type TensorMap = Map<string, RuntimeTensor>;

async function readTensors(map: TensorMap): Promise<Map<string, Float32Array>> {
  return new Map(await Promise.all([...map].map(async ([n, t]) => [n, (await readFloat32(t)).slice()] as const)));
}

interface InGraphState {
  readonly params: TensorMap;
  readonly m: TensorMap;
  readonly v: TensorMap;
}

export class InGraphUpdate implements Updater {
  private constructor(
    private readonly backend: Backend,
    private readonly sessions: { readonly train: RuntimeSession; readonly accumulate: RuntimeSession | null },
    private readonly state: InGraphState,
    private readonly optimizer: AdamWHyper,
  ) {}

  /** Compiles the sessions and uploads the checkpoint's parameters and moments (zeros before the first update). */
  static async create(backend: Backend, artifacts: TrainingArtifacts, checkpoint: TrainingCheckpoint, optimizer: AdamWHyper): Promise<InGraphUpdate> {
    const trained = artifacts.params.filter((p) => artifacts.trainable.has(p.name));
    const names = trained.map((p) => p.name);
    const resident = (prefix: (n: string) => string) => names.map((n) => io.next(prefix(n)));
    const trainOutputs = [...resident((n) => n), ...resident(io.m), ...resident(io.v)];
    const { ort } = backend;
    const sessions = {
      train: await ort.InferenceSession.create(artifacts.trainStep, sessionOptions(backend, trainOutputs)),
      accumulate: artifacts.accumulateStep ? await ort.InferenceSession.create(artifacts.accumulateStep, sessionOptions(backend, resident(io.acc))) : null,
    };
    const upload = (specs: readonly ParamSpec[], source: (name: string) => Float32Array) =>
      new Map(specs.map((p) => [p.name, new ort.Tensor('float32', source(p.name), p.shape)] as const));
    const zeros = (name: string) => new Float32Array(checkpoint.params.get(name)!.length);
    const moments = trainedMoments(checkpoint, names);
    const state = {
      params: upload(artifacts.params, (name) => checkpoint.params.get(name)!),
      m: upload(trained, (name) => moments?.m.get(name) ?? zeros(name)),
      v: upload(trained, (name) => moments?.v.get(name) ?? zeros(name)),
    };
    return new InGraphUpdate(backend, sessions, state, optimizer);
  }

  get params(): ReadonlyMap<string, RuntimeTensor> {
    return this.state.params;
  }

  async update(microBatches: readonly Record<string, RuntimeTensor>[], step: UpdateStep): Promise<UpdateResult> {
    const accumulated: TensorMap = new Map();
    const created: RuntimeTensor[] = [];
    let lossSum = 0;
    const accumulating = this.sessions.accumulate !== null;
    try {
      for (let i = 0; i < microBatches.length - 1; i++) {
        const session = this.sessions.accumulate!;
        const out = await session.run(pickFeeds(session, { ...microBatches[i]!, ...this.accumulationFeeds(accumulated, i === 0), ...Object.fromEntries(this.state.params) }));
        lossSum += requireFinite(await readScalar(out[io.loss]!), 'loss', step.t);
        for (const name of this.state.m.keys()) {
          const next = out[io.next(io.acc(name))]!;
          created.push(next);
          accumulated.get(name)?.dispose();
          accumulated.set(name, next);
        }
      }
      const scalars = Object.entries(adamWScalarValues(this.optimizer, step.t, step.learningRate)).map(([k, x]) => [k, this.scalar(x)]);
      const lastFeeds: Record<string, RuntimeTensor> = { ...microBatches[microBatches.length - 1]!, ...this.stateFeeds(), ...Object.fromEntries(scalars) };
      if (accumulating) Object.assign(lastFeeds, this.accumulationFeeds(accumulated, microBatches.length === 1), { [io.gradScale]: this.scalar(1 / microBatches.length) });
      const out = await this.sessions.train.run(pickFeeds(this.sessions.train, lastFeeds));
      for (const t of Object.values(out)) created.push(t);
      lossSum += requireFinite(await readScalar(out[io.loss]!), 'loss', step.t);
      const gradNorm = requireFinite(await readScalar(out[io.gradNorm]!), 'gradient norm', step.t);
      this.swapState(out);
      created.length = 0;
      return { loss: lossSum / microBatches.length, gradNorm };
    } finally {
      for (const t of created) t.dispose();
      for (const t of accumulated.values()) if (!created.includes(t)) t.dispose();
    }
  }

  async read(): Promise<WeightsAndMoments> {
    return { params: await readTensors(this.state.params), m: await readTensors(this.state.m), v: await readTensors(this.state.v) };
  }

  readParams(): Promise<Map<string, Float32Array>> {
    return readTensors(this.state.params);
  }

  loadParams(values: ReadonlyMap<string, Float32Array>): void {
    for (const [name, old] of [...this.state.params]) {
      this.state.params.set(name, new this.backend.ort.Tensor('float32', values.get(name)!.slice(), old.dims));
      old.dispose();
    }
  }

  async release(): Promise<void> {
    for (const map of [this.state.params, this.state.m, this.state.v]) for (const t of map.values()) t.dispose();
    await Promise.all([this.sessions.train.release(), this.sessions.accumulate?.release()]);
  }

  private scalar(value: number): RuntimeTensor {
    return new this.backend.ort.Tensor('float32', Float32Array.of(value), []);
  }

  private stateFeeds(): Record<string, RuntimeTensor> {
    const feeds: Record<string, RuntimeTensor> = {};
    for (const [name, t] of this.state.params) feeds[name] = t;
    for (const [name, m] of this.state.m) {
      feeds[io.m(name)] = m;
      feeds[io.v(name)] = this.state.v.get(name)!;
    }
    return feeds;
  }

  /** The first micro-batch of an update starts a new sum: keep=0 over any same-shaped tensor (the parameters). */
  private accumulationFeeds(accumulated: TensorMap, fresh: boolean): Record<string, RuntimeTensor> {
    const feeds: Record<string, RuntimeTensor> = { [io.accumulateKeep]: this.scalar(fresh ? 0 : 1) };
    for (const name of this.state.m.keys()) feeds[io.acc(name)] = fresh ? this.state.params.get(name)! : accumulated.get(name)!;
    return feeds;
  }

  private swapState(out: Record<string, RuntimeTensor>): void {
    const take = (map: TensorMap, key: (n: string) => string) => {
      for (const name of [...map.keys()]) {
        map.get(name)!.dispose();
        map.set(name, out[io.next(key(name))]!);
      }
    };
    for (const name of this.state.m.keys()) {
      this.state.params.get(name)!.dispose();
      this.state.params.set(name, out[io.next(name)]!);
    }
    take(this.state.m, io.m);
    take(this.state.v, io.v);
  }
}
