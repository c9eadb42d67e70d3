import { describe, expect, it } from 'vitest';
import { architectureClassName, basePrefix, parseModelConfig } from './config.ts';

// The config.json files of the Hub models, as published (fields the engine ignores trimmed).
const bertBaseUncased = {
  architectures: ['BertForMaskedLM'],
  attention_probs_dropout_prob: 0.1,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0.1,
  hidden_size: 768,
  initializer_range: 0.02,
  intermediate_size: 3072,
  layer_norm_eps: 1e-12,
  max_position_embeddings: 512,
  model_type: 'bert',
  num_attention_heads: 12,
  num_hidden_layers: 12,
  pad_token_id: 0,
  position_embedding_type: 'absolute',
  type_vocab_size: 2,
  vocab_size: 30522,
};

const allMiniLmL6V2 = {
  architectures: ['BertModel'],
  attention_probs_dropout_prob: 0.1,
  gradient_checkpointing: false,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0.1,
  hidden_size: 384,
  initializer_range: 0.02,
  intermediate_size: 1536,
  layer_norm_eps: 1e-12,
  max_position_embeddings: 512,
  model_type: 'bert',
  num_attention_heads: 12,
  num_hidden_layers: 6,
  pad_token_id: 0,
  position_embedding_type: 'absolute',
  type_vocab_size: 2,
  vocab_size: 30522,
};

const distilbertBaseUncased = {
  activation: 'gelu',
  architectures: ['DistilBertForMaskedLM'],
  attention_dropout: 0.1,
  dim: 768,
  dropout: 0.1,
  hidden_dim: 3072,
  initializer_range: 0.02,
  max_position_embeddings: 512,
  model_type: 'distilbert',
  n_heads: 12,
  n_layers: 6,
  pad_token_id: 0,
  qa_dropout: 0.1,
  seq_classif_dropout: 0.2,
  sinusoidal_pos_embds: false,
  tie_weights_: true,
  vocab_size: 30522,
};

const robertaBase = {
  architectures: ['RobertaForMaskedLM'],
  attention_probs_dropout_prob: 0.1,
  bos_token_id: 0,
  eos_token_id: 2,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0.1,
  hidden_size: 768,
  initializer_range: 0.02,
  intermediate_size: 3072,
  layer_norm_eps: 1e-5,
  max_position_embeddings: 514,
  model_type: 'roberta',
  num_attention_heads: 12,
  num_hidden_layers: 12,
  pad_token_id: 1,
  type_vocab_size: 1,
  vocab_size: 50265,
};

const electraSmallDiscriminator = {
  architectures: ['ElectraForPreTraining'],
  attention_probs_dropout_prob: 0.1,
  embedding_size: 128,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0.1,
  hidden_size: 256,
  initializer_range: 0.02,
  intermediate_size: 1024,
  layer_norm_eps: 1e-12,
  max_position_embeddings: 512,
  model_type: 'electra',
  num_attention_heads: 4,
  num_hidden_layers: 12,
  pad_token_id: 0,
  type_vocab_size: 2,
  vocab_size: 30522,
};

describe('parseModelConfig', () => {
  it('reads bert-base-uncased', () => {
    const c = parseModelConfig(bertBaseUncased);
    expect(c).toMatchObject({
      architecture: 'bert',
      vocabSize: 30522,
      hiddenSize: 768,
      embeddingSize: 768,
      numLayers: 12,
      numHeads: 12,
      intermediateSize: 3072,
      maxPositions: 512,
      typeVocabSize: 2,
      layerNormEps: 1e-12,
      hiddenAct: 'gelu',
      hiddenDropout: 0.1,
      attentionDropout: 0.1,
      classifierDropout: 0.1,
      padTokenId: 0,
      initializerRange: 0.02,
      positionKind: 'absolute',
    });
    expect(architectureClassName(c)).toBe('BertForSequenceClassification');
    expect(basePrefix(c)).toBe('bert');
    expect(c.json).toEqual(bertBaseUncased);
  });

  it('reads MiniLM as a BERT', () => {
    expect(parseModelConfig(allMiniLmL6V2)).toMatchObject({ architecture: 'bert', hiddenSize: 384, numLayers: 6, intermediateSize: 1536, numHeads: 12 });
  });

  it("maps DistilBERT's own names and its fixed LayerNorm eps", () => {
    const c = parseModelConfig(distilbertBaseUncased);
    expect(c).toMatchObject({
      architecture: 'distilbert',
      hiddenSize: 768,
      embeddingSize: 768,
      numLayers: 6,
      numHeads: 12,
      intermediateSize: 3072,
      typeVocabSize: 0,
      layerNormEps: 1e-12,
      hiddenDropout: 0.1,
      attentionDropout: 0.1,
      classifierDropout: 0.2,
      positionKind: 'absolute',
    });
    expect(architectureClassName(c)).toBe('DistilBertForSequenceClassification');
    expect(basePrefix(c)).toBe('distilbert');
  });

  it('gives RoBERTa and XLM-R padding-offset positions and the roberta prefix', () => {
    const roberta = parseModelConfig(robertaBase);
    expect(roberta).toMatchObject({ architecture: 'roberta', vocabSize: 50265, maxPositions: 514, typeVocabSize: 1, layerNormEps: 1e-5, padTokenId: 1, positionKind: 'roberta' });
    const xlmr = parseModelConfig({ ...robertaBase, model_type: 'xlm-roberta', vocab_size: 250002 });
    expect(xlmr.positionKind).toBe('roberta');
    expect(architectureClassName(xlmr)).toBe('XLMRobertaForSequenceClassification');
    expect(basePrefix(xlmr)).toBe('roberta');
  });

  it('gives ELECTRA its embedding size', () => {
    const c = parseModelConfig(electraSmallDiscriminator);
    expect(c).toMatchObject({ architecture: 'electra', embeddingSize: 128, hiddenSize: 256, numHeads: 4, intermediateSize: 1024 });
    expect(architectureClassName(c)).toBe('ElectraForSequenceClassification');
  });

  it("fills missing keys with the config classes' defaults", () => {
    expect(parseModelConfig({ model_type: 'bert' })).toMatchObject({ vocabSize: 30522, hiddenSize: 768, numLayers: 12, padTokenId: 0, classifierDropout: 0.1 });
    expect(parseModelConfig({ model_type: 'roberta' })).toMatchObject({ padTokenId: 1, layerNormEps: 1e-12, typeVocabSize: 2 });
    expect(parseModelConfig({ model_type: 'electra' })).toMatchObject({ embeddingSize: 128, hiddenSize: 256, numHeads: 4, intermediateSize: 1024, numLayers: 12 });
    expect(parseModelConfig({ model_type: 'distilbert' })).toMatchObject({ hiddenSize: 768, numLayers: 6, classifierDropout: 0.2, hiddenAct: 'gelu' });
  });

  it('takes classifier_dropout over hidden_dropout_prob when set', () => {
    expect(parseModelConfig({ ...bertBaseUncased, classifier_dropout: 0.3 }).classifierDropout).toBe(0.3);
    expect(parseModelConfig({ ...bertBaseUncased, classifier_dropout: null }).classifierDropout).toBe(0.1);
  });

  it('normalises the activations', () => {
    const act = (hidden_act: string) => parseModelConfig({ model_type: 'bert', hidden_act }).hiddenAct;
    expect(act('gelu')).toBe('gelu');
    expect(act('gelu_new')).toBe('gelu_tanh');
    expect(act('gelu_pytorch_tanh')).toBe('gelu_tanh');
    expect(act('relu')).toBe('relu');
    expect(() => act('swish')).toThrow(/swish.*not supported.*gelu/);
  });

  it('applies overrides as from_pretrained(**kwargs) does, DistilBERT aliases included', () => {
    const bert = parseModelConfig(bertBaseUncased, { hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 });
    expect(bert).toMatchObject({ hiddenDropout: 0, attentionDropout: 0, classifierDropout: 0 });
    expect(bert.json.hidden_dropout_prob).toBe(0);
    const distil = parseModelConfig(distilbertBaseUncased, { dropout: 0, seq_classif_dropout: 0.5, hidden_size: 768 });
    expect(distil).toMatchObject({ hiddenDropout: 0, classifierDropout: 0.5 });
    expect(distil.json).not.toHaveProperty('hidden_size');
    expect(() => parseModelConfig(distilbertBaseUncased, { hidden_dropout_prob: 0 })).toThrow(/distilbert config has no field "hidden_dropout_prob".*dropout/);
    expect(parseModelConfig(bertBaseUncased, { id2label: { 0: 'neg', 1: 'pos' } }).json.id2label).toEqual({ 0: 'neg', 1: 'pos' });
  });

  it('rejects what the engine cannot build, naming it', () => {
    expect(() => parseModelConfig({ model_type: 'gpt2' })).toThrow(/"gpt2" is not supported; supported: bert, roberta, xlm-roberta, electra, distilbert/);
    expect(() => parseModelConfig({})).toThrow(/undefined is not supported/);
    expect(() => parseModelConfig({ ...bertBaseUncased, position_embedding_type: 'relative_key' })).toThrow(/"relative_key" is not supported; only "absolute"/);
    expect(() => parseModelConfig({ ...distilbertBaseUncased, sinusoidal_pos_embds: true })).toThrow(/sinusoidal/);
    expect(() => parseModelConfig({ ...bertBaseUncased, num_attention_heads: 7 })).toThrow(/not a multiple/);
    expect(() => parseModelConfig({ ...bertBaseUncased, hidden_size: '768' })).toThrow(/hidden_size must be a number/);
    expect(() => parseModelConfig({ ...bertBaseUncased, hidden_dropout_prob: 1 })).toThrow(/\[0, 1\)/);
    expect(() => parseModelConfig({ ...bertBaseUncased, pad_token_id: null })).toThrow(/pad_token_id/);
    expect(() => parseModelConfig(bertBaseUncased, { model_type: 'roberta' })).toThrow(/model_type cannot be overridden/);
  });
});
