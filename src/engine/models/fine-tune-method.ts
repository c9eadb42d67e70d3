/**
 * Which parameters a run trains. A full fine-tune trains all of them; "head only" trains the
 * task head (BERT's pooler included); LoRA adds low-rank adapters beside frozen Linear weights
 * and trains them with the classifier, as peft's LoraConfig + get_peft_model does for a
 * sequence- or token-classification model. The embeddings and the first N encoder layers can
 * be frozen on top of any of them. A frozen parameter stays a graph input: it gets no gradient
 * graph, no Adam moments and no share of the clipping norm.
 *
 * peft semantics followed (huggingface/peft 0.20.1.dev0, commit 5d602fd):
 * - target modules match a module whose name is a target or ends with `.<target>`
 *   (tuners/tuners_utils.py, check_target_module_exists);
 * - the default targets per model_type come from TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING
 *   (utils/constants.py), which has no entry for distilbert: its query and value projections
 *   (q_lin, v_lin) are named here, and written into the adapter config as peft needs them;
 * - modules_to_save is ["classifier", "score"] for SEQ_CLS and TOKEN_CLS (peft_model.py), matched
 *   by `name.endswith(target)` (utils/other.py, _set_trainable), so DistilBERT's pre_classifier
 *   trains too while BERT's pooler stays frozen;
 * - scaling lora_alpha / r, lora_A Kaiming-uniform with a = √5 (bound 1/√in_features), lora_B
 *   zeros (tuners/lora/layer.py, reset_lora_parameters), so the adapted model starts as the base one;
 * - forward: base(x) + lora_B(lora_A(dropout(x))) · scaling.
 */
import type { ParamSpec } from '../weights/param-spec.ts';
import type { EncoderConfig } from './config.ts';
import { familyOf } from './config.ts';
import { type HeadKind, type LinearSpec, paramSpecsOf } from './family.ts';
import { modelModules } from './params.ts';

export type FineTuneMethodKind = 'full' | 'lora' | 'head-only';

export const FINE_TUNE_METHODS: readonly FineTuneMethodKind[] = ['full', 'lora', 'head-only'];

export interface LoraOptions {
  readonly r: number;
  readonly alpha: number;
  readonly dropout: number;
  /** Module names or name endings (`query`, `attention.self.value`); empty: the family's default. */
  readonly targetModules: readonly string[];
}

export interface FineTuneMethod {
  readonly kind: FineTuneMethodKind;
  readonly freezeEmbeddings: boolean;
  /** Freeze encoder layers 0 … freezeLayers − 1. */
  readonly freezeLayers: number;
  /** Used when kind is 'lora'. */
  readonly lora: LoraOptions;
}

/** One LoRA adapter on a Linear: y = W·x + b + B·A·dropout(x) · scale. */
export interface LoraAdapter {
  /** The adapted Linear's module name, e.g. `bert.encoder.layer.0.attention.self.query`. */
  readonly module: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly r: number;
  /** lora_alpha / r */
  readonly scale: number;
  readonly dropout: number;
}

/** What a run's method makes of a model: every parameter (base weights, then adapters), and which of them train. */
export interface ParameterPlan {
  readonly params: readonly ParamSpec[];
  readonly trainable: ReadonlySet<string>;
  readonly adapters: readonly LoraAdapter[];
  /** The modules trained in full beside the adapters (peft's modules_to_save), empty without LoRA. */
  readonly modulesToSave: readonly string[];
  /** The LoRA target module names, the family's default when none were given; empty without LoRA. */
  readonly targetModules: readonly string[];
}

export const fullFineTune: FineTuneMethod = { kind: 'full', freezeEmbeddings: false, freezeLayers: 0, lora: { r: 8, alpha: 8, dropout: 0, targetModules: [] } };

/** peft's TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING for our families, distilbert added (see above). */
const DEFAULT_LORA_TARGETS: Readonly<Record<string, readonly string[]>> = {
  bert: ['query', 'value'],
  roberta: ['query', 'value'],
  'xlm-roberta': ['query', 'value'],
  electra: ['query', 'value'],
  distilbert: ['q_lin', 'v_lin'],
};

/** peft's classifier_module_names for PeftModelForSequenceClassification and …ForTokenClassification. */
export const CLASSIFIER_MODULES_TO_SAVE: readonly string[] = ['classifier', 'score'];

export function defaultLoraTargets(modelType: string): readonly string[] {
  const targets = DEFAULT_LORA_TARGETS[modelType];
  if (!targets) throw new Error(`no default LoRA target modules for model type ${modelType}: name them (e.g. query,value)`);
  return targets;
}

/** peft's check_target_module_exists for a list of targets. */
export function matchesTarget(moduleName: string, targets: readonly string[]): boolean {
  return targets.some((t) => moduleName === t || moduleName.endsWith(`.${t}`));
}

export function loraAdapterParamNames(module: string): { readonly a: string; readonly b: string } {
  return { a: `${module}.lora_A.weight`, b: `${module}.lora_B.weight` };
}

/**
 * The modules peft's _set_trainable wraps: any module, containers included (RoBERTa's
 * `classifier` holds classifier.dense and classifier.out_proj), whose name ends with one of
 * CLASSIFIER_MODULES_TO_SAVE, outermost first.
 */
function modulesToSaveOf(moduleNames: readonly string[]): string[] {
  const all = new Set(moduleNames.flatMap((name) => name.split('.').map((_, i, parts) => parts.slice(0, i + 1).join('.'))));
  const matching = [...all].filter((name) => CLASSIFIER_MODULES_TO_SAVE.some((t) => name.endsWith(t)));
  return matching.filter((name) => !matching.some((outer) => name.startsWith(`${outer}.`)));
}

/** Each adapter's lora_A [r, in] and lora_B [out, r], in adapter order. */
export function adapterParamSpecs(adapters: readonly LoraAdapter[]): ParamSpec[] {
  return adapters.flatMap((a): ParamSpec[] => {
    const names = loraAdapterParamNames(a.module);
    return [
      { name: names.a, shape: [a.r, a.inFeatures], init: 'kaiming-uniform' },
      { name: names.b, shape: [a.outFeatures, a.r], init: 'zeros' },
    ];
  });
}

/** The problems of a method's numbers, by field, for messages that name the setting. */
export function fineTuneMethodProblems(method: FineTuneMethod): string[] {
  const problems: string[] = [];
  if (!FINE_TUNE_METHODS.includes(method.kind)) problems.push(`the method must be one of ${FINE_TUNE_METHODS.join(', ')}, got ${String(method.kind)}`);
  if (!Number.isInteger(method.freezeLayers) || method.freezeLayers < 0) problems.push(`frozen layers must be a whole number ≥ 0, got ${method.freezeLayers}`);
  if (method.kind === 'lora') {
    const { r, alpha, dropout } = method.lora;
    if (!Number.isInteger(r) || r < 1) problems.push(`LoRA r must be a whole number ≥ 1, got ${r}`);
    if (!(alpha > 0 && Number.isFinite(alpha))) problems.push(`LoRA alpha must be a number > 0, got ${alpha}`);
    if (!(dropout >= 0 && dropout < 1)) problems.push(`LoRA dropout must be in [0, 1), got ${dropout}`);
  }
  return problems;
}

/**
 * The parameters of the model with `head` under `method`, base weights in named_parameters()
 * order and then each adapter's lora_A and lora_B, and the names of those that train.
 */
export function parameterPlan(config: EncoderConfig, numLabels: number, method: FineTuneMethod, head: HeadKind = 'sequence-classification'): ParameterPlan {
  const problem = fineTuneMethodProblems(method)[0];
  if (problem !== undefined) throw new RangeError(problem);
  if (method.freezeLayers > config.numLayers) throw new RangeError(`frozen layers (${method.freezeLayers}) is more than the model's ${config.numLayers} layers`);
  const family = familyOf(config);
  const modules = modelModules(config, numLabels, head);
  const headModules = new Set(family.heads[head].modules(config, numLabels).map((m) => m.name));
  const embeddingModules = new Set(family.embeddings.modules(config).map((m) => m.name));
  const frozenLayerPrefixes = Array.from({ length: method.freezeLayers }, (_, i) => `${family.layerPrefix(i)}.`);
  const lora = method.kind === 'lora';
  const modulesToSave = lora ? modulesToSaveOf(modules.map((m) => m.name)) : [];
  // A module under a saved one (RoBERTa's classifier.dense under classifier) trains with it.
  const saved = (name: string) => modulesToSave.some((s) => name === s || name.startsWith(`${s}.`));

  const trainsInFull = (name: string): boolean => {
    if (embeddingModules.has(name)) return !method.freezeEmbeddings && method.kind === 'full';
    if (frozenLayerPrefixes.some((p) => name.startsWith(p))) return false;
    if (method.kind === 'full') return true;
    if (method.kind === 'head-only') return headModules.has(name);
    return saved(name);
  };

  const targets = method.lora.targetModules.length > 0 ? method.lora.targetModules : defaultLoraTargets(config.architecture);
  const adapted = lora ? modules.filter((m): m is LinearSpec => m.kind === 'linear' && matchesTarget(m.name, targets) && !saved(m.name)) : [];
  if (lora && adapted.length === 0) {
    throw new Error(`no Linear module of this ${config.architecture} model matches the LoRA targets ${targets.join(', ')} (module names look like ${modules.find((m) => m.kind === 'linear')?.name})`);
  }
  const adapters = adapted.map((m) => ({ module: m.name, inFeatures: m.inFeatures, outFeatures: m.outFeatures, r: method.lora.r, scale: method.lora.alpha / method.lora.r, dropout: method.lora.dropout }));

  const trainable = new Set<string>();
  const params: ParamSpec[] = [];
  for (const m of modules) {
    for (const spec of paramSpecsOf([m])) {
      params.push(spec);
      if (trainsInFull(m.name)) trainable.add(spec.name);
    }
  }
  for (const spec of adapterParamSpecs(adapters)) {
    params.push(spec);
    trainable.add(spec.name);
  }
  if (trainable.size === 0) throw new Error('this method and these frozen parts leave no parameter to train');
  return { params, trainable, adapters, modulesToSave, targetModules: lora ? targets : [] };
}
