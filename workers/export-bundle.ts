/**
 * The .zip the Export button downloads: the Hugging Face folder (config.json with
 * id2label/label2id, model.safetensors, tokenizer files, trainer_state.json), onnx/model.onnx
 * and its int8 twin onnx/model_quantized.onnx for transformers.js, the model card and the full
 * training history.
 */
import { taskOfModelConfig } from '../src/engine/tasks/index.ts';
import { zipSync, type Zippable } from 'fflate';
import type { TokenizedExample } from '../src/engine/batching.ts';
import type { TrainingCheckpoint } from '../src/engine/checkpoint.ts';
import { parseModelConfig } from '../src/engine/models/config.ts';
import type { Backend } from '../src/engine/runtime.ts';
import { huggingFaceFolder } from '../src/export/hf-folder.ts';
import { checkpointPlan, mergedWeights } from '../src/export/lora-export.ts';
import { modelCard, type ModelCardRun, type QuantizationReport } from '../src/export/model-card.ts';
import { FP32_MODEL_FILE, onnxExports, QUANTIZED_MODEL_FILE } from '../src/export/quantize.ts';
import type { CompleteTokenizerFiles } from '../src/tokenize/tokenizer-files.ts';
import type { ExportRequestInfo } from './protocol.ts';

/** Lowercase letters, digits and dashes: a file name every OS and the Hub accept. */
export function slug(text: string): string {
  const base = text.replace(/\.[a-z0-9]+$/i, '');
  return (
    base
      .normalize('NFKD')
      // Accents split off by NFKD go, so "Ünïcode" becomes "unicode" rather than "n-code".
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'model'
  );
}

/** The studio's run as the model card describes it: the dataset and model screens' summaries and the backend. */
export function studioCardRun(c: TrainingCheckpoint, info: ExportRequestInfo, quantization: QuantizationReport | null = null): ModelCardRun {
  const { dataset, model, backend } = info;
  return {
    checkpoint: c,
    baseModel: { name: model.name, fromHub: model.source === 'hub', pretrained: model.pretrained },
    data: {
      fileName: dataset.fileName,
      rows: dataset.rowCount,
      columns: dataset.mapping,
      split:
        dataset.split.kind === 'file'
          ? { kind: 'file', fileName: dataset.validationFile?.fileName ?? 'validation file', rows: dataset.validationFile?.rowCount ?? 0 }
          : dataset.split,
      trainCounts: dataset.trainCounts,
      validationCounts: dataset.validationCounts,
      trainRows: dataset.trainRows,
      validationRows: dataset.validationRows,
    },
    trainedWith: `in a web browser${backend ? ` (${backend.name === 'webgpu' ? 'WebGPU' : 'WASM'}: ${backend.description})` : ''}`,
    quantization,
    threshold: info.threshold,
  };
}

/** Where the int8 model's accuracy change is measured for the card: the run's backend and validation rows. */
export interface QuantizationCheckInput {
  readonly backend: Backend;
  readonly rows: readonly TokenizedExample[];
}

export async function bundleFiles(
  c: TrainingCheckpoint,
  tokenizer: CompleteTokenizerFiles,
  info: ExportRequestInfo,
  check: QuantizationCheckInput | null = null,
): Promise<Map<string, Uint8Array>> {
  const task = taskOfModelConfig(c.modelConfig);
  const { fp32, int8, quantization, measurementError } = await onnxExports(parseModelConfig(c.modelConfig), task.numLabels(c.labels), task, mergedWeights(c, checkpointPlan(c)), check && { ...check, labels: c.labels });
  if (measurementError) console.warn(measurementError);
  const files = huggingFaceFolder(c, tokenizer, info.model.name, info.threshold);
  files.set(FP32_MODEL_FILE, fp32);
  files.set(QUANTIZED_MODEL_FILE, int8);
  const encoder = new TextEncoder();
  files.set('README.md', encoder.encode(modelCard(studioCardRun(c, info, quantization))));
  files.set('training_history.json', encoder.encode(`${JSON.stringify({ labels: c.labels, settings: c.settings, ...c.history }, null, 1)}\n`));
  return files;
}

export async function exportBundle(
  c: TrainingCheckpoint,
  tokenizer: CompleteTokenizerFiles,
  info: ExportRequestInfo,
  check: QuantizationCheckInput | null = null,
): Promise<{ fileName: string; bytes: Uint8Array }> {
  const zippable: Zippable = {};
  for (const [name, bytes] of await bundleFiles(c, tokenizer, info, check)) {
    // Float weights barely compress: storing them saves seconds on a large model.
    const binary = name.endsWith('.safetensors') || name.endsWith('.onnx');
    zippable[name] = [bytes, { level: binary ? 0 : 6 }];
  }
  return { fileName: `${slug(info.model.name)}-${slug(info.dataset.fileName)}.zip`, bytes: zipSync(zippable) };
}
