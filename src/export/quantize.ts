/**
 * onnx/model_quantized.onnx: the exported classifier with its weight matrices stored as int8,
 * one float scale per row (per output channel of a Linear weight, per token of the word
 * embeddings) and zero point 0, turned back into float32 by DequantizeLinear inside the graph.
 * Activations stay float32 ("weight-only"), so every backend that runs model.onnx runs this
 * too: onnxruntime-node and onnxruntime-web on WASM and WebGPU all have DequantizeLinear with
 * an axis. transformers.js loads it for `dtype: 'q8'`, its default on WASM in browsers.
 *
 * `measureQuantization` runs both files on labelled rows, so the model card can say what the
 * fourfold smaller file costs in accuracy.
 */
import type { HeadKind } from '../engine/models/family.ts';
import { type AnyTask, taskOfMetrics } from '../engine/tasks/index.ts';
import { compileInferenceModel } from '../engine/artifacts.ts';
import { lengthSortedBatches, type TokenizedExample } from '../engine/batching.ts';
import type { EncoderConfig } from '../engine/models/config.ts';
import { classifierParamSpecs } from '../engine/models/params.ts';
import type { Int8Weight } from '../engine/onnx/encode.ts';
import { type Backend, readFloat32, type RuntimeSession, type RuntimeTensor, sessionOptions } from '../engine/runtime.ts';

export const FP32_MODEL_FILE = 'onnx/model.onnx';
export const QUANTIZED_MODEL_FILE = 'onnx/model_quantized.onnx';

/**
 * Matrices with a side shorter than this stay float32: the classification layer and the
 * token-type table are a few kilobytes, and each of their rows is a whole label or type.
 */
const MIN_QUANTIZED_SIDE = 32;

/** Enough validation rows to see a change of a point or more, in seconds even for a base model on WASM. */
export const QUANTIZATION_CHECK_ROWS = 1000;

const INT8_MAX = 127;

/** Symmetric int8 per row of a row-major [rows, cols] matrix: scale = max |row| / 127. */
export function quantizeRows(data: Float32Array, rows: number, cols: number): Int8Weight {
  if (data.length !== rows * cols) throw new Error(`quantizeRows: ${data.length} values for [${rows}, ${cols}]`);
  const quantized = new Int8Array(data.length);
  const scales = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const row = data.subarray(r * cols, (r + 1) * cols);
    let largest = 0;
    for (const x of row) largest = Math.max(largest, Math.abs(x));
    // An all-zero row (a padding embedding) dequantizes to zeros with any scale; 1 keeps it finite.
    const scale = largest > 0 ? Math.fround(largest / INT8_MAX) : 1;
    scales[r] = scale;
    for (let c = 0; c < cols; c++) {
      quantized[r * cols + c] = Math.max(-INT8_MAX, Math.min(INT8_MAX, Math.round(row[c]! / scale)));
    }
  }
  return { data: quantized, scales, axis: 0 };
}

/** Every 2-D weight whose sides are both at least MIN_QUANTIZED_SIDE: Linear weights and the embedding tables. */
export function quantizedParamNames(config: EncoderConfig, numLabels: number, head: HeadKind): string[] {
  return classifierParamSpecs(config, numLabels, head)
    .filter((p) => p.shape.length === 2 && Math.min(...p.shape) >= MIN_QUANTIZED_SIDE)
    .map((p) => p.name);
}

/** The bytes of onnx/model_quantized.onnx for these weights. */
export function compileQuantizedInferenceModel(config: EncoderConfig, numLabels: number, task: AnyTask, weights: ReadonlyMap<string, Float32Array>): Uint8Array {
  const shapes = new Map(classifierParamSpecs(config, numLabels, task.head).map((p) => [p.name, p.shape] as const));
  const int8 = new Map<string, Int8Weight>();
  for (const name of quantizedParamNames(config, numLabels, task.head)) {
    const data = weights.get(name);
    if (!data) throw new Error(`quantize: no weight ${name}`);
    const [rows, cols] = shapes.get(name)!;
    int8.set(name, quantizeRows(data, rows!, cols!));
  }
  return compileInferenceModel(config, numLabels, task, weights, int8);
}

/** What the model card reports about model_quantized.onnx; the two accuracies are over the same `rows`. */
export interface QuantizationReport {
  readonly fp32Bytes: number;
  readonly int8Bytes: number;
  /** The task's headline metric, as its model card names it (Accuracy, Micro F1, Pearson…). */
  readonly metric: string;
  readonly fp32Score: number;
  readonly int8Score: number;
  readonly rows: number;
}

export interface QuantizationCheck {
  /** Where both models run: onnxruntime-node in the CLI, the studio's onnxruntime-web backend in its worker. */
  readonly backend: Backend;
  readonly fp32: Uint8Array;
  readonly int8: Uint8Array;
  /** Labelled validation rows; the first `limit` are used. */
  readonly rows: readonly TokenizedExample[];
  readonly task: AnyTask;
  readonly labels: readonly string[];
  readonly padTokenId: number;
  readonly limit?: number;
  readonly batchSize?: number;
}

/** int64 feeds in the exported model's own input names, padded to the batch's longest row. */
function exportedModelFeeds(backend: Backend, session: RuntimeSession, rows: readonly TokenizedExample[], padTokenId: number): Record<string, RuntimeTensor> {
  const seq = rows.reduce((m, r) => Math.max(m, r.inputIds.length), 1);
  const ids = new BigInt64Array(rows.length * seq).fill(BigInt(padTokenId));
  const mask = new BigInt64Array(rows.length * seq);
  const types = new BigInt64Array(rows.length * seq);
  rows.forEach((row, r) => {
    row.inputIds.forEach((id, s) => {
      ids[r * seq + s] = BigInt(id);
      mask[r * seq + s] = 1n;
      types[r * seq + s] = BigInt(row.tokenTypeIds?.[s] ?? 0);
    });
  });
  const dims = [rows.length, seq];
  const available: Record<string, BigInt64Array> = { input_ids: ids, attention_mask: mask, token_type_ids: types };
  return Object.fromEntries(
    session.inputNames.map((name) => {
      const data = available[name];
      if (!data) throw new Error(`the exported model asks for an input named ${name}`);
      return [name, new backend.ort.Tensor('int64', data, dims)];
    }),
  );
}

/**
 * The task's headline metric (its model card's first: accuracy, micro-F1, Pearson, entity F1) of
 * `model` on `rows`, from the logits the exported model gives.
 */
async function scoreOf(check: QuantizationCheck, model: Uint8Array, rows: readonly TokenizedExample[]): Promise<{ name: string; value: number }> {
  const session = await check.backend.ort.InferenceSession.create(model, sessionOptions(check.backend, []));
  const k = check.task.numLabels(check.labels);
  const perToken = check.task.head === 'token-classification';
  const offsets = new Int32Array(rows.length + 1);
  rows.forEach((row, r) => (offsets[r + 1] = offsets[r]! + (perToken ? row.inputIds.length : 1)));
  const all = new Float32Array(offsets[rows.length]! * k);
  try {
    for (const indices of lengthSortedBatches(rows, check.batchSize ?? 32)) {
      const batch = indices.map((i) => rows[i]!);
      const out = await session.run(exportedModelFeeds(check.backend, session, batch, check.padTokenId));
      const logits = await readFloat32(out.logits!);
      // A token head's rows are padded to the batch's longest; only each row's own tokens count.
      const stride = logits.length / batch.length;
      indices.forEach((row, j) => all.set(logits.subarray(j * stride, j * stride + (offsets[row + 1]! - offsets[row]!) * k), offsets[row]! * k));
      for (const t of Object.values(out)) t.dispose();
    }
  } finally {
    await session.release();
  }
  const metrics = check.task.metrics(all, rows, check.labels, {});
  const headline = taskOfMetrics(metrics).cardMetrics(metrics)[0]!;
  return { name: headline.name, value: rows.length === 0 ? Number.NaN : headline.value };
}

export async function measureQuantization(check: QuantizationCheck): Promise<QuantizationReport> {
  const rows = check.rows.slice(0, check.limit ?? QUANTIZATION_CHECK_ROWS);
  const fp32 = await scoreOf(check, check.fp32, rows);
  const int8 = await scoreOf(check, check.int8, rows);
  return { fp32Bytes: check.fp32.byteLength, int8Bytes: check.int8.byteLength, metric: fp32.name, fp32Score: fp32.value, int8Score: int8.value, rows: rows.length };
}

/** Both ONNX files of a fine-tuned model, and what the int8 one cost, for the folder and its card. */
export interface OnnxExports {
  readonly fp32: Uint8Array;
  readonly int8: Uint8Array;
  /** Null without validation rows, or when the measurement failed (see measurementError). */
  readonly quantization: QuantizationReport | null;
  readonly measurementError: string | null;
}

/**
 * Compiles model.onnx and model_quantized.onnx and, given validation rows, measures them. The
 * measurement only adds a table to the model card, so its failure is reported, never thrown:
 * the model that was trained is still written.
 */
export async function onnxExports(
  config: EncoderConfig,
  numLabels: number,
  task: AnyTask,
  params: ReadonlyMap<string, Float32Array>,
  check: { readonly backend: Backend; readonly rows: readonly TokenizedExample[]; readonly labels: readonly string[] } | null,
): Promise<OnnxExports> {
  const fp32 = compileInferenceModel(config, numLabels, task, params);
  const int8 = compileQuantizedInferenceModel(config, numLabels, task, params);
  if (!check || check.rows.length === 0) return { fp32, int8, quantization: null, measurementError: null };
  try {
    const quantization = await measureQuantization({ backend: check.backend, fp32, int8, rows: check.rows, task, labels: check.labels, padTokenId: config.padTokenId });
    return { fp32, int8, quantization, measurementError: null };
  } catch (error) {
    return { fp32, int8, quantization: null, measurementError: `the int8 model's accuracy could not be measured, so the model card leaves it out: ${error instanceof Error ? error.message : String(error)}` };
  }
}

const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const percent = (x: number) => `${(x * 100).toFixed(2)}%`;

/** One line for a log: the size saved and the accuracy it cost. */
export function describeQuantization(r: QuantizationReport): string {
  const points = (r.int8Score - r.fp32Score) * 100;
  return (
    `${QUANTIZED_MODEL_FILE}: ${megabytes(r.int8Bytes)}, ${Math.round((100 * r.int8Bytes) / r.fp32Bytes)}% of ${FP32_MODEL_FILE} (${megabytes(r.fp32Bytes)}); ` +
    `${r.metric} on ${r.rows} validation rows ${percent(r.fp32Score)} → ${percent(r.int8Score)} (${points >= 0 ? '+' : ''}${points.toFixed(2)} points)`
  );
}
