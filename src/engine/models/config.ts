/**
 * One typed view of the Hugging Face `config.json` of every encoder family the studio trains.
 * Missing keys take the defaults of transformers' own config classes (`BertConfig()` …), and
 * overrides act like `AutoModelForSequenceClassification.from_pretrained(id, **overrides)`.
 */

import type { HeadKind, ModelFamily } from './family.ts';
import { modelFamilies } from './families/index.ts';

/** A config.json model_type the engine builds: a key of the family registry. */
export type ModelType = keyof typeof modelFamilies;

/** 'gelu' is the exact erf form; 'gelu_tanh' is the tanh approximation (HF gelu_new, gelu_pytorch_tanh, gelu_fast). */
export type HiddenAct = 'gelu' | 'gelu_tanh' | 'relu';

/** 'roberta': positions count non-pad tokens from padTokenId + 1, pads sit at padTokenId. */
export type PositionKind = 'absolute' | 'roberta';

export interface EncoderConfig {
  readonly architecture: ModelType;
  readonly vocabSize: number;
  readonly hiddenSize: number;
  /** Width of the embedding tables; differs from hiddenSize only for ELECTRA, which projects up. */
  readonly embeddingSize: number;
  readonly numLayers: number;
  readonly numHeads: number;
  readonly intermediateSize: number;
  readonly maxPositions: number;
  /** 0 when the architecture has no token-type embeddings (DistilBERT). */
  readonly typeVocabSize: number;
  readonly layerNormEps: number;
  readonly hiddenAct: HiddenAct;
  readonly hiddenDropout: number;
  readonly attentionDropout: number;
  readonly classifierDropout: number;
  /** The word embeddings' padding_idx; also where RoBERTa counts positions from. */
  readonly padTokenId: number;
  readonly initializerRange: number;
  readonly positionKind: PositionKind;
  /** The config.json with overrides applied under the model's own key names, for export. */
  readonly json: Readonly<Record<string, unknown>>;
}

/** What a family reads from its config (family.ts); parseModelConfig adds the model type and the merged JSON. */
export type ConfigFields = Omit<EncoderConfig, 'architecture' | 'json'>;

/** The keyword defaults of each transformers config class's `__init__`. */
export const classDefaults = Object.fromEntries(Object.entries(modelFamilies).map(([type, family]) => [type, family.configDefaults])) as Record<
  ModelType,
  Readonly<Record<string, unknown>>
>;

/** Attributes every PretrainedConfig has, so from_pretrained accepts them as overrides for any model. */
const pretrainedConfigKeys = [
  'num_labels',
  'id2label',
  'label2id',
  'problem_type',
  'architectures',
  'torch_dtype',
  'pad_token_id',
  'bos_token_id',
  'eos_token_id',
  'output_hidden_states',
  'output_attentions',
];

const supportedTypes = Object.keys(modelFamilies) as ModelType[];

const activations: Record<string, HiddenAct> = {
  gelu: 'gelu',
  gelu_python: 'gelu',
  gelu_new: 'gelu_tanh',
  gelu_pytorch_tanh: 'gelu_tanh',
  gelu_fast: 'gelu_tanh',
  relu: 'relu',
};

function isModelType(value: unknown): value is ModelType {
  return typeof value === 'string' && (supportedTypes as string[]).includes(value);
}

/** Reads typed fields from the merged config, naming the offending key in every error. */
export class ConfigReader {
  constructor(
    private readonly modelType: ModelType,
    private readonly values: Readonly<Record<string, unknown>>,
  ) {}

  number(key: string): number {
    const value = this.values[key];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new Error(`${this.modelType} config: ${key} must be a number, got ${JSON.stringify(value)}`);
    }
    return value;
  }

  positiveInt(key: string): number {
    const value = this.number(key);
    if (!Number.isInteger(value) || value < 1) throw new Error(`${this.modelType} config: ${key} must be a positive integer, got ${value}`);
    return value;
  }

  probability(key: string): number {
    const value = this.number(key);
    if (value < 0 || value >= 1) throw new Error(`${this.modelType} config: ${key} must be in [0, 1), got ${value}`);
    return value;
  }

  optionalProbability(key: string): number | null {
    return this.values[key] === null || this.values[key] === undefined ? null : this.probability(key);
  }

  tokenId(key: string): number {
    const value = this.values[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      // transformers would accept null (no padding row), but batches need a pad id to pad with.
      throw new Error(`${this.modelType} config: ${key} must be a non-negative integer, got ${JSON.stringify(value)}; set it with an override`);
    }
    return value;
  }

  activation(key: string): HiddenAct {
    const value = this.values[key];
    const act = typeof value === 'string' ? activations[value] : undefined;
    if (!act) {
      throw new Error(`${this.modelType} config: ${key} ${JSON.stringify(value)} is not supported; supported: ${Object.keys(activations).join(', ')}`);
    }
    return act;
  }
}

/** Applies overrides as from_pretrained(**kwargs) does: only to attributes the config has, aliases resolved. */
function mergeOverrides(modelType: ModelType, json: Record<string, unknown>, overrides: Record<string, unknown>): Record<string, unknown> {
  const aliases = modelFamilies[modelType].attributeMap;
  const merged: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) merged[aliases[key] ?? key] = value;
  const known = new Set([...Object.keys(classDefaults[modelType]), ...Object.keys(merged), ...pretrainedConfigKeys]);
  for (const [key, value] of Object.entries(overrides)) {
    const target = aliases[key] ?? key;
    if (target === 'model_type') throw new Error('model_type cannot be overridden; load a config of the other type instead');
    if (!known.has(target)) {
      // from_pretrained hands unknown kwargs to the model's __init__, which rejects them.
      throw new Error(`${modelType} config has no field "${key}" to override; its fields: ${Object.keys(classDefaults[modelType]).join(', ')}`);
    }
    merged[target] = value;
  }
  return merged;
}

/**
 * Normalises a Hugging Face config.json (plus from_pretrained-style overrides) for the
 * supported encoder families. Throws on model types and options the engine cannot build.
 */
export function parseModelConfig(json: Record<string, unknown>, overrides: Record<string, unknown> = {}): EncoderConfig {
  const modelType = json.model_type;
  if (!isModelType(modelType)) {
    throw new Error(`model_type ${JSON.stringify(modelType)} is not supported; supported: ${supportedTypes.join(', ')}`);
  }
  const merged = mergeOverrides(modelType, json, overrides);
  const values = { ...classDefaults[modelType], ...merged };
  const config = { architecture: modelType, ...modelFamilies[modelType].readFields(new ConfigReader(modelType, values), values) };
  if (config.hiddenSize % config.numHeads !== 0) {
    throw new Error(`${modelType} config: hidden size ${config.hiddenSize} is not a multiple of the number of attention heads ${config.numHeads}`);
  }
  if (config.padTokenId >= config.vocabSize) {
    throw new Error(`${modelType} config: pad_token_id ${config.padTokenId} is outside the vocabulary of ${config.vocabSize}`);
  }
  return { ...config, json: merged };
}

/** The family registry's entry for this config. */
export function familyOf(config: Pick<EncoderConfig, 'architecture'>): ModelFamily {
  return modelFamilies[config.architecture];
}

/** The transformers class an exported config names in `architectures`: the family's model with `head`. */
export function architectureClassName(config: EncoderConfig, head: HeadKind = 'sequence-classification'): string {
  return familyOf(config).heads[head].className;
}

/** The attribute holding the encoder inside the model classes, hence the prefix of its parameter names. */
export function basePrefix(config: EncoderConfig): string {
  return familyOf(config).basePrefix;
}
