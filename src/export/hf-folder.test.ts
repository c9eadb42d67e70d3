import { describe, expect, it } from 'vitest';
import { classifierParamSpecs } from '../engine/models/params.ts';
import { parseModelConfig } from '../engine/models/config.ts';
import { startingPoint } from '../engine/pretrained.ts';
import { defaultSettings } from '../engine/settings.ts';
import { taskById } from '../engine/tasks/index.ts';
import { readSafetensors } from '../engine/weights/safetensors.ts';
import { completeTokenizerFiles, type TokenizerSourceFiles } from '../tokenize/tokenizer-files.ts';
import { configJsonText, savePretrainedConfig } from './hf-config.ts';
import { huggingFaceFolder } from './hf-folder.ts';

const decoder = new TextDecoder();
const tiny = { hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 24 };
const bertConfig = { model_type: 'bert', vocab_size: 12, ...tiny };
const robertaConfig = { model_type: 'roberta', vocab_size: 12, ...tiny, pad_token_id: 1, bos_token_id: 0, eos_token_id: 2, type_vocab_size: 1 };
const wordPiece: TokenizerSourceFiles = { vocabTxt: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'good', 'bad', 'film', 'the', 'a', 'is', '!'].join('\n') };
const bytePairs: TokenizerSourceFiles = {
  vocabJson: { '<s>': 0, '<pad>': 1, '</s>': 2, '<unk>': 3, '<mask>': 4, g: 5, o: 6, d: 7, go: 8, good: 9, 'Ġ': 10, 'Ġgood': 11 },
  mergesTxt: '#version: 0.2\ng o\ngo od\nĠ good\n',
};

function folder(configJson: Record<string, unknown>, source: TokenizerSourceFiles, labels = ['neg', 'pos']) {
  const checkpoint = startingPoint({ name: 'tiny', configJson, weights: new Map() }, labels, defaultSettings).checkpoint;
  return { checkpoint, files: huggingFaceFolder(checkpoint, completeTokenizerFiles(source, configJson), 'tiny', 0.5) };
}

describe('huggingFaceFolder', () => {
  it('writes the files save_pretrained writes, with vocab.txt when the base model had one', () => {
    const { files } = folder(bertConfig, wordPiece);
    expect([...files.keys()].sort()).toEqual(['config.json', 'model.safetensors', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json', 'trainer_state.json', 'vocab.txt']);
    expect(decoder.decode(files.get('vocab.txt'))).toBe(wordPiece.vocabTxt);
  });

  it('writes vocab.json and merges.txt for a byte-level BPE base model', () => {
    const { files } = folder(robertaConfig, bytePairs);
    expect(files.has('vocab.txt')).toBe(false);
    expect(JSON.parse(decoder.decode(files.get('vocab.json')))).toEqual(bytePairs.vocabJson);
    expect(decoder.decode(files.get('merges.txt'))).toBe(bytePairs.mergesTxt);
  });

  it('writes no slow-tokenizer files for a base model that shipped only tokenizer.json', () => {
    const tokenizerJson = completeTokenizerFiles(wordPiece, bertConfig).tokenizerJson;
    const { files } = folder(bertConfig, { tokenizerJson });
    expect(['vocab.txt', 'vocab.json', 'merges.txt'].filter((f) => files.has(f))).toEqual([]);
    expect(JSON.parse(decoder.decode(files.get('tokenizer.json')))).toEqual(tokenizerJson);
  });

  it('writes config.json as save_pretrained does', () => {
    const { checkpoint, files } = folder(robertaConfig, bytePairs, ['négatif', 'positif', 'neutre']);
    const text = decoder.decode(files.get('config.json'));
    expect(text).toBe(configJsonText(savePretrainedConfig(checkpoint.modelConfig)));
    expect(text).toContain('"n\\u00e9gatif": 0');
    expect(JSON.parse(text)).toMatchObject({
      architectures: ['RobertaForSequenceClassification'],
      model_type: 'roberta',
      id2label: { 0: 'négatif', 1: 'positif', 2: 'neutre' },
      problem_type: 'single_label_classification',
      dtype: 'float32',
    });
  });

  it('writes a multi-label model\'s decision threshold into config.json as multi_label_threshold, and none for a single-label one', () => {
    const checkpoint = startingPoint({ name: 'tiny', configJson: bertConfig, weights: new Map() }, ['a', 'b', 'c'], defaultSettings, {}, taskById('multi-label')).checkpoint;
    const text = decoder.decode(huggingFaceFolder(checkpoint, completeTokenizerFiles(wordPiece, bertConfig), 'tiny', 0.35).get('config.json'));
    expect(JSON.parse(text)).toMatchObject({ problem_type: 'multi_label_classification', multi_label_threshold: 0.35 });
    // Sorted among the other keys, as json.dumps(sort_keys=True) writes an attribute transformers keeps.
    expect(text).toContain('"model_type": "bert",\n  "multi_label_threshold": 0.35,\n  "num_attention_heads"');
    const single = decoder.decode(folder(bertConfig, wordPiece).files.get('config.json'));
    expect(single).not.toContain('multi_label_threshold');
  });

  for (const configJson of [bertConfig, robertaConfig, { model_type: 'distilbert', vocab_size: 12, dim: 16, n_layers: 1, n_heads: 2, hidden_dim: 32, max_position_embeddings: 24 }, { model_type: 'electra', vocab_size: 12, embedding_size: 8, ...tiny }]) {
    it(`${configJson.model_type}: model.safetensors holds exactly the model's parameters under their HF names, format pt`, () => {
      const { checkpoint, files } = folder(configJson, configJson.model_type === 'roberta' ? bytePairs : wordPiece);
      const saved = readSafetensors(files.get('model.safetensors')!);
      expect(saved.metadata).toEqual({ format: 'pt' });
      const specs = classifierParamSpecs(parseModelConfig(checkpoint.modelConfig), 2);
      expect([...saved.tensors.keys()].sort()).toEqual(specs.map((s) => s.name).sort());
      // The embeddings' position_ids / token_type_ids buffers are non-persistent: state_dict() leaves them out.
      expect([...saved.tensors.keys()].filter((n) => /position_ids|token_type_ids/.test(n))).toEqual([]);
      for (const spec of specs) {
        expect(saved.tensors.get(spec.name)!.shape, spec.name).toEqual(spec.shape);
        expect(saved.tensors.get(spec.name)!.data).toEqual(checkpoint.params.get(spec.name));
      }
    });
  }
});
