// The PEFT adapter folder against a golden file whose key names and config fields come from the
// peft source, huggingface/peft 0.20.1.dev0 (commit 5d602fdbff04c33c1c4de55cda9d4ae1d7cb7e40):
// - src/peft/utils/constants.py: CONFIG_NAME = "adapter_config.json", SAFETENSORS_WEIGHTS_NAME = "adapter_model.safetensors",
//   and TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING (bert: ["query", "value"]; no distilbert entry);
// - src/peft/utils/save_and_load.py, get_peft_model_state_dict: `model.q_proj.lora_A.default.weight` is saved as
//   `model.q_proj.lora_A.weight` (the PeftModel's keys start with `base_model.model.`);
// - src/peft/utils/other.py: _set_trainable wraps every module whose name ends with a modules_to_save entry, and
//   ModulesToSaveWrapper.adapter_state_dict saves its own keys under the module's name (`base_model.model.classifier.weight`);
// - src/peft/peft_model.py: PeftModelForSequenceClassification sets modules_to_save to ["classifier", "score"];
// - src/peft/tuners/lora/config.py (LoraConfig: r, lora_alpha, lora_dropout, target_modules, bias, use_rslora, …) and
//   src/peft/config.py (PeftConfig: base_model_name_or_path, revision, peft_type, task_type, inference_mode, auto_mapping).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tinyConfigs } from '../engine/models/test-support.ts';
import { startingPoint } from '../engine/pretrained.ts';
import { defaultSettings, type TrainingSettings } from '../engine/settings.ts';
import { readSafetensors } from '../engine/weights/safetensors.ts';
import { ADAPTER_FOLDER, checkpointPlan, mergedWeights, peftAdapterFiles } from './lora-export.ts';

const golden = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'golden', 'peft-adapter.json'), 'utf8')) as Record<
  string,
  { settings: Partial<TrainingSettings>; adapter_config: Record<string, unknown>; tensors: Record<string, number[]> }
>;

describe('the PEFT adapter folder', () => {
  it.each(Object.entries(golden).filter(([key]) => key !== 'source'))('%s: adapter_config.json and the adapter tensors under peft key names, as the golden file has them', (modelType, expected) => {
    const settings = { ...defaultSettings, ...expected.settings };
    const { checkpoint } = startingPoint({ name: modelType, configJson: tinyConfigs[modelType as keyof typeof tinyConfigs], weights: new Map() }, ['neg', 'pos'], settings);
    const files = peftAdapterFiles(checkpoint, checkpointPlan(checkpoint), `base/${modelType}`);
    expect([...files.keys()]).toEqual([`${ADAPTER_FOLDER}/adapter_config.json`, `${ADAPTER_FOLDER}/adapter_model.safetensors`]);
    expect(JSON.parse(new TextDecoder().decode(files.get(`${ADAPTER_FOLDER}/adapter_config.json`)))).toEqual(expected.adapter_config);
    const tensors = readSafetensors(files.get(`${ADAPTER_FOLDER}/adapter_model.safetensors`)!).tensors;
    expect(Object.fromEntries([...tensors].map(([name, t]) => [name, t.shape]))).toEqual(expected.tensors);
  });

  it('merges W + scale · B·A into the base weights and drops the adapters', () => {
    const settings = { ...defaultSettings, method: 'lora' as const, loraR: 2, loraAlpha: 4 };
    const { checkpoint } = startingPoint({ name: 'bert', configJson: tinyConfigs.bert, weights: new Map() }, ['neg', 'pos'], settings);
    const plan = checkpointPlan(checkpoint);
    const module = 'bert.encoder.layer.0.attention.self.query';
    const params = new Map(checkpoint.params);
    const b = Float32Array.from(params.get(`${module}.lora_B.weight`)!, (_, i) => (i % 3) - 1);
    params.set(`${module}.lora_B.weight`, b);
    const merged = mergedWeights({ params }, plan);
    expect([...merged.keys()].some((n) => n.includes('lora_'))).toBe(false);
    expect(merged.size).toBe(checkpoint.params.size - 2 * plan.adapters.length);
    const a = params.get(`${module}.lora_A.weight`)!;
    const w = params.get(`${module}.weight`)!;
    const [o, i, inFeatures, r] = [5, 7, 32, 2];
    const delta = (b[o * r]! * a[i]! + b[o * r + 1]! * a[inFeatures + i]!) * 2;
    expect(merged.get(`${module}.weight`)![o * inFeatures + i]).toBeCloseTo(w[o * inFeatures + i]! + delta, 6);
    // An adapter whose B is still zero changes nothing.
    const untouched = 'bert.encoder.layer.1.attention.self.value.weight';
    expect(merged.get(untouched)).toEqual(params.get(untouched));
  });
});
