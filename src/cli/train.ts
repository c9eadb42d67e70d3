/**
 * `finetune-studio train`: data and model in, a fine-tuned Hugging Face folder out.
 *
 * Everything that can be known before the first update is checked before it (the output
 * folders, the data, the model and its tokenizer, a resumed checkpoint's model, labels, rows
 * and settings), so a mistake costs seconds, not a run. While training, a checkpoint goes to
 * --out every few minutes; Ctrl-C, SIGTERM and SIGHUP stop after the current update and write
 * the folder; a non-finite loss stops with the weights of the last good update written.
 */
import { type AnyTask, taskOfMetrics, taskOfModelConfig } from '../engine/tasks/index.ts';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { labelWarnings } from '../data/labels.ts';
import { BestModelKeeper } from '../engine/best-model.ts';
import { CheckpointClock } from '../engine/checkpoint-cadence.ts';
import { requireSameArchitecture, requireSameLabels, requireSameRows } from '../engine/checkpoint-match.ts';
import { parseCheckpoint, type TrainingCheckpoint } from '../engine/checkpoint.ts';
import { dataFingerprint } from '../engine/data-fingerprint.ts';
import { parseModelConfig } from '../engine/models/config.ts';
import { maxSequenceLength } from '../engine/models/positions.ts';
import { DEFAULT_THRESHOLD } from '../engine/multi-label-metrics.ts';
import { startingPoint } from '../engine/pretrained.ts';
import { plannedUpdates, resumedWith, ResumeSettingsError } from '../engine/run-plan.ts';
import type { TrainingSettings } from '../engine/settings.ts';
import { DivergedError, Trainer, type TrainOutcome } from '../engine/trainer.ts';
import { THRESHOLD_CONFIG_KEY, validationTunedThreshold } from '../export/decision-threshold.ts';
import { huggingFaceFolder } from '../export/hf-folder.ts';
import { checkpointPlan, mergedWeights } from '../export/lora-export.ts';
import { describeQuantization, FP32_MODEL_FILE, onnxExports, QUANTIZED_MODEL_FILE } from '../export/quantize.ts';
import { trainingProjectFiles } from '../export/training-project.ts';
import { decodeModelFiles } from '../hub/model-contents.ts';
import { completeTokenizerFiles } from '../tokenize/tokenizer-files.ts';
import { createTokenizer } from '../tokenize/tokenizer.ts';
import { tokenizeExamples } from '../tokenize/tokenize-examples.ts';
import { requireTokenizerFitsModel, unknownTokenShare } from '../tokenize/vocabulary-check.ts';
import type { TrainCommand } from './args.ts';
import { backendFor } from './backend.ts';
import { cliTrainingProject } from './export-project.ts';
import { cliModelCard } from './model-card.ts';
import { loadModelFiles } from './model-source.ts';
import { ProgressReporter } from './progress.ts';
import { CHECKPOINT_FILE, checkNewFolder, RunFolder, writeNewFolder } from './run-folder.ts';
import { readRunRows } from './run-rows.ts';

export { CHECKPOINT_FILE };

/** How a run that wrote its folder ended: all its updates, or stopped by a signal. */
export type TrainResult = 'finished' | 'interrupted';

/** The signals that stop a run as Ctrl-C does: after the current update, with the folder written. */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
/** Above this share of [UNK] among the training tokens, the tokenizer is likely not the model's or cut short. */
const UNKNOWN_TOKEN_WARNING = 0.1;

interface ResumedFile {
  readonly checkpoint: TrainingCheckpoint;
  /** As the user gave it, for messages. */
  readonly spec: string;
  /** The folder the checkpoint is in: a resumed run may write its results there. */
  readonly folder: string;
}

export async function runTrain(cmd: TrainCommand, log: (line: string) => void): Promise<TrainResult> {
  const resumed = cmd.resume ? readResumedCheckpoint(cmd.resume) : null;
  checkNewFolder(cmd.out, '--out', resumed?.folder ?? null);
  if (cmd.exportProject) checkNewFolder(cmd.exportProject, '--export-project');
  // A resumed run keeps its task: given again it must be the same, and it is not guessed anew.
  const resumedTask = resumed ? taskOfModelConfig(resumed.checkpoint.modelConfig) : null;
  if (resumedTask && cmd.task !== null && cmd.task !== resumedTask.id) {
    throw new Error(`--resume ${resumed!.spec} is a ${resumedTask.id} run; it cannot continue as --task ${cmd.task}. Start a new run from the base model for another task.`);
  }
  const rows = await readRunRows(resumedTask ? { ...cmd, task: resumedTask.id } : cmd, log);
  const { train, validation, task } = rows;
  const { labelOptions } = cmd;
  log(`task: ${task.id}${rows.guessed ? ` (guessed: ${rows.guessed}; --task sets another)` : ''}`);
  const cells = [...train, ...validation].map((e) => e.label);
  const labels = task.labelSet(cells, labelOptions, (i) => ({ file: i < train.length ? rows.dataName : (rows.validationName ?? rows.dataName), row: i < train.length ? i + 1 : i - train.length + 1 }));
  log(`data: ${train.length} training rows, ${validation.length} validation rows, ${task.labelsAreClasses ? `labels ${labels.join(', ')}` : 'a score per row'}`);
  const trainCounts = task.labelCounts(train.map((e) => e.label), labels, labelOptions);
  const classWarnings = task.labelsAreClasses ? labelWarnings(new Map(labels.map((l, i) => [l, trainCounts[i]!]))) : [];
  for (const warning of [...rows.warnings, ...classWarnings]) log(`warning: ${warning}`);

  const modelFiles = await loadModelFiles(cmd.model, log);
  const contents = decodeModelFiles(cmd.model, modelFiles.files);
  // An architecture the engine cannot build is refused first: nothing else about the model matters then.
  const positions = maxSequenceLength(parseModelConfig(contents.configJson));
  const tokenizerFiles = completeTokenizerFiles(contents.tokenizer, contents.configJson);
  requireTokenizerFitsModel(tokenizerFiles, contents.configJson, cmd.model);
  const tokenizer = await createTokenizer(tokenizerFiles);
  const maxLength = Math.min(cmd.givenSettings.maxLength ?? resumed?.checkpoint.settings.maxLength ?? cmd.settings.maxLength, positions);
  const tokenized = {
    train: tokenizeExamples(tokenizer, train, { task, labels, options: labelOptions, file: rows.dataName }, maxLength),
    validation: tokenizeExamples(tokenizer, validation, { task, labels, options: labelOptions, file: rows.validationName ?? rows.dataName }, maxLength),
  };
  if (tokenized.train.truncated > 0) log(`note: ${tokenized.train.truncated} training rows were longer than ${maxLength} tokens and were truncated`);
  const unknownShare = unknownTokenShare(tokenized.train.rows, tokenizer.unknownTokenId, tokenizer.specialTokenIds);
  if (unknownShare > UNKNOWN_TOKEN_WARNING) {
    log(`warning: ${(unknownShare * 100).toFixed(0)}% of the training text's tokens are unknown to the tokenizer: its vocabulary is tiny or not the one this model was trained with`);
  }
  const fingerprint = dataFingerprint(tokenized.train.rows);

  let checkpoint: TrainingCheckpoint;
  if (resumed) {
    checkpoint = resumedRun(resumed, cmd, { configJson: contents.configJson, labels, fingerprint, trainRows: train.length, maxLength });
    log(`resuming at step ${checkpoint.progress.step} (epoch ${checkpoint.progress.epoch + 1}) of ${plannedUpdates(checkpoint.settings, train.length)}`);
  } else {
    const start = startingPoint({ name: cmd.model, configJson: contents.configJson, weights: contents.weights }, labels, { ...cmd.settings, maxLength }, cmd.configOverrides, task);
    log(start.message);
    checkpoint = { ...start.checkpoint, dataFingerprint: fingerprint, labelOptions };
  }

  const backend = await backendFor(cmd.backend);
  const reporter = new ProgressReporter(process.stderr);
  const clock = new CheckpointClock(cmd.checkpointCadence);
  let stretch = new AbortController();
  const keeper = new BestModelKeeper(checkpoint.settings, checkpoint.history.evals, checkpoint.bestWeights ?? null);
  const trainer: Trainer = await Trainer.create({
    backend,
    checkpoint,
    train: tokenized.train.rows,
    validation: tokenized.validation.rows,
    onEvent: (e) => {
      reporter.handle(e);
      if (e.type === 'step' && clock.due(e.record.step)) stretch.abort();
    },
    afterEvaluation: (record) => keeper.afterEvaluation(record, () => trainer.weights()),
  });
  // A checkpoint resumes from the last update, with the best evaluation's weights beside it.
  const resumable = async (): Promise<TrainingCheckpoint> => ({ ...(await trainer.snapshot()), bestWeights: keeper.bestWeights });
  const folder = RunFolder.claim(cmd.out);
  log(`training on ${backend.description ?? backend.name}: ${trainer.totalSteps} updates; ${describeCadence(cmd)} to ${folder.checkpointPath}`);

  let stoppedBy: NodeJS.Signals | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stoppedBy !== null) {
      reporter.note(`${signal} again: quitting without writing ${cmd.out}; the last checkpoint there stays`);
      process.exit(130);
    }
    stoppedBy = signal;
    stretch.abort();
    reporter.note(`${signal}: stopping after this update to write ${cmd.out} (${signal} again quits at once)`);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  let diverged: DivergedError | null = null;
  let outcome: TrainOutcome = 'paused';
  try {
    clock.started(trainer.currentProgress.step);
    for (;;) {
      stretch = new AbortController();
      if (stoppedBy !== null) stretch.abort();
      try {
        outcome = await trainer.train(stretch.signal);
      } catch (error) {
        if (!(error instanceof DivergedError)) throw error;
        diverged = error;
        break;
      }
      if (outcome === 'finished' || stoppedBy !== null) break;
      folder.writeCheckpoint(await resumable());
      clock.saved(trainer.currentProgress.step);
      reporter.note(`checkpoint: step ${trainer.currentProgress.step} written to ${folder.checkpointPath}`);
    }
  } catch (error) {
    folder.abandon();
    throw error;
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
  }
  const last = await resumable();
  await trainer.release();
  // The model is the best evaluation's when asked for, as load_best_model_at_end does, once the run has finished.
  const best = keeper.bestWeights;
  const final: TrainingCheckpoint = best && outcome === 'finished' ? { ...last, params: new Map(best) } : last;
  const kept = keeper.describe(task.id);
  if (kept) log(kept);

  const { fp32, int8, quantization, measurementError } = await onnxExports(parseModelConfig(final.modelConfig), task.numLabels(labels), task, mergedWeights(final, checkpointPlan(final)), { backend, rows: tokenized.validation.rows, labels });
  if (quantization) log(describeQuantization(quantization));
  if (measurementError) log(`note: ${measurementError}`);
  const threshold = decisionThreshold(final, task, log);
  const files = huggingFaceFolder(final, tokenizerFiles, cmd.model, threshold);
  files.set('README.md', cliModelCard(cmd, rows, final, { pretrained: contents.weights.size > 0, backend: backend.description ?? backend.name, quantization, threshold }));
  files.set(FP32_MODEL_FILE, fp32);
  files.set(QUANTIZED_MODEL_FILE, int8);
  folder.writeFiles(files);
  folder.writeCheckpoint(last);
  if (cmd.exportProject) {
    writeNewFolder(cmd.exportProject, trainingProjectFiles(cliTrainingProject(cmd, rows, final)));
    log(`wrote the training project ${cmd.exportProject}: python train.py there trains the same run with transformers.Trainer`);
  }
  const resume = `--resume ${folder.checkpointPath} --out ${cmd.out}`;
  if (diverged) {
    const lowerLr = final.settings.learningRate / 4;
    throw new Error(
      `${diverged.message} Wrote the model as of step ${final.progress.step}, the last good update, to ${cmd.out}; ` +
        `continue from there with a lower learning rate: ${resume} --lr ${lowerLr.toPrecision(2)}`,
    );
  }
  if (stoppedBy !== null) {
    log(`interrupted (${stoppedBy}) at step ${final.progress.step}: wrote ${cmd.out}; continue with ${resume}`);
    return 'interrupted';
  }
  const evals = final.history.evals;
  const scored = (best ? evals.find((e) => e.step === keeper.state.bestStep) : undefined) ?? evals.at(-1);
  log(`done: wrote ${cmd.out}${scored ? ` (validation ${taskOfMetrics(scored.metrics).summary(scored.metrics)})` : ''}`);
  return 'finished';
}

/** A multi-label run's threshold for the folder: the validation rows' best, or 0.5 without them; said in one line. */
function decisionThreshold(final: TrainingCheckpoint, task: AnyTask, log: (line: string) => void): number {
  if (task.id !== 'multi-label') return DEFAULT_THRESHOLD;
  const tuned = validationTunedThreshold(final);
  const threshold = tuned?.threshold ?? DEFAULT_THRESHOLD;
  const why = tuned ? `the best micro-F1 on the validation rows, ${tuned.microF1.toFixed(4)}` : 'no validation rows to tune it on';
  log(`threshold: ${threshold} (${why}), written to config.json as ${THRESHOLD_CONFIG_KEY}: predict and eval use it unless --threshold is given`);
  return threshold;
}

function describeCadence(cmd: TrainCommand): string {
  const { everyUpdates, everyMs } = cmd.checkpointCadence;
  const parts = [everyUpdates > 0 ? `every ${everyUpdates} updates` : '', everyMs > 0 ? `every ${+(everyMs / 60_000).toFixed(2)} minutes of training` : ''].filter((p) => p !== '');
  return parts.length === 0 ? 'no periodic checkpoints (--save-steps and --save-minutes are 0)' : `a checkpoint ${parts.join(' and ')}`;
}

function readResumedCheckpoint(spec: string): ResumedFile {
  let file = spec;
  try {
    if (statSync(spec).isDirectory()) file = path.join(spec, CHECKPOINT_FILE);
  } catch {
    throw new Error(`--resume ${spec}: no such file`);
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch {
    throw new Error(`--resume ${spec}: no ${CHECKPOINT_FILE} in that folder`);
  }
  try {
    return { checkpoint: parseCheckpoint(bytes, file), spec, folder: path.dirname(file) };
  } catch (error) {
    throw new Error(`--resume ${spec} is not a training checkpoint (${(error as Error).message}). Give the ${CHECKPOINT_FILE} that train --out wrote.`);
  }
}

/** The resumed checkpoint, if it belongs to this model, these labels and rows, with the settings it may change. */
function resumedRun(
  resumed: ResumedFile,
  cmd: TrainCommand,
  run: { configJson: Record<string, unknown>; labels: readonly string[]; fingerprint: string; trainRows: number; maxLength: number },
): TrainingCheckpoint {
  const { checkpoint, spec } = resumed;
  const name = `--resume ${spec}`;
  requireSameArchitecture(checkpoint, { name: cmd.model, configJson: run.configJson }, name, 'give the --model it started from');
  requireSameLabels(
    checkpoint,
    run.labels,
    name,
    'A run continues only on data with its labels. To train on these labels, start a new run from the base model (--model, without --resume).',
  );
  requireSameRows(checkpoint, run.fingerprint, run.trainRows, name, 'Give the same --data, --validation or --validation-split, --seed and --max-length as the run it continues.');
  const settings: TrainingSettings = { ...checkpoint.settings, ...cmd.givenSettings, maxLength: run.maxLength };
  let continued: TrainingCheckpoint;
  try {
    continued = resumedWith(checkpoint, settings);
  } catch (error) {
    throw error instanceof ResumeSettingsError ? new Error(`${name}: ${error.message}`) : error;
  }
  if (plannedUpdates(continued.settings, run.trainRows) <= checkpoint.progress.step) {
    throw new Error(`${name}: the run already took all ${checkpoint.progress.step} of its updates (${continued.settings.epochs} epochs); raise --epochs or --max-steps to train on`);
  }
  return continued;
}
