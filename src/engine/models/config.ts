/**
 * One typed view of the Hugging Face `config.json` of every encoder family the studio trains.
 * Missing keys take the defaults of transformers' own config classes (`BertConfig()` …), and
 * overrides act like `AutoModelForSequenceClassification.from_pretrained(id, **overrides)`.
 */

export type ModelType = 'bert' | 'roberta' | 'xlm-roberta' | 'distilbert' | 'electra';

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

const bertDefaults: Record<string, unknown> = {
  vocab_size: 30522,
  hidden_size: 768,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  intermediate_size: 3072,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0.1,
  attention_probs_dropout_prob: 0.1,
  max_position_embeddings: 512,
  type_vocab_size: 2,
  initializer_range: 0.02,
  layer_norm_eps: 1e-12,
  pad_token_id: 0,
  position_embedding_type: 'absolute',
  use_cache: true,
  classifier_dropout: null,
};

const robertaDefaults: Record<string, unknown> = { ...bertDefaults, pad_token_id: 1, bos_token_id: 0, eos_token_id: 2 };

/** The keyword defaults of each transformers config class's `__init__`. */
export const classDefaults: Record<ModelType, Record<string, unknown>> = {
  bert: bertDefaults,
  roberta: robertaDefaults,
  'xlm-roberta': robertaDefaults,
  electra: {
    ...bertDefaults,
    embedding_size: 128,
    hidden_size: 256,
    num_attention_heads: 4,
    intermediate_size: 1024,
    summary_type: 'first',
    summary_use_proj: true,
    summary_activation: 'gelu',
    summary_last_dropout: 0.1,
  },
  distilbert: {
    vocab_size: 30522,
    max_position_embeddings: 512,
    sinusoidal_pos_embds: false,
    n_layers: 6,
    n_heads: 12,
    dim: 768,
    hidden_dim: 4 * 768,
    dropout: 0.1,
    attention_dropout: 0.1,
    activation: 'gelu',
    initializer_range: 0.02,
    qa_dropout: 0.1,
    seq_classif_dropout: 0.2,
    pad_token_id: 0,
  },
};

/** DistilBertConfig.attribute_map: the generic names are aliases of DistilBERT's own. */
const attributeMaps: Partial<Record<ModelType, Record<string, string>>> = {
  distilbert: { hidden_size: 'dim', num_attention_heads: 'n_heads', num_hidden_layers: 'n_layers' },
};

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

const supportedTypes = Object.keys(classDefaults) as ModelType[];

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
class FieldReader {
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
  const aliases = attributeMaps[modelType] ?? {};
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
  const read = new FieldReader(modelType, values);
  const config = modelType === 'distilbert' ? distilBertFields(read, values) : bertFamilyFields(modelType, read, values);
  if (config.hiddenSize % config.numHeads !== 0) {
    throw new Error(`${modelType} config: hidden size ${config.hiddenSize} is not a multiple of the number of attention heads ${config.numHeads}`);
  }
  if (config.padTokenId >= config.vocabSize) {
    throw new Error(`${modelType} config: pad_token_id ${config.padTokenId} is outside the vocabulary of ${config.vocabSize}`);
  }
  return { ...config, json: merged };
}

function bertFamilyFields(modelType: ModelType, read: FieldReader, values: Record<string, unknown>): Omit<EncoderConfig, 'json'> {
  if (values.position_embedding_type !== 'absolute') {
    throw new Error(
      `${modelType} config: position_embedding_type ${JSON.stringify(values.position_embedding_type)} is not supported; only "absolute" position embeddings are`,
    );
  }
  const hiddenSize = read.positiveInt('hidden_size');
  const hiddenDropout = read.probability('hidden_dropout_prob');
  return {
    architecture: modelType,
    vocabSize: read.positiveInt('vocab_size'),
    hiddenSize,
    embeddingSize: modelType === 'electra' ? read.positiveInt('embedding_size') : hiddenSize,
    numLayers: read.positiveInt('num_hidden_layers'),
    numHeads: read.positiveInt('num_attention_heads'),
    intermediateSize: read.positiveInt('intermediate_size'),
    maxPositions: read.positiveInt('max_position_embeddings'),
    typeVocabSize: read.positiveInt('type_vocab_size'),
    layerNormEps: read.number('layer_norm_eps'),
    hiddenAct: read.activation('hidden_act'),
    hiddenDropout,
    attentionDropout: read.probability('attention_probs_dropout_prob'),
    classifierDropout: read.optionalProbability('classifier_dropout') ?? hiddenDropout,
    padTokenId: read.tokenId('pad_token_id'),
    initializerRange: read.number('initializer_range'),
    positionKind: modelType === 'roberta' || modelType === 'xlm-roberta' ? 'roberta' : 'absolute',
  };
}

function distilBertFields(read: FieldReader, values: Record<string, unknown>): Omit<EncoderConfig, 'json'> {
  if (values.sinusoidal_pos_embds === true) {
    throw new Error('distilbert config: sinusoidal_pos_embds=true (a frozen sinusoidal position table) is not supported; only learned position embeddings are');
  }
  const dim = read.positiveInt('dim');
  return {
    architecture: 'distilbert',
    vocabSize: read.positiveInt('vocab_size'),
    hiddenSize: dim,
    embeddingSize: dim,
    numLayers: read.positiveInt('n_layers'),
    numHeads: read.positiveInt('n_heads'),
    intermediateSize: read.positiveInt('hidden_dim'),
    maxPositions: read.positiveInt('max_position_embeddings'),
    typeVocabSize: 0,
    // DistilBERT's LayerNorms hard-code eps=1e-12 rather than reading the config.
    layerNormEps: 1e-12,
    hiddenAct: read.activation('activation'),
    hiddenDropout: read.probability('dropout'),
    attentionDropout: read.probability('attention_dropout'),
    classifierDropout: read.probability('seq_classif_dropout'),
    padTokenId: read.tokenId('pad_token_id'),
    initializerRange: read.number('initializer_range'),
    positionKind: 'absolute',
  };
}

const classNames: Record<ModelType, string> = {
  bert: 'BertForSequenceClassification',
  roberta: 'RobertaForSequenceClassification',
  'xlm-roberta': 'XLMRobertaForSequenceClassification',
  electra: 'ElectraForSequenceClassification',
  distilbert: 'DistilBertForSequenceClassification',
};

/** The transformers class an exported config names in `architectures`. */
export function architectureClassName(config: EncoderConfig): string {
  return classNames[config.architecture];
}

export type BasePrefix = 'bert' | 'roberta' | 'distilbert' | 'electra';

/** The attribute holding the encoder inside *ForSequenceClassification, hence the prefix of its parameter names. */
export function basePrefix(config: EncoderConfig): BasePrefix {
  return config.architecture === 'xlm-roberta' ? 'roberta' : config.architecture;
}
