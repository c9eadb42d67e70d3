/**
 * What the train worker does, apart from the worker plumbing so Node tests can drive it: it
 * holds the loaded model and the run, trains in the background while still answering Pause
 * and Stop, saves a checkpoint after every epoch, every few minutes of training (see
 * checkpoint-cadence.ts) and whenever the run pauses or ends, and evaluates, classifies and
 * exports the trained model.
 *
 * The trainer's pause is exact (it stops between updates and resumes on the same batch), so
 * the run is trained in stretches of `train()` calls that end at each epoch and each periodic
 * checkpoint: between calls the weights are still, and the checkpoint is taken there.
 */
import { NO_TARGET, type TokenizedExample } from '../src/engine/batching.ts';
import { BestModelKeeper } from '../src/engine/best-model.ts';
import { CheckpointClock, defaultCheckpointCadence } from '../src/engine/checkpoint-cadence.ts';
import { parseCheckpoint, serializeCheckpoint, type StepRecord, type TrainingCheckpoint } from '../src/engine/checkpoint.ts';
import { dataFingerprint } from '../src/engine/data-fingerprint.ts';
import { WEBGPU_DEFAULT_LIMITS } from '../src/engine/memory/gpu-fit.ts';
import { startingPoint, type StartingPoint } from '../src/engine/pretrained.ts';
import { plannedUpdates, resumedWith } from '../src/engine/run-plan.ts';
import { predictionOf, taskById, taskOfModelConfig } from '../src/engine/tasks/index.ts';
import type { LabelOptions, MetricOptions } from '../src/engine/tasks/task.ts';
import { DivergedError, Trainer, type TrainerEvent } from '../src/engine/trainer.ts';
import type { DownloadProgress } from '../src/hub/hub-client.ts';
import { dropoutEntries, type BaseModel } from '../src/export/training-project.ts';
import { HubError } from '../src/hub/hub-client.ts';
import type { ChosenBackend } from './backend.ts';
import { checkpointDownload, checkpointInfo, checkpointStart, requireFitsModel } from './checkpoint-file.ts';
import { exportBundle } from './export-bundle.ts';
import type { LoadedModel } from './model-loader.ts';
import { type EvaluatedSplit, evaluationDetails } from './evaluation-details.ts';
import { inspectRows } from './inspect-rows.ts';
import { unpackRows } from './packed-rows.ts';
import { baseModelOf, checkpointWeightsBase, projectDownload, requireRunRows } from './project-export.ts';
import { GpuMemoryError, memoryEstimate, requireGpuFit } from './gpu-budget.ts';
import { DEFAULT_GPU_MEMORY_BUDGET_MB } from './protocol.ts';
import { yieldingBackend } from './yielding-backend.ts';
import type {
  BackendChoice,
  BackendInfo,
  CompleteTokenizerFiles,
  DatasetSummary,
  ModelRequestSource,
  ModelSummary,
  RunEnd,
  SavedRunInfo,
  TrainingSettings,
  TrainReply,
  TrainRequest,
} from './protocol.ts';
import type { SavedRun } from './saved-run.ts';

export interface TrainServiceDeps {
  readonly send: (reply: TrainReply) => void;
  readonly chooseBackend: (choice: BackendChoice) => Promise<ChosenBackend>;
  /** WASM, for when WebGPU was chosen but could not run the model. */
  readonly wasmBackend: (reason: string) => Promise<ChosenBackend>;
  readonly loadModel: (source: ModelRequestSource, onProgress: (p: DownloadProgress) => void) => Promise<LoadedModel>;
  readonly savedRun: () => Promise<SavedRun>;
  /** Milliseconds, monotonic: when periodic checkpoints are due. */
  readonly now?: () => number;
}

/** Step records are sent at most this often: a fast run gives the page a few updates a second, not hundreds. */
export const STEP_FLUSH_MS = 250;
/** How long a failure on WebGPU waits for the browser to say whether the device was lost, to report that instead. */
const DEVICE_LOSS_GRACE_MS = 500;

interface Run {
  trainer: Trainer | null;
  /** The latest snapshot: what a new trainer starts from when the old one is gone. */
  checkpoint: TrainingCheckpoint;
  readonly rows: { readonly train: TokenizedExample[]; readonly validation: TokenizedExample[] };
  readonly validationTexts: readonly string[];
  readonly tokenizer: CompleteTokenizerFiles;
  readonly dataset: DatasetSummary;
  readonly model: ModelSummary;
  /** What the run started from and the config entries it overrode, for the training project. */
  readonly base: BaseModel;
  readonly configOverrides: Readonly<Record<string, unknown>>;
  backend: BackendInfo | null;
  /** Resolves with the reason when the GPU under `trainer` is lost; null off WebGPU. */
  deviceLost: Promise<string> | null;
  state: 'running' | RunEnd;
  /** Best evaluation and early stopping, as Trainer's load_best_model_at_end and EarlyStoppingCallback. */
  readonly keeper: BestModelKeeper;
  /** The page's record of the run. */
  readonly runId: string | null;
}

function keeperOf(checkpoint: TrainingCheckpoint): BestModelKeeper {
  return new BestModelKeeper(checkpoint.settings, checkpoint.history.evals, checkpoint.bestWeights ?? null);
}

export class TrainService {
  private model: LoadedModel | null = null;
  private run: Run | null = null;
  /** A checkpoint file the user loaded; the next run starts from it when asked to. */
  private loadedCheckpoint: TrainingCheckpoint | null = null;
  /** Aborts the train() call in flight. */
  private abort: AbortController | null = null;
  /** Pause or Stop, asked for while running; kept until the loop acts on it, even between epochs. */
  private intent: 'paused' | 'stopped' | null = null;
  /** The backend the user asked for last, for trainers started to evaluate or classify. */
  private backendChoice: BackendChoice = 'auto';
  /** Why the GPU was lost in this worker, if it was: onnxruntime keeps its device, so everything runs on WASM from then on. */
  private gpuLost: string | null = null;
  private pendingSteps: StepRecord[] = [];
  private lastStep: Extract<TrainerEvent, { type: 'step' }> | null = null;
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  /** When the run in flight saves its next checkpoint between epochs. */
  private checkpointClock: CheckpointClock;
  /** The last evaluation's logits and rows: for listing those behind a confusion-matrix cell or a label, and for rescoring. */
  private evaluated: EvaluatedSplit | null = null;
  /** How much GPU memory a run may take, as the page last said. */
  private gpuMemoryBudgetBytes = DEFAULT_GPU_MEMORY_BUDGET_MB * 1e6;
  /** The training loop in flight, for tests to await. */
  loop: Promise<void> = Promise.resolve();

  constructor(private readonly deps: TrainServiceDeps) {
    this.checkpointClock = new CheckpointClock(defaultCheckpointCadence, deps.now);
  }

  async handle(request: TrainRequest): Promise<void> {
    switch (request.type) {
      case 'load-model': {
        this.requireIdle('load another model');
        const loaded = await this.deps.loadModel(request.source, (progress) => this.deps.send({ type: 'model-progress', progress }));
        this.model = loaded;
        this.loadedCheckpoint = null;
        return this.deps.send({ type: 'model-loaded', summary: loaded.summary, tokenizer: loaded.tokenizer });
      }
      case 'estimate-memory': {
        const model = this.model;
        if (!model) throw new Error('load a model before asking what training it takes');
        const estimate = memoryEstimate(model.source.configJson, taskById(request.task), request.numLabels, request, WEBGPU_DEFAULT_LIMITS.maxStorageBufferBindingSize);
        return this.deps.send({ type: 'memory-estimate', estimate });
      }
      case 'train':
        this.setGpuBudget(request.gpuMemoryBudgetMb);
        return this.startRun(request);
      case 'pause':
      case 'stop':
        return this.interrupt(request.type === 'pause' ? 'paused' : 'stopped');
      case 'resume':
        this.setGpuBudget(request.gpuMemoryBudgetMb);
        return this.resume(request.backend, request.settings);
      case 'probe-saved-run':
        return this.deps.send({ type: 'saved-run', info: await (await this.deps.savedRun()).info() });
      case 'restore-saved-run':
        return this.restore();
      case 'discard-saved-run':
        await (await this.deps.savedRun()).discard();
        return this.deps.send({ type: 'saved-run', info: null });
      case 'evaluate':
        this.backendChoice = request.backend;
        return this.evaluate(request.options);
      case 'rescore':
        return this.score(this.requireEvaluated('rescore it'), request.options);
      case 'inspect-rows': {
        const { task, logits, rows, labels, texts } = this.requireEvaluated('list its rows');
        if (task.id !== 'single-label') throw new Error(`rows are listed by true and predicted label for single-label classification only, not for ${task.title.toLowerCase()}`);
        const truth = rows.map((r) => r.target[0]!);
        return this.deps.send({ type: 'inspected-rows', filter: request.filter, ...inspectRows({ logits, truth, labels, texts }, request.filter, request.limit) });
      }
      case 'classify': {
        this.backendChoice = request.backend;
        const trainer = await this.idleTrainer('try the model');
        const logits = await trainer.logits([{ inputIds: request.ids, tokenTypeIds: request.typeIds, target: NO_TARGET }]);
        const row = { logits, labels: this.run!.checkpoint.labels, words: request.words, wordIds: request.wordIds, options: request.options };
        return this.deps.send({ type: 'classified', requestId: request.requestId, prediction: predictionOf(trainer.task, row) });
      }
      case 'export': {
        const run = this.requireRun('export');
        this.requireIdle('export');
        this.deps.send({ type: 'export-phase', phase: 'reading-weights' });
        const checkpoint = run.trainer ? await run.trainer.snapshot() : run.checkpoint;
        this.deps.send({ type: 'export-phase', phase: 'writing-files' });
        // The int8 model's accuracy change, for the card, is measured where the run trained.
        const { backend } = await this.backendFor(run.backend?.name ?? this.backendChoice);
        const info = { dataset: run.dataset, model: run.model, backend: run.backend, threshold: request.threshold };
        const { fileName, bytes } = await exportBundle(checkpoint, run.tokenizer, info, { backend, rows: run.rows.validation });
        return this.deps.send({ type: 'exported', fileName, bytes });
      }
      case 'export-project': {
        const run = this.requireRun('export');
        this.requireIdle('export');
        requireRunRows(request.rows, run.checkpoint, run.rows);
        const checkpoint = run.trainer ? await run.trainer.snapshot() : run.checkpoint;
        return this.deps.send({ type: 'exported', ...projectDownload(checkpoint, run.base, run.configOverrides, request.rows) });
      }
      case 'export-checkpoint': {
        const run = this.requireRun('export');
        this.requireIdle('export');
        const checkpoint = run.trainer ? await run.trainer.snapshot() : run.checkpoint;
        return this.deps.send({ type: 'exported', ...checkpointDownload(checkpoint, run.model.name) });
      }
      case 'pin-weights': {
        const run = this.requireRun('pin');
        this.requireIdle('pin the run');
        if (run.runId !== request.runId) throw new Error('only the run trained last in this tab still has its weights here; pin a run before training the next one');
        const checkpoint = run.trainer ? await run.trainer.snapshot() : run.checkpoint;
        return this.deps.send({ type: 'run-weights', runId: request.runId, checkpoint: serializeCheckpoint({ ...checkpoint, bestWeights: run.keeper.bestWeights }) });
      }
      case 'load-checkpoint': {
        const model = this.model;
        if (!model) throw new Error('load the model the checkpoint started from first (step 2): the checkpoint has the weights, the model has the tokenizer');
        const name = request.file.name;
        const checkpoint = parseCheckpoint(new Uint8Array(await request.file.arrayBuffer()), name);
        requireFitsModel(checkpoint, model, name);
        this.loadedCheckpoint = checkpoint;
        return this.deps.send({ type: 'checkpoint-loaded', info: checkpointInfo(name, checkpoint) });
      }
    }
  }

  private setGpuBudget(megabytes: number | undefined): void {
    if (megabytes === undefined) return;
    if (!(Number.isFinite(megabytes) && megabytes > 0)) throw new Error(`the GPU memory budget must be a number of megabytes above 0, got ${megabytes}`);
    this.gpuMemoryBudgetBytes = megabytes * 1e6;
  }

  private requireRun(what: string): Run {
    if (!this.run) throw new Error(`there is no trained model to ${what} yet: train one first`);
    return this.run;
  }

  private requireIdle(what: string): void {
    if (this.run?.state === 'running') throw new Error(`pause or stop training before you ${what}`);
  }

  private async startRun(request: Extract<TrainRequest, { type: 'train' }>): Promise<void> {
    this.requireIdle('start a new run');
    const model = this.model;
    if (!model) throw new Error('load a model before training');
    await this.releaseTrainer();
    this.checkpointClock = new CheckpointClock(request.checkpointCadence ?? defaultCheckpointCadence, this.deps.now);
    this.deps.send({ type: 'run-preparing', phase: 'setting-up' });
    const rows = { train: unpackRows(request.data.train), validation: unpackRows(request.data.validation) };
    const fromFile = request.checkpointUse && this.loadedCheckpoint;
    const fingerprint = dataFingerprint(rows.train);
    const task = taskById(request.data.task);
    const start = fromFile
      ? checkpointStart(fromFile, request.checkpointUse!, {
          task,
          labels: request.data.labels,
          settings: request.settings,
          configOverrides: request.configOverrides,
          trainRows: rows.train.length,
          trainFingerprint: fingerprint,
        })
      : forRows(startingPoint(model.source, request.data.labels, request.settings, request.configOverrides, task), fingerprint, request.data.labelOptions);
    const run: Run = {
      trainer: null,
      checkpoint: start.checkpoint,
      rows,
      validationTexts: request.data.validationTexts,
      tokenizer: model.tokenizer,
      dataset: request.dataset,
      model: model.summary,
      // A continued run is the original run, which started from the model; a further fine-tune starts from the file's weights.
      base: fromFile && request.checkpointUse === 'fine-tune' ? checkpointWeightsBase(fromFile, model.summary.name, model.tokenizer) : baseModelOf(model.summary, model.source.configJson, model.tokenizer),
      configOverrides: fromFile ? dropoutEntries(start.checkpoint.modelConfig) : request.configOverrides,
      backend: null,
      deviceLost: null,
      state: 'running',
      keeper: keeperOf(start.checkpoint),
      runId: request.runId,
    };
    this.run = run;
    try {
      await this.startTrainer(run, request.backend);
    } catch (error) {
      run.state = 'failed';
      throw error;
    }
    try {
      const saved = await this.deps.savedRun();
      await saved.begin(
        { dataset: run.dataset, model: run.model, tokenizer: run.tokenizer, validationTexts: run.validationTexts, backend: run.backend, runId: request.runId },
        { train: request.data.train, validation: request.data.validation },
      );
    } catch (error) {
      this.deps.send({ type: 'error', scope: 'train', message: `Training goes on, but this run cannot be saved in the browser: ${messageOf(error)}` });
    }
    // What transformers would log: which weights are new (the classification head) or unused.
    this.announce(run, model.summary.pretrained || fromFile ? start.message : 'Training from scratch: every weight starts random, so expect it to need more data and epochs than a pretrained model.');
  }

  /** Compiles the run's graphs on the chosen backend; when WebGPU cannot run them, on WASM, saying why. */
  /** `training`: for a run about to train, whose preparing the page shows; false for one started to evaluate or classify. */
  private async startTrainer(run: Run, choice: BackendChoice, training = true): Promise<void> {
    if (training) this.deps.send({ type: 'run-preparing', phase: 'compiling' });
    this.backendChoice = choice;
    let chosen = await this.backendFor(choice);
    const create = async (c: ChosenBackend) => {
      // Before anything is allocated: a run too large for the GPU is refused with a batch size that fits.
      if (c.gpuLimits) requireGpuFit(run.checkpoint, c.gpuLimits, this.gpuMemoryBudgetBytes);
      const created: Trainer = await Trainer.create({
        backend: yieldingBackend(c.backend),
        checkpoint: run.checkpoint,
        train: run.rows.train,
        validation: run.rows.validation,
        onEvent: (e) => this.onTrainerEvent(e),
        afterEvaluation: (record) => run.keeper.afterEvaluation(record, () => created.weights()),
      });
      return created;
    };
    let trainer: Trainer;
    try {
      trainer = await create(chosen);
    } catch (error) {
      if (chosen.info.name !== 'webgpu' || (error instanceof GpuMemoryError && !error.wasmCanRun)) throw error;
      chosen = await this.deps.wasmBackend(`WebGPU could not run this model (${messageOf(error)})`);
      trainer = await create(chosen);
    }
    run.trainer = trainer;
    run.backend = chosen.info;
    run.deviceLost = chosen.deviceLost?.() ?? null;
    void run.deviceLost?.then((why) => this.onDeviceLost(run, trainer, why));
  }

  /** The backend asked for, or WASM once the GPU was lost in this worker. */
  private backendFor(choice: BackendChoice): Promise<ChosenBackend> {
    if (this.gpuLost === null || choice === 'wasm') return this.deps.chooseBackend(choice);
    return this.deps.wasmBackend(`the GPU was lost earlier in this tab (${this.gpuLost}); reload the page to use it again`);
  }

  /**
   * The GPU under the run's trainer is gone, and every tensor with it: the trainer is dropped (a
   * step in flight may never return), the run falls back to its last checkpoint, and Resume starts
   * a new trainer from there on WASM. A run that was training ends as failed, saying so in words.
   */
  private onDeviceLost(run: Run, trainer: Trainer, why: string): void {
    this.gpuLost = why;
    if (this.run !== run || run.trainer !== trainer) return;
    run.trainer = null;
    run.deviceLost = null;
    const message =
      `the GPU stopped working (${why}); the run goes back to its last checkpoint, update ${run.checkpoint.progress.step}, ` +
      'and Resume continues from there on the CPU (WASM)';
    if (run.state !== 'running') {
      this.deps.send({ type: 'error', scope: 'train', message: `${message[0]!.toUpperCase()}${message.slice(1)}.` });
      return;
    }
    this.flushSteps();
    // A step that still returns (the loss was reported before it failed) ends the old loop there.
    this.abort?.abort();
    this.abort = null;
    this.intent = null;
    run.state = 'failed';
    void this.save(run, 'failed');
    this.deps.send({ type: 'run-ended', end: 'failed', message });
  }

  /** Whether the failure of `run`'s trainer came with a lost GPU: a failure on WebGPU waits a moment for the browser to say. */
  private async deviceWasLost(run: Run): Promise<boolean> {
    if (run.deviceLost === null) return false;
    const settled = new Promise<null>((resolve) => setTimeout(() => resolve(null), DEVICE_LOSS_GRACE_MS));
    return (await Promise.race([run.deviceLost, settled])) !== null;
  }

  private announce(run: Run, notice: string | null): void {
    run.state = 'running';
    this.intent = null;
    this.checkpointClock.started(run.checkpoint.progress.step);
    const trainer = run.trainer!;
    this.deps.send({ type: 'run-started', backend: run.backend!, totalSteps: trainer.totalSteps, step: trainer.currentProgress.step, notice, task: trainer.task.id });
    this.loop = this.trainLoop(run);
  }

  /** Goes on with the run, with the schedule planned again when `settings` change what a resumed run may change. */
  private async resume(choice: BackendChoice, settings: TrainingSettings | undefined): Promise<void> {
    const run = this.requireRun('resume');
    if (run.state === 'running') return;
    const next = settings ? resumedWith(run.checkpoint, settings) : run.checkpoint;
    const planned = plannedUpdates(next.settings, run.rows.train.length);
    if (next.progress.finished || planned <= next.progress.step) {
      throw new Error(`this run has finished its ${next.progress.step} updates (${next.settings.epochs} epochs); raise the epochs to train on, or start a new run`);
    }
    run.checkpoint = next;
    if (settings) run.trainer?.replan(settings);
    if (!run.trainer) await this.startTrainer(run, choice);
    this.announce(run, null);
  }

  private async interrupt(intent: 'paused' | 'stopped'): Promise<void> {
    const run = this.run;
    if (!run) return;
    if (run.state === 'running') {
      this.intent = intent;
      this.abort?.abort();
      return;
    }
    // Stopping a paused run: it is not offered for resuming any more.
    if (intent === 'stopped' && (run.state === 'paused' || run.state === 'failed')) {
      run.state = 'stopped';
      await this.save(run, 'stopped');
      this.deps.send({ type: 'run-ended', end: 'stopped', message: null });
    }
  }

  private onTrainerEvent(event: TrainerEvent): void {
    if (event.type === 'step') {
      this.pendingSteps.push(event.record);
      this.lastStep = event;
      this.flushTimer ??= setTimeout(() => this.flushSteps(), STEP_FLUSH_MS);
      // An epoch just ended (its evaluation follows before the next update), or a periodic checkpoint is due: stop there to save.
      if (Number.isInteger(event.record.epoch) || this.checkpointClock.due(event.record.step)) this.abort?.abort();
      return;
    }
    this.flushSteps();
    this.deps.send({ type: 'eval', record: event.record });
  }

  private flushSteps(): void {
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const last = this.lastStep;
    if (this.pendingSteps.length === 0 || !last) return;
    this.deps.send({ type: 'steps', records: this.pendingSteps, totalSteps: last.totalSteps });
    this.pendingSteps = [];
  }

  private async trainLoop(run: Run): Promise<void> {
    const trainer = run.trainer!;
    // After each wait: a lost GPU may have ended this run meanwhile, and said so (onDeviceLost).
    const superseded = () => run.trainer !== trainer;
    try {
      for (;;) {
        const abort = new AbortController();
        this.abort = abort;
        // Asked for while the last checkpoint was being saved: train() returns at once.
        if (this.intent) abort.abort();
        const outcome = await trainer.train(abort.signal);
        if (superseded()) return;
        this.flushSteps();
        const end: RunEnd | null = outcome === 'finished' ? 'finished' : this.intent;
        // load_best_model_at_end: Evaluate, Try it and Export see the best evaluation's weights from here on.
        const best = run.keeper.bestWeights;
        if (outcome === 'finished' && best) trainer.loadWeights(best);
        run.checkpoint = { ...(await trainer.snapshot()), bestWeights: best };
        if (superseded()) return;
        // Saved as paused between updates: if the tab dies now, that is what the run is.
        await this.save(run, end ?? 'paused');
        this.checkpointClock.saved(run.checkpoint.progress.step);
        if (end) {
          this.abort = null;
          this.intent = null;
          run.state = end;
          this.deps.send({ type: 'run-ended', end, message: end === 'finished' ? run.keeper.describe(trainer.task.id) : null });
          return;
        }
      }
    } catch (error) {
      if (superseded() || (await this.deviceWasLost(run)) || superseded()) return;
      this.flushSteps();
      this.abort = null;
      this.intent = null;
      await this.keepAfterFailure(run, error);
      run.state = 'failed';
      this.deps.send({ type: 'run-ended', end: 'failed', message: messageOf(error) });
    }
  }

  /**
   * A diverged update was discarded, so the trainer is intact and can resume. After any other
   * failure the device may be gone: the weights are read back if they still can be, saved, and
   * a resumed run starts a new trainer from them.
   */
  private async keepAfterFailure(run: Run, error: unknown): Promise<void> {
    const trainer = run.trainer!;
    try {
      run.checkpoint = { ...(await trainer.snapshot()), bestWeights: run.keeper.bestWeights };
      await this.save(run, 'failed');
    } catch {
      // Nothing newer than the last saved checkpoint can be had; it stays in run.checkpoint.
    }
    if (!(error instanceof DivergedError)) await this.releaseTrainer();
  }

  private async save(run: Run, state: RunEnd): Promise<void> {
    const c = run.checkpoint;
    const settings = c.settings;
    try {
      const info: SavedRunInfo = await (await this.deps.savedRun()).save(c, {
        modelName: run.model.name,
        datasetName: run.dataset.fileName,
        step: c.progress.step,
        totalSteps: run.trainer?.totalSteps ?? c.progress.step,
        epochsDone: c.progress.epoch,
        epochs: settings.epochs,
        state,
      });
      this.deps.send({ type: 'checkpoint-saved', info });
    } catch (error) {
      this.deps.send({ type: 'error', scope: 'train', message: `The checkpoint could not be saved in the browser (${messageOf(error)}); the run itself is fine.` });
    }
  }

  private async restore(): Promise<void> {
    this.requireIdle('open the saved run');
    const loaded = await (await this.deps.savedRun()).load();
    if (!loaded) return this.deps.send({ type: 'saved-run', info: null });
    await this.releaseTrainer();
    const { info, session, checkpoint } = loaded;
    this.run = {
      trainer: null,
      checkpoint,
      rows: { train: unpackRows(loaded.rows.train), validation: unpackRows(loaded.rows.validation) },
      validationTexts: session.validationTexts,
      tokenizer: session.tokenizer,
      dataset: session.dataset,
      model: { ...session.model, source: 'saved-run' },
      base: baseModelOf(session.model, checkpoint.modelConfig, session.tokenizer),
      configOverrides: dropoutEntries(checkpoint.modelConfig),
      backend: session.backend,
      deviceLost: null,
      state: info.state === 'finished' ? 'finished' : info.state === 'stopped' ? 'stopped' : 'paused',
      keeper: keeperOf(checkpoint),
      runId: session.runId ?? null,
    };
    this.deps.send({
      type: 'restored',
      info,
      dataset: session.dataset,
      model: this.run.model,
      tokenizer: session.tokenizer,
      settings: checkpoint.settings,
      steps: checkpoint.history.steps,
      evals: checkpoint.history.evals,
      backend: session.backend,
      runId: session.runId ?? null,
      task: taskOfModelConfig(checkpoint.modelConfig).id,
    });
  }

  /** The run's trainer when no training is in flight, started from the checkpoint if needed. */
  private async idleTrainer(what: string): Promise<Trainer> {
    const run = this.requireRun(what);
    this.requireIdle(what);
    if (!run.trainer) await this.startTrainer(run, this.backendChoice, false);
    return run.trainer!;
  }

  private async evaluate(options: MetricOptions): Promise<void> {
    const trainer = await this.idleTrainer('evaluate');
    const run = this.run!;
    const { validation } = run.rows;
    if (validation.length === 0) throw new Error('this run has no validation rows to evaluate on');
    const logits = await trainer.logits(validation);
    this.evaluated = { task: trainer.task, logits, rows: validation, labels: run.checkpoint.labels, texts: run.validationTexts };
    this.score(this.evaluated, options);
  }

  private requireEvaluated(what: string): EvaluatedSplit {
    if (!this.evaluated) throw new Error(`evaluate the model first to ${what}: it works on the last evaluation`);
    return this.evaluated;
  }

  private score(split: EvaluatedSplit, options: MetricOptions): void {
    const metrics = split.task.metrics(split.logits, split.rows, split.labels, options);
    this.deps.send({ type: 'evaluation', metrics, details: evaluationDetails(split, options) });
  }

  private async releaseTrainer(): Promise<void> {
    const trainer = this.run?.trainer;
    if (!trainer) return;
    this.run!.trainer = null;
    try {
      await trainer.release();
    } catch {
      // A lost device has nothing left to release.
    }
  }

  /** Whether a load error is the Hub being out of reach, so the page offers the offline options. */
  static hubUnreachable(error: unknown): boolean {
    return error instanceof HubError && (error.reason === 'unreachable' || error.reason === 'timed-out');
  }
}

/**
 * The starting point with the fingerprint of the rows the run trains on, so it is only ever
 * continued on them, and how their label cells were read, for the training project.
 */
function forRows(start: StartingPoint, fingerprint: string, labelOptions: LabelOptions): StartingPoint {
  return { ...start, checkpoint: { ...start.checkpoint, dataFingerprint: fingerprint, labelOptions } };
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
