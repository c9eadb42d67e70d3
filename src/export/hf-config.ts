/**
 * config.json as transformers 4.57.1 writes it for a fine-tuned `*ForSequenceClassification`.
 *
 * `PreTrainedModel.save_pretrained` (modeling_utils.py) sets `config.architectures` to the model
 * class and `config.dtype` to the parameters' dtype, then `PretrainedConfig.save_pretrained`
 * (configuration_utils.py) writes `to_json_string(use_diff=True)`: `to_diff_dict()` keeps
 * - every attribute that `PretrainedConfig()` lacks, i.e. each field the model's config class adds
 *   (`BertConfig.__init__` …) and each extra key the base model's config.json carried;
 * - a `PretrainedConfig` attribute only where its value differs from `PretrainedConfig()`'s or
 *   from the model config class's default (so BERT's `pad_token_id: 0` stays, `is_decoder: false` goes);
 * - `transformers_version` always; `_name_or_path`, `_commit_hash`, `_attn_implementation_internal`
 *   and `_auto_class` never;
 * then `json.dumps(indent=2, sort_keys=True)`.
 *
 * 4.56 renamed the config's `torch_dtype` to `dtype`: `torch_dtype` is still read (popped into
 * `dtype`), but a folder saved by 4.56+ carries `dtype`, so one claiming 4.57.1 does too.
 */
import { architectureClassName, classDefaults, parseModelConfig } from '../engine/models/config.ts';
import { taskOfModelConfig } from '../engine/tasks/index.ts';
import { pythonJsonDumps } from './python-json.ts';

/** The transformers release whose save_pretrained output this folder mirrors. */
export const TRANSFORMERS_VERSION = '4.57.1';

const DEFAULT_LABELS = { id2label: { 0: 'LABEL_0', 1: 'LABEL_1' }, label2id: { LABEL_0: 0, LABEL_1: 1 } };

/**
 * `PretrainedConfig().to_dict()` of 4.57.1 (its `__init__` keyword defaults, the generation
 * defaults it still sets for old configs, `tf_legacy_loss`/`use_bfloat16`), without the keys
 * `_remove_keys_not_serialized` drops. `id2label` keys are ints in Python, strings here and in JSON.
 */
const PRETRAINED_CONFIG_DEFAULTS: Readonly<Record<string, unknown>> = {
  return_dict: true,
  output_hidden_states: false,
  torchscript: false,
  dtype: null,
  output_attentions: false,
  pruned_heads: {},
  tie_word_embeddings: true,
  chunk_size_feed_forward: 0,
  is_encoder_decoder: false,
  is_decoder: false,
  cross_attention_hidden_size: null,
  add_cross_attention: false,
  tie_encoder_decoder: false,
  architectures: null,
  finetuning_task: null,
  ...DEFAULT_LABELS,
  task_specific_params: null,
  problem_type: null,
  tokenizer_class: null,
  prefix: null,
  bos_token_id: null,
  pad_token_id: null,
  eos_token_id: null,
  sep_token_id: null,
  decoder_start_token_id: null,
  max_length: 20,
  min_length: 0,
  do_sample: false,
  early_stopping: false,
  num_beams: 1,
  num_beam_groups: 1,
  diversity_penalty: 0,
  temperature: 1,
  top_k: 50,
  top_p: 1,
  typical_p: 1,
  repetition_penalty: 1,
  length_penalty: 1,
  no_repeat_ngram_size: 0,
  encoder_no_repeat_ngram_size: 0,
  bad_words_ids: null,
  num_return_sequences: 1,
  output_scores: false,
  return_dict_in_generate: false,
  forced_bos_token_id: null,
  forced_eos_token_id: null,
  remove_invalid_values: false,
  exponential_decay_length_penalty: null,
  suppress_tokens: null,
  begin_suppress_tokens: null,
  _name_or_path: '',
  tf_legacy_loss: false,
  use_bfloat16: false,
  model_type: '',
};

/**
 * config.json keys that `PretrainedConfig.__init__` consumes without keeping an attribute of
 * that name (`num_labels` becomes `id2label`, `torch_dtype` becomes `dtype`, the version is
 * rewritten), or that `to_diff_dict` removes.
 */
const NOT_WRITTEN = new Set([
  'num_labels',
  'torch_dtype',
  'name_or_path',
  '_name_or_path',
  '_commit_hash',
  'attn_implementation',
  '_attn_implementation_internal',
  '_auto_class',
  'transformers_version',
]);

/** Python `==` on JSON values; key order does not matter for dicts. */
function sameValue(a: unknown, b: unknown): boolean {
  return pythonJsonDumps(a, { sortKeys: true }) === pythonJsonDumps(b, { sortKeys: true });
}

/**
 * The config.json entries `save_pretrained` writes for a fine-tuned classifier whose config is
 * `modelConfig` (the base model's config.json with overrides, id2label, label2id and problem_type).
 */
export function savePretrainedConfig(modelConfig: Readonly<Record<string, unknown>>): Record<string, unknown> {
  // Validates the config and resolves attribute_map aliases (DistilBERT's hidden_size is dim).
  const config = parseModelConfig({ ...modelConfig });
  const classDefault = classDefaults[config.architecture];
  const attributes: Record<string, unknown> = { ...PRETRAINED_CONFIG_DEFAULTS, ...classDefault };
  for (const [key, value] of Object.entries(config.json)) {
    if (!NOT_WRITTEN.has(key)) attributes[key] = value;
  }
  attributes.architectures = [architectureClassName(config, taskOfModelConfig(modelConfig).head)];
  // The engine trains and saves float32 parameters.
  attributes.dtype = 'float32';
  attributes.model_type = config.architecture;

  const written: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (NOT_WRITTEN.has(key)) continue;
    const isBaseAttribute = Object.hasOwn(PRETRAINED_CONFIG_DEFAULTS, key);
    const differsFromBase = !isBaseAttribute || !sameValue(value, PRETRAINED_CONFIG_DEFAULTS[key]);
    const differsFromClass = Object.hasOwn(classDefault, key) && !sameValue(value, classDefault[key]);
    if (differsFromBase || differsFromClass) written[key] = value;
  }
  written.transformers_version = TRANSFORMERS_VERSION;
  return written;
}

/** The bytes of config.json: json.dumps(indent=2, sort_keys=True) + "\n", id2label's int keys sorted as ints. */
export function configJsonText(config: Readonly<Record<string, unknown>>): string {
  return `${pythonJsonDumps(config, { sortKeys: true, ensureAscii: true, intKeyedObjects: ['id2label'] })}\n`;
}
