/**
 * The training loop. Read it top to bottom: create() compiles the artifacts and puts the
 * weights on the device; train() runs updates until the schedule ends or the caller pauses;
 * each update hands one (or, with accumulation, several) padded batches to the Updater, which
 * applies AdamW where the weights live (update/updater.ts). Only the batch goes up and only the
 * loss comes down; on WebGPU the weights never leave GPU buffers until snapshot().
 */
import { compileTrainingArtifacts, io, type TrainingArtifacts } from './artifacts.ts';
import type { Target } from './tasks/task.ts';
import { epochOrder, padBatch, type PaddedBatch, type PaddingRules, type TokenizedExample } from './batching.ts';
import { type EvalRecord, type StepRecord, type TrainingCheckpoint, type TrainingProgress } from './checkpoint.ts';
import { type EncoderConfig, parseModelConfig } from './models/config.ts';
import { dropoutSeedFor } from './models/dropout.ts';
import { parameterPlan } from './models/fine-tune-method.ts';
import { maxSequenceLength } from './models/positions.ts';
import { trainerAdamW } from './optim/adamw.ts';
import { learningRateAt, type LinearSchedule, warmupStepsFor } from './optim/schedule.ts';
import { Predictor } from './predictor.ts';
import { plannedUpdates, resumedWith } from './run-plan.ts';
import type { Backend } from './runtime.ts';
import { fineTuneMethodOf, type TrainingSettings, validateSettings } from './settings.ts';
import { type AnyTask, type TaskMetrics, taskOfModelConfig } from './tasks/index.ts';
import type { MetricOptions } from './tasks/task.ts';
import { InGraphUpdate } from './update/in-graph-update.ts';
import { ResidentUpdate } from './update/resident-update.ts';
import type { Updater } from './update/updater.ts';

export { DivergedError } from './update/updater.ts';

export type TrainerEvent =
  | { readonly type: 'step'; readonly record: StepRecord; readonly samplesPerSecond: number; readonly etaMs: number; readonly totalSteps: number }
  | { readonly type: 'eval'; readonly record: EvalRecord };

export interface TrainerInit {
  readonly backend: Backend;
  readonly checkpoint: TrainingCheckpoint;
  readonly train: readonly TokenizedExample[];
  readonly validation: readonly TokenizedExample[];
  readonly onEvent?: (event: TrainerEvent) => void;
  /**
   * Called after each evaluation, before the next update, with the weights still as evaluated:
   * Trainer's callbacks' place (best model, early stopping). 'stop' ends the run as finished.
   */
  readonly afterEvaluation?: (record: EvalRecord) => Promise<'continue' | 'stop'>;
}

export type TrainOutcome = 'finished' | 'paused';

/** What is wrong with a row's target for this task and label count, or null: checked before the first update. */
function targetProblem(task: AnyTask, target: Target, numLabels: number): string | null {
  const { dtype, per, pad } = task.target;
  if ((dtype === 'int32') !== target instanceof Int32Array) return `has a ${target instanceof Int32Array ? 'int32' : 'float32'} target, expected ${dtype}`;
  const width = per === 'row' ? 1 : per === 'label' ? numLabels : null;
  if (width !== null && target.length !== width) return `has ${target.length} target values, expected ${width}`;
  if (dtype === 'int32') {
    // Only padded token positions may hold the pad value (-100, ignored by the loss).
    const ignored = per === 'token' ? pad : null;
    const bad = target.find((id) => id !== ignored && !(id >= 0 && id < numLabels));
    if (bad !== undefined) return `has label id ${bad}, expected 0…${numLabels - 1}`;
  }
  if (dtype === 'float32' && target.some((x) => !Number.isFinite(x))) return 'has a target that is not a finite number';
  return null;
}

export class Trainer {
  private progress: TrainingProgress;
  private dataOrder: number[];
  private readonly steps: StepRecord[];
  private readonly evals: EvalRecord[];
  private schedule: LinearSchedule;
  private readonly padding: PaddingRules;
  private readonly batchesPerEpoch: number;

  private constructor(
    private readonly init: TrainerInit,
    readonly config: EncoderConfig,
    readonly task: AnyTask,
    private plannedSettings: TrainingSettings,
    readonly artifacts: TrainingArtifacts,
    private readonly updater: Updater,
    private readonly predictor: Predictor,
  ) {
    const c = init.checkpoint;
    this.progress = c.progress;
    this.dataOrder = [...c.dataOrder];
    this.steps = [...c.history.steps];
    this.evals = [...c.history.evals];
    this.batchesPerEpoch = Math.ceil(init.train.length / plannedSettings.batchSize);
    this.schedule = Trainer.scheduleFor(plannedSettings, init.train.length);
    this.padding = predictor.paddingRules(plannedSettings.maxLength);
  }

  private static scheduleFor(settings: TrainingSettings, trainRows: number): LinearSchedule {
    const totalSteps = plannedUpdates(settings, trainRows);
    return { baseLr: settings.learningRate, totalSteps, warmupSteps: warmupStepsFor(totalSteps, settings.warmupRatio) };
  }

  static async create(init: TrainerInit): Promise<Trainer> {
    const { checkpoint, backend } = init;
    const settings = checkpoint.settings;
    validateSettings(settings);
    if (init.train.length === 0) throw new Error('the training set is empty');
    const config = parseModelConfig(checkpoint.modelConfig);
    const task = taskOfModelConfig(checkpoint.modelConfig);
    const numLabels = task.numLabels(checkpoint.labels);
    const longest = maxSequenceLength(config);
    for (const [split, rows] of [['training', init.train], ['validation', init.validation]] as const) {
      const bad = rows.findIndex((r) => targetProblem(task, r.target, numLabels) !== null);
      if (bad >= 0) throw new Error(`${split} row ${bad + 1} ${targetProblem(task, rows[bad]!.target, numLabels)!}`);
      // Past the position table, onnxruntime would fail deep inside a Gather with no hint of why.
      const tooLong = rows.findIndex((r) => r.inputIds.length > longest);
      if (tooLong >= 0) {
        throw new Error(
          `${split} row ${tooLong + 1} has ${rows[tooLong]!.inputIds.length} tokens, but this model takes at most ${longest} ` +
            `(max_position_embeddings ${config.maxPositions}): lower the max length to ${longest} or less`,
        );
      }
    }
    // On WebGPU the optimizer updates state in place in GPU buffers; elsewhere the graph returns it.
    const resident = backend.name === 'webgpu';
    const optimizer = { ...trainerAdamW, weightDecay: settings.weightDecay };
    const plan = parameterPlan(config, numLabels, fineTuneMethodOf(settings), task.head);
    const artifacts = compileTrainingArtifacts({
      config,
      numLabels,
      task,
      plan,
      optimizer,
      maxGradNorm: settings.maxGradNorm,
      gradAccumulation: settings.gradAccumulation,
      update: resident ? 'resident' : 'in-graph',
    });
    const missing = artifacts.params.find((p) => !checkpoint.params.has(p.name));
    if (missing) throw new Error(`the checkpoint has no value for ${missing.name}`);
    const predictor = await Predictor.create(backend, config, numLabels, task, plan.adapters);
    try {
      const updater = resident
        ? await ResidentUpdate.create(backend, artifacts, checkpoint, {
            optimizer,
            maxGradNorm: settings.maxGradNorm,
            gradAccumulation: settings.gradAccumulation,
            maxTokens: settings.batchSize * Math.min(settings.maxLength, longest),
          })
        : await InGraphUpdate.create(backend, artifacts, checkpoint, optimizer);
      return new Trainer(init, config, task, settings, artifacts, updater, predictor);
    } catch (error) {
      await predictor.release();
      throw error;
    }
  }

  get settings(): TrainingSettings {
    return this.plannedSettings;
  }

  get totalSteps(): number {
    return this.schedule.totalSteps;
  }

  /**
   * Settings changed between train() calls, for a resumed run: only those run-plan.ts lets a
   * resumed run change. The schedule is planned again to the new total from the step reached.
   */
  replan(settings: TrainingSettings): void {
    validateSettings(settings);
    const { progress } = resumedWith({ ...this.init.checkpoint, settings: this.plannedSettings, progress: this.progress }, settings);
    this.plannedSettings = settings;
    this.schedule = Trainer.scheduleFor(settings, this.init.train.length);
    this.progress = progress;
  }

  get currentProgress(): TrainingProgress {
    return this.progress;
  }

  /** Runs updates until the schedule ends, or until `signal` aborts (checked between updates). */
  async train(signal?: AbortSignal): Promise<TrainOutcome> {
    const { settings } = this;
    const started = performance.now();
    let samplesThisRun = 0;
    let stepsThisRun = 0;
    while (this.progress.step < this.schedule.totalSteps) {
      // One macrotask turn per update: a single-threaded WASM run otherwise never lets a
      // worker read its messages, so a pause would only arrive when training ended.
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (signal?.aborted) return 'paused';
      if (this.dataOrder.length === 0) this.dataOrder = epochOrder(this.init.train.length, settings.seed, this.progress.epoch);
      const first = this.progress.batchInEpoch;
      const last = Math.min(first + settings.gradAccumulation, this.batchesPerEpoch);
      const batches = [];
      for (let b = first; b < last; b++) batches.push(this.trainingBatch(b));
      const lr = learningRateAt(this.schedule, this.progress.step);
      const { loss, gradNorm } = await this.update(batches, lr);
      samplesThisRun += batches.reduce((n, b) => n + b.size, 0);
      stepsThisRun += 1;
      const p = this.progress;
      const record: StepRecord = { step: p.step + 1, epoch: p.epoch + last / this.batchesPerEpoch, loss, learningRate: lr, gradNorm };
      this.steps.push(record);
      this.progress = {
        ...p,
        step: p.step + 1,
        batchInEpoch: last,
        microStep: p.microStep + batches.length,
        epochLossSum: p.epochLossSum + loss,
        epochLossCount: p.epochLossCount + 1,
      };
      const elapsed = performance.now() - started;
      this.emit({
        type: 'step',
        record,
        samplesPerSecond: (samplesThisRun / elapsed) * 1000,
        etaMs: (elapsed / stepsThisRun) * (this.schedule.totalSteps - this.progress.step),
        totalSteps: this.schedule.totalSteps,
      });
      const epochDone = last === this.batchesPerEpoch;
      const scheduleDone = this.progress.step === this.schedule.totalSteps;
      let decision: 'continue' | 'stop' = 'continue';
      if (epochDone || scheduleDone || (settings.evalSteps > 0 && this.progress.step % settings.evalSteps === 0)) {
        const record = await this.recordEvaluation(epochDone || scheduleDone);
        if (record && this.init.afterEvaluation) decision = await this.init.afterEvaluation(record);
      }
      if (epochDone) {
        this.progress = { ...this.progress, epoch: this.progress.epoch + 1, batchInEpoch: 0, epochLossSum: 0, epochLossCount: 0 };
        this.dataOrder = [];
      }
      if (decision === 'stop') break;
    }
    this.progress = { ...this.progress, finished: true };
    return 'finished';
  }

  private trainingBatch(index: number): PaddedBatch {
    const { batchSize } = this.settings;
    const rows = this.dataOrder.slice(index * batchSize, (index + 1) * batchSize).map((i) => this.init.train[i]!);
    return padBatch(rows, this.padding);
  }

  /**
   * One optimizer update over `batches` (one per micro-batch), each with its own dropout seed.
   * The updater replaces the weights only after every check passed, so a failed or diverged
   * step leaves the model as it was.
   */
  private update(batches: PaddedBatch[], lr: number): Promise<{ loss: number; gradNorm: number }> {
    const microStep = this.progress.microStep;
    const { Tensor } = this.init.backend.ort;
    const microBatches = batches.map((batch, i) => ({
      ...this.predictor.batchFeeds(batch),
      [io.dropoutSeed]: new Tensor('float32', Float32Array.of(dropoutSeedFor(this.settings.seed, microStep + i)), []),
    }));
    return this.updater.update(microBatches, { t: this.progress.step + 1, learningRate: lr });
  }

  private async recordEvaluation(endOfEpoch: boolean): Promise<EvalRecord | null> {
    if (this.init.validation.length === 0) return null;
    const metrics = await this.evaluate(this.init.validation);
    const p = this.progress;
    const record: EvalRecord = {
      step: p.step,
      epoch: p.epoch + p.batchInEpoch / this.batchesPerEpoch,
      trainLoss: endOfEpoch && p.epochLossCount > 0 ? p.epochLossSum / p.epochLossCount : null,
      metrics,
    };
    this.evals.push(record);
    this.emit({ type: 'eval', record });
    return record;
  }

  /** Logits for `rows`, row after row, with dropout off. */
  logits(rows: readonly TokenizedExample[]): Promise<Float32Array> {
    return this.predictor.logits(rows, this.updater.params, { maxLength: this.settings.maxLength, batchSize: this.settings.evalBatchSize });
  }

  async evaluate(rows: readonly TokenizedExample[], options: MetricOptions = {}): Promise<TaskMetrics> {
    const logits = await this.logits(rows);
    return this.task.metrics(logits, rows, this.init.checkpoint.labels, options);
  }

  /** A copy of the weights as they are now, read back from the device. */
  weights(): Promise<Map<string, Float32Array>> {
    return this.updater.readParams();
  }

  /** Replaces the weights (e.g. with the best evaluation's, at the end of a run); the optimizer moments stay. */
  loadWeights(weights: ReadonlyMap<string, Float32Array>): void {
    for (const p of this.artifacts.params) {
      const data = weights.get(p.name);
      if (!data || data.length !== p.shape.reduce((a, b) => a * b, 1)) throw new Error(`the weights to load have no value of the right size for ${p.name}`);
    }
    this.updater.loadParams(weights);
  }

  /** Reads the weights and moments back from the device: everything needed to resume. */
  async snapshot(): Promise<TrainingCheckpoint> {
    const state = await this.updater.read();
    return {
      modelConfig: this.init.checkpoint.modelConfig,
      labels: this.init.checkpoint.labels,
      settings: this.settings,
      progress: this.progress,
      dataOrder: this.dataOrder,
      history: { steps: [...this.steps], evals: [...this.evals] },
      params: state.params,
      paramShapes: new Map(this.artifacts.params.map((p) => [p.name, p.shape])),
      moments: this.progress.step > 0 ? { m: state.m, v: state.v } : null,
      ...(this.init.checkpoint.dataFingerprint === undefined ? {} : { dataFingerprint: this.init.checkpoint.dataFingerprint }),
      ...(this.init.checkpoint.labelOptions === undefined ? {} : { labelOptions: this.init.checkpoint.labelOptions }),
    };
  }

  get history(): { steps: readonly StepRecord[]; evals: readonly EvalRecord[] } {
    return { steps: this.steps, evals: this.evals };
  }

  async release(): Promise<void> {
    await Promise.all([this.updater.release(), this.predictor.release()]);
  }

  private emit(event: TrainerEvent): void {
    this.init.onEvent?.(event);
  }
}
