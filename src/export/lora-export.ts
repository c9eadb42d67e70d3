/**
 * What a LoRA run exports. The Hugging Face folder gets the merged weights, W + B·A·scale (peft's
 * merge_and_unload), so it loads as a plain model everywhere; beside it, a PEFT adapter folder
 * that `PeftModel.from_pretrained(base, folder)` loads onto the base model.
 *
 * Names follow huggingface/peft 0.20.1.dev0 (commit 5d602fd):
 * - src/peft/utils/constants.py: CONFIG_NAME adapter_config.json, SAFETENSORS_WEIGHTS_NAME adapter_model.safetensors;
 * - src/peft/utils/save_and_load.py, get_peft_model_state_dict: the PeftModel's state-dict keys
 *   (`base_model.model.<module>.lora_A.default.weight`) with the adapter name removed;
 * - src/peft/utils/other.py, ModulesToSaveWrapper.adapter_state_dict: a saved module's own keys
 *   under its name (`base_model.model.classifier.weight`), no `modules_to_save.default` infix;
 * - src/peft/tuners/lora/config.py (LoraConfig) and src/peft/config.py (PeftConfig) for the config fields;
 *   PeftModelForSequenceClassification and …ForTokenClassification add "classifier" and "score" to modules_to_save.
 */
import type { TrainingCheckpoint } from '../engine/checkpoint.ts';
import { parseModelConfig } from '../engine/models/config.ts';
import { CLASSIFIER_MODULES_TO_SAVE, loraAdapterParamNames, type ParameterPlan, parameterPlan } from '../engine/models/fine-tune-method.ts';
import type { HeadKind } from '../engine/models/family.ts';
import { fineTuneMethodOf } from '../engine/settings.ts';
import { taskOfModelConfig } from '../engine/tasks/index.ts';
import { type NamedTensor, writeSafetensors } from '../engine/weights/safetensors.ts';
import { pythonJsonDumps } from './python-json.ts';

export const ADAPTER_FOLDER = 'lora-adapter';
const PEFT_PREFIX = 'base_model.model.';

/** The run's parameters, which of them trained, and its adapters, from what its checkpoint records. */
export function checkpointPlan(c: TrainingCheckpoint): ParameterPlan {
  const task = taskOfModelConfig(c.modelConfig);
  return parameterPlan(parseModelConfig(c.modelConfig), task.numLabels(c.labels), fineTuneMethodOf(c.settings), task.head);
}

/** peft's TaskType for the model's head. */
export const PEFT_TASK_TYPES: Readonly<Record<HeadKind, string>> = { 'sequence-classification': 'SEQ_CLS', 'token-classification': 'TOKEN_CLS' };

/** The base model's parameters with every adapter merged into its Linear: W + scale · B·A (float64 sums, rounded once). */
export function mergedWeights(c: Pick<TrainingCheckpoint, 'params'>, plan: ParameterPlan): Map<string, Float32Array> {
  const merged = new Map([...c.params].filter(([name]) => !plan.adapters.some((a) => name.startsWith(`${a.module}.lora_`))));
  for (const adapter of plan.adapters) {
    const names = loraAdapterParamNames(adapter.module);
    const a = c.params.get(names.a)!;
    const b = c.params.get(names.b)!;
    const weightName = `${adapter.module}.weight`;
    const weight = Float32Array.from(c.params.get(weightName)!);
    const { inFeatures, outFeatures, r, scale } = adapter;
    for (let o = 0; o < outFeatures; o++) {
      for (let i = 0; i < inFeatures; i++) {
        let delta = 0;
        for (let k = 0; k < r; k++) delta += b[o * r + k]! * a[k * inFeatures + i]!;
        weight[o * inFeatures + i] = weight[o * inFeatures + i]! + delta * scale;
      }
    }
    merged.set(weightName, weight);
  }
  return merged;
}

/** adapter_config.json as LoraConfig.save_pretrained writes it for these settings. */
export function adapterConfig(c: TrainingCheckpoint, plan: ParameterPlan, baseModel: string): Record<string, unknown> {
  const { lora } = fineTuneMethodOf(c.settings);
  return {
    alpha_pattern: {},
    auto_mapping: null,
    base_model_name_or_path: baseModel,
    bias: 'none',
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    layers_pattern: null,
    layers_to_transform: null,
    lora_alpha: lora.alpha,
    lora_dropout: lora.dropout,
    modules_to_save: [...CLASSIFIER_MODULES_TO_SAVE],
    peft_type: 'LORA',
    r: lora.r,
    rank_pattern: {},
    revision: null,
    target_modules: [...plan.targetModules],
    task_type: PEFT_TASK_TYPES[taskOfModelConfig(c.modelConfig).head],
    use_dora: false,
    use_rslora: false,
  };
}

/** adapter_model.safetensors: each adapter's lora_A/lora_B and each saved module's parameters, under peft's keys. */
export function adapterTensors(c: TrainingCheckpoint, plan: ParameterPlan): [string, NamedTensor][] {
  const saved = (name: string) => plan.modulesToSave.some((m) => name.startsWith(`${m}.`));
  const adapterNames = new Set(plan.adapters.flatMap((a) => Object.values(loraAdapterParamNames(a.module))));
  return [...c.params]
    .filter(([name]) => adapterNames.has(name) || saved(name))
    .map(([name, data]) => [`${PEFT_PREFIX}${name}`, { shape: [...(c.paramShapes.get(name) ?? [data.length])], data }]);
}

/** The PEFT adapter folder's files, under ADAPTER_FOLDER/. */
export function peftAdapterFiles(c: TrainingCheckpoint, plan: ParameterPlan, baseModel: string): Map<string, Uint8Array> {
  const encoder = new TextEncoder();
  return new Map([
    [`${ADAPTER_FOLDER}/adapter_config.json`, encoder.encode(`${pythonJsonDumps(adapterConfig(c, plan, baseModel), { sortKeys: true })}\n`)],
    [`${ADAPTER_FOLDER}/adapter_model.safetensors`, writeSafetensors(adapterTensors(c, plan), { format: 'pt' })],
  ]);
}
