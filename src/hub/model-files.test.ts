import { describe, expect, it } from 'vitest';
import { chooseModelFiles, ModelFilesError } from './model-files.ts';

function errorOf(present: string[]): ModelFilesError {
  try {
    chooseModelFiles('Folder "m"', present);
  } catch (error) {
    if (error instanceof ModelFilesError) return error;
    throw error;
  }
  throw new Error('expected a ModelFilesError');
}

describe('chooseModelFiles', () => {
  it('takes config, the weights and every tokenizer file, in a fixed order', () => {
    const present = ['vocab.txt', 'README.md', 'tokenizer_config.json', 'model.safetensors', 'config.json', 'tokenizer.json', 'special_tokens_map.json'];
    expect(chooseModelFiles('Folder "m"', present)).toEqual([
      'config.json',
      'model.safetensors',
      'tokenizer.json',
      'tokenizer_config.json',
      'special_tokens_map.json',
      'vocab.txt',
    ]);
  });

  it('prefers model.safetensors to pytorch_model.bin, and takes the .bin alone', () => {
    expect(chooseModelFiles('m', ['config.json', 'pytorch_model.bin', 'model.safetensors', 'vocab.txt'])).toEqual(['config.json', 'model.safetensors', 'vocab.txt']);
    expect(chooseModelFiles('m', ['config.json', 'pytorch_model.bin', 'vocab.txt'])).toEqual(['config.json', 'pytorch_model.bin', 'vocab.txt']);
  });

  it('accepts each kind of tokenizer: tokenizer.json, vocab.txt, or vocab.json with merges.txt', () => {
    const model = ['config.json', 'model.safetensors'];
    expect(chooseModelFiles('m', [...model, 'tokenizer.json'])).toContain('tokenizer.json');
    expect(chooseModelFiles('m', [...model, 'vocab.txt'])).toContain('vocab.txt');
    expect(chooseModelFiles('m', [...model, 'vocab.json', 'merges.txt'])).toEqual([...model, 'vocab.json', 'merges.txt']);
  });

  it('names what is missing and what was found', () => {
    const noConfig = errorOf(['model.safetensors', 'README.md', 'onnx/']);
    expect(noConfig.missing).toBe('config');
    expect(noConfig.message).toBe(
      'Folder "m" has no config.json, so it is not a Transformers model the studio can fine-tune. Found: README.md, model.safetensors, onnx/.',
    );

    const noWeights = errorOf(['config.json', 'tf_model.h5', 'vocab.txt']);
    expect(noWeights.missing).toBe('weights');
    expect(noWeights.message).toBe(
      'Folder "m" has no weights: it needs model.safetensors or pytorch_model.bin (PyTorch weights; TensorFlow, Flax and ONNX weights cannot be fine-tuned here). Found: config.json, tf_model.h5, vocab.txt.',
    );

    const noTokenizer = errorOf(['config.json', 'model.safetensors', 'vocab.json', 'tokenizer_config.json']);
    expect(noTokenizer.missing).toBe('tokenizer');
    expect(noTokenizer.message).toBe(
      'Folder "m" has no tokenizer: it needs tokenizer.json, vocab.txt, or vocab.json with merges.txt. Found: config.json, model.safetensors, tokenizer_config.json, vocab.json.',
    );
  });

  it('says nothing about what was found when nothing was', () => {
    expect(errorOf([]).message).toBe('Folder "m" has no config.json, so it is not a Transformers model the studio can fine-tune.');
  });

  it('lists at most 12 entries of a large folder', () => {
    const present = Array.from({ length: 15 }, (_, i) => `photo-${String(i).padStart(2, '0')}.jpg`);
    expect(errorOf(present).message).toMatch(/Found: photo-00\.jpg, .*, photo-11\.jpg and 3 more\.$/);
  });
});
