/** `finetune-studio train`: data and model in, a fine-tuned Hugging Face folder out. */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildLabelSet, labelCounts, labelWarnings } from '../data/labels.ts';
import { BestModelKeeper } from '../engine/best-model.ts';
import { parseCheckpoint, serializeCheckpoint, type TrainingCheckpoint } from '../engine/checkpoint.ts';
import { parseModelConfig } from '../engine/models/config.ts';
import { maxSequenceLength } from '../engine/models/positions.ts';
import { startingPoint } from '../engine/pretrained.ts';
import { Trainer } from '../engine/trainer.ts';
import { huggingFaceFolder } from '../export/hf-folder.ts';
import { trainingProjectFiles } from '../export/training-project.ts';
import { describeQuantization, FP32_MODEL_FILE, onnxExports, QUANTIZED_MODEL_FILE } from '../export/quantize.ts';
import { decodeModelFiles } from '../hub/model-contents.ts';
import { completeTokenizerFiles } from '../tokenize/tokenizer-files.ts';
import { createTokenizer } from '../tokenize/tokenizer.ts';
import { tokenizeExamples } from '../tokenize/tokenize-examples.ts';
import type { TrainCommand } from './args.ts';
import { backendFor } from './backend.ts';
import { cliTrainingProject } from './export-project.ts';
import { cliModelCard } from './model-card.ts';
import { loadModelFiles } from './model-source.ts';
import { ProgressReporter } from './progress.ts';
import { readRunRows } from './run-rows.ts';

export const CHECKPOINT_FILE = 'training_checkpoint.safetensors';

/** Writes every file to a sibling temp folder, then renames it into place: --out is never half-written. */
export function writeFolderAtomically(out: string, files: ReadonlyMap<string, Uint8Array>): void {
  if (existsSync(out)) throw new Error(`--out ${out} already exists; choose a new folder so nothing is overwritten`);
  const staging = `${out}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  try {
    for (const [name, bytes] of files) {
      const target = path.join(staging, name);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, bytes);
    }
    renameSync(staging, out);
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
}

export async function runTrain(cmd: TrainCommand, log: (line: string) => void): Promise<void> {
  if (existsSync(cmd.out)) throw new Error(`--out ${cmd.out} already exists; choose a new folder so nothing is overwritten`);
  if (cmd.exportProject && existsSync(cmd.exportProject)) throw new Error(`--export-project ${cmd.exportProject} already exists; choose a new folder so nothing is overwritten`);
  const rows = await readRunRows(cmd, log);
  const { train, validation } = rows;
  const labels = buildLabelSet([...train, ...validation].map((e) => e.label));
  log(`data: ${train.length} training rows, ${validation.length} validation rows, labels ${labels.join(', ')}`);
  for (const warning of labelWarnings(labelCounts(train))) log(`warning: ${warning}`);

  const modelFiles = await loadModelFiles(cmd.model, log);
  const contents = decodeModelFiles(cmd.model, modelFiles.files);
  let checkpoint: TrainingCheckpoint;
  if (cmd.resume) {
    checkpoint = parseCheckpoint(new Uint8Array(readFileSync(cmd.resume)), cmd.resume);
    if (checkpoint.labels.join('\n') !== labels.join('\n')) {
      throw new Error(`the checkpoint was trained on labels [${checkpoint.labels.join(', ')}] but the data has [${labels.join(', ')}]`);
    }
    log(`resuming at step ${checkpoint.progress.step} (epoch ${checkpoint.progress.epoch + 1})`);
  } else {
    const start = startingPoint({ name: cmd.model, configJson: contents.configJson, weights: contents.weights }, labels, cmd.settings, cmd.configOverrides);
    log(start.message);
    checkpoint = start.checkpoint;
  }
  const config = parseModelConfig(checkpoint.modelConfig);
  const tokenizerFiles = completeTokenizerFiles(contents.tokenizer, contents.configJson);
  const tokenizer = await createTokenizer(tokenizerFiles);
  const maxLength = Math.min(checkpoint.settings.maxLength, maxSequenceLength(config));
  const tokenized = {
    train: tokenizeExamples(tokenizer, train, labels, maxLength),
    validation: tokenizeExamples(tokenizer, validation, labels, maxLength),
  };
  if (tokenized.train.truncated > 0) log(`note: ${tokenized.train.truncated} training rows were longer than ${maxLength} tokens and were truncated`);

  const backend = await backendFor(cmd.backend);
  const reporter = new ProgressReporter(process.stderr);
  const keeper = new BestModelKeeper(checkpoint.settings, checkpoint.history.evals, checkpoint.bestWeights ?? null);
  const trainer: Trainer = await Trainer.create({
    backend,
    checkpoint: { ...checkpoint, settings: { ...checkpoint.settings, maxLength } },
    train: tokenized.train.rows,
    validation: tokenized.validation.rows,
    onEvent: (e) => reporter.handle(e),
    afterEvaluation: (record) => keeper.afterEvaluation(record, () => trainer.weights()),
  });
  log(`training on ${backend.description ?? backend.name}: ${trainer.totalSteps} updates`);
  const interrupted = new AbortController();
  const onSignal = () => interrupted.abort();
  process.once('SIGINT', onSignal);
  let outcome;
  try {
    outcome = await trainer.train(interrupted.signal);
  } finally {
    process.off('SIGINT', onSignal);
  }
  // The checkpoint resumes from the last update; the model is the best evaluation's when asked for, as load_best_model_at_end does.
  const last = { ...(await trainer.snapshot()), bestWeights: keeper.bestWeights };
  await trainer.release();
  const best = keeper.bestWeights;
  const final: TrainingCheckpoint = best && outcome === 'finished' ? { ...last, params: new Map(best) } : last;
  const kept = keeper.describe();
  if (kept) log(kept);

  const { fp32, int8, quantization, measurementError } = await onnxExports(config, labels.length, final.params, { backend, rows: tokenized.validation.rows });
  if (quantization) log(describeQuantization(quantization));
  if (measurementError) log(`note: ${measurementError}`);
  const files = huggingFaceFolder(final, tokenizerFiles);
  files.set('README.md', cliModelCard(cmd, rows, final, { pretrained: contents.weights.size > 0, backend: backend.description ?? backend.name, quantization }));
  files.set(FP32_MODEL_FILE, fp32);
  files.set(QUANTIZED_MODEL_FILE, int8);
  files.set(CHECKPOINT_FILE, serializeCheckpoint(last));
  writeFolderAtomically(cmd.out, files);
  if (cmd.exportProject) {
    writeFolderAtomically(cmd.exportProject, trainingProjectFiles(cliTrainingProject(cmd, rows, final)));
    log(`wrote the training project ${cmd.exportProject}: python train.py there trains the same run with transformers.Trainer`);
  }
  if (outcome === 'paused') {
    log(`interrupted at step ${final.progress.step}: wrote ${cmd.out}; continue with --resume ${path.join(cmd.out, CHECKPOINT_FILE)} --out <new folder>`);
  } else {
    const evals = final.history.evals;
    const scored = (best ? evals.find((e) => e.step === keeper.state.bestStep) : undefined) ?? evals.at(-1);
    log(`done: wrote ${cmd.out}${scored ? ` (validation accuracy ${(scored.metrics.accuracy * 100).toFixed(2)}%, macro-F1 ${scored.metrics.macroF1.toFixed(4)})` : ''}`);
  }
}
