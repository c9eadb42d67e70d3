/** `finetune-studio predict` and `eval`: a fine-tuned folder applied to a file of rows. */
import { writeFileSync } from 'node:fs';
import { DatasetError } from '../data/dataset-error.ts';
import { emptyTextsWarning } from '../data/examples.ts';
import type { Table } from '../data/parse.ts';
import { classificationTable } from '../data/read-dataset.ts';
import { decodeTaggedCell, taggedColumnsOf } from '../data/tagged-cells.ts';
import { NO_TARGET, type TokenizedExample } from '../engine/batching.ts';
import { parseModelConfig, type EncoderConfig } from '../engine/models/config.ts';
import { classifierParamSpecs } from '../engine/models/params.ts';
import { maxSequenceLength } from '../engine/models/positions.ts';
import { Predictor } from '../engine/predictor.ts';
import { type AnyTask, taskOfModelConfig } from '../engine/tasks/index.ts';
import { storedDecisionThreshold } from '../export/decision-threshold.ts';
import { decodeModelFiles } from '../hub/model-contents.ts';
import { tokenizeExamples } from '../tokenize/tokenize-examples.ts';
import { completeTokenizerFiles } from '../tokenize/tokenizer-files.ts';
import { createTokenizer, type TextTokenizer } from '../tokenize/tokenizer.ts';
import { requireTokenizerFitsModel } from '../tokenize/vocabulary-check.ts';
import type { EvalCommand, PredictCommand } from './args.ts';
import { backendFor } from './backend.ts';
import { columnMapping, readDatasetFile, readExamples } from './dataset-files.ts';
import { loadModelFiles } from './model-source.ts';
import { checkWritableFile } from './run-folder.ts';

interface FineTuned {
  readonly config: EncoderConfig;
  readonly task: AnyTask;
  readonly labels: string[];
  readonly tokenizer: TextTokenizer;
  readonly params: Map<string, Float32Array>;
  readonly shapes: Map<string, readonly number[]>;
  readonly maxLength: number;
  /** Multi-label: the decision threshold config.json stores, or 0.5. */
  readonly threshold: number;
}

/** The labels in id order from config.json's id2label, which every fine-tuned folder has. */
export function labelsFromConfig(source: string, configJson: Record<string, unknown>): string[] {
  const id2label = configJson.id2label as Record<string, string> | undefined;
  if (!id2label || typeof id2label !== 'object') throw new Error(`${source}/config.json has no id2label: is this a fine-tuned classification model?`);
  const labels = Object.keys(id2label).map(Number).sort((a, b) => a - b);
  if (labels.some((id, i) => id !== i)) throw new Error(`${source}/config.json id2label ids are not 0…${labels.length - 1}`);
  return labels.map((id) => String(id2label[String(id)]));
}

async function loadFineTuned(spec: string): Promise<FineTuned> {
  const files = await loadModelFiles(spec, () => undefined);
  const contents = decodeModelFiles(spec, files.files);
  const labels = labelsFromConfig(spec, contents.configJson);
  const config = parseModelConfig(contents.configJson);
  const task = taskOfModelConfig(contents.configJson);
  const params = new Map<string, Float32Array>();
  const shapes = new Map<string, readonly number[]>();
  for (const p of classifierParamSpecs(config, task.numLabels(labels), task.head)) {
    const t = contents.weights.get(p.name);
    if (!t) throw new Error(`${spec}/model.safetensors has no ${p.name}: it is not a ${labels.length}-label model (${task.title.toLowerCase()}) saved by this studio or transformers`);
    if (t.shape.join() !== p.shape.join()) throw new Error(`${spec}/model.safetensors: ${p.name} has shape [${t.shape}] but the config implies [${p.shape}]`);
    params.set(p.name, t.data);
    shapes.set(p.name, p.shape);
  }
  const tokenizerFiles = completeTokenizerFiles(contents.tokenizer, contents.configJson);
  requireTokenizerFitsModel(tokenizerFiles, contents.configJson, spec);
  const tokenizer = await createTokenizer(tokenizerFiles);
  const maxLength = Math.min(tokenizer.maxLength, maxSequenceLength(config));
  return { config, task, labels, tokenizer, params, shapes, maxLength, threshold: storedDecisionThreshold(spec, contents.configJson) };
}

async function logitsFor(model: FineTuned, rows: readonly TokenizedExample[], cmd: PredictCommand | EvalCommand): Promise<Float32Array> {
  const backend = await backendFor(cmd.backend);
  const predictor = await Predictor.create(backend, model.config, model.task.numLabels(model.labels), model.task);
  try {
    return await predictor.logits(rows, predictor.upload(model.params, model.shapes), { maxLength: model.maxLength, batchSize: cmd.batchSize });
  } finally {
    await predictor.release();
  }
}

/**
 * One JSON line per row of the file, in order. A row with an empty text gets no label (label,
 * score and logits null), and a warning names those rows: a model shown nothing would still
 * answer with confidence.
 */
export async function runPredict(cmd: PredictCommand, write: (line: string) => void, log: (line: string) => void): Promise<void> {
  if (cmd.out) checkWritableFile(cmd.out, '--out');
  const read = await readDatasetFile(cmd.data, '--data', cmd.tagNames);
  const model = await loadFineTuned(cmd.model);
  if (model.task.head === 'token-classification') return predictWords(cmd, model, read.table, taggedColumnsOf(read.table)?.words ?? cmd.textColumn, write, log);
  const table = classificationTable(read);
  const mapping = columnMapping(cmd);
  for (const column of [mapping.text, ...(mapping.textPair ? [mapping.textPair] : [])]) {
    if (!table.columns.includes(column)) {
      throw new DatasetError({ file: table.fileName, column }, `has no column "${column}". Its columns are: ${table.columns.join(', ')}. Choose one with --text-column.`);
    }
  }
  const rows = table.rows.map((r) => ({ text: r[mapping.text] ?? '', ...(mapping.textPair ? { textPair: r[mapping.textPair] ?? '' } : {}) }));
  const empty = rows.flatMap((row, i) => (row.text.trim() === '' || row.textPair?.trim() === '' ? [i] : []));
  const warning = emptyTextsWarning(table, empty, 'given no label (null)');
  if (warning) log(`warning: ${warning}`);
  const skipped = new Set(empty);
  const classified = rows.filter((_, i) => !skipped.has(i));
  const tokenized = classified.map((r) => ({ ...model.tokenizer.encode(r.text, r.textPair, model.maxLength), target: NO_TARGET }));
  const logits = classified.length > 0 ? await logitsFor(model, tokenized, cmd) : new Float32Array(0);
  const k = model.task.numLabels(model.labels);
  let next = 0;
  const lines = rows.map((_, i) => {
    if (skipped.has(i)) return JSON.stringify({ label: null, score: null, logits: null });
    const row = logits.subarray(next * k, (next + 1) * k);
    next += 1;
    return JSON.stringify(model.task.predict({ logits: row, labels: model.labels, wordIds: null, words: null, options: { threshold: cmd.threshold ?? model.threshold } }));
  });
  if (cmd.out) writeFileSync(cmd.out, lines.map((l) => `${l}\n`).join(''));
  else lines.forEach(write);
}

/**
 * A token classifier's predictions, one JSON line per sentence: each word's tag with its
 * probability and the entity spans. The words are a tagged file's words, or a text column split
 * at whitespace.
 */
async function predictWords(cmd: PredictCommand, model: FineTuned, table: Table, column: string, write: (line: string) => void, log: (line: string) => void): Promise<void> {
  if (!table.columns.includes(column)) {
    throw new DatasetError({ file: table.fileName, column }, `has no column "${column}". Its columns are: ${table.columns.join(', ')}. Choose one with --text-column.`);
  }
  const sentences = table.rows.map((row, i) => decodeTaggedCell(row[column]!, { file: table.fileName, line: table.lines[i], row: i + 1, column }));
  const empty = sentences.flatMap((words, i) => (words.length === 0 ? [i] : []));
  const warning = emptyTextsWarning(table, empty, 'given no tags (null)');
  if (warning) log(`warning: ${warning}`);
  const encoded = sentences.map((words) => (words.length === 0 ? null : model.tokenizer.encodeWords(words, model.maxLength)));
  const rows = encoded.flatMap((e) => (e === null ? [] : [{ inputIds: e.inputIds, tokenTypeIds: e.tokenTypeIds, target: NO_TARGET }]));
  const logits = rows.length > 0 ? await logitsFor(model, rows, cmd) : new Float32Array(0);
  const k = model.task.numLabels(model.labels);
  let offset = 0;
  const lines = sentences.map((words, i) => {
    const e = encoded[i];
    if (e === null || e === undefined) return JSON.stringify({ words: null, entities: null });
    const tokens = e.inputIds.length;
    const rowLogits = logits.subarray(offset * k, (offset + tokens) * k);
    offset += tokens;
    return JSON.stringify(model.task.predict({ logits: rowLogits, labels: model.labels, wordIds: e.wordIds, words, options: {} }));
  });
  if (cmd.out) writeFileSync(cmd.out, lines.map((l) => `${l}\n`).join(''));
  else lines.forEach(write);
}

export async function runEval(cmd: EvalCommand, write: (line: string) => void, log: (line: string) => void): Promise<void> {
  const model = await loadFineTuned(cmd.model);
  const { examples, warnings, fileName } = await readExamples(cmd.data, '--data', cmd, 'validation', model.task);
  for (const warning of warnings) log(`warning: ${warning}`);
  const place = (i: number) => ({ file: fileName, row: i + 1 });
  const unknown = model.task.labelSet(examples.map((e) => e.label), cmd.labelOptions, place).filter((label) => !model.labels.includes(label));
  if (unknown.length > 0) {
    throw new Error(`${fileName} has label${unknown.length === 1 ? '' : 's'} ${unknown.map((l) => `"${l}"`).join(', ')} that the model does not know (it knows ${model.labels.join(', ')})`);
  }
  const { rows: tokenized } = tokenizeExamples(model.tokenizer, examples, { task: model.task, labels: model.labels, options: cmd.labelOptions, file: fileName }, model.maxLength);
  const logits = await logitsFor(model, tokenized, cmd);
  write(JSON.stringify(model.task.metrics(logits, tokenized, model.labels, { threshold: cmd.threshold ?? model.threshold })));
}
