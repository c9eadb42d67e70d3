/**
 * What a model's files mean to the engine: the parsed config.json, the weights by name, and
 * the tokenizer sources. Shared by the CLI (files from disk or the Hub) and the studio.
 */
import { readSafetensors, type NamedTensor } from '../engine/weights/safetensors.ts';
import type { TokenizerSourceFiles } from '../tokenize/tokenizer-files.ts';

export interface ModelContents {
  readonly configJson: Record<string, unknown>;
  readonly weights: Map<string, NamedTensor>;
  readonly tokenizer: TokenizerSourceFiles;
}

const decoder = new TextDecoder();

function jsonFile(source: string, name: string, bytes: Uint8Array): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(decoder.decode(bytes));
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('expected a JSON object');
    return value as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${source}/${name} is not valid JSON: ${(e as Error).message}`);
  }
}

export function decodeModelFiles(source: string, files: ReadonlyMap<string, Uint8Array>): ModelContents {
  const config = files.get('config.json');
  if (!config) throw new Error(`${source} has no config.json`);
  const configJson = jsonFile(source, 'config.json', config);
  const safetensors = files.get('model.safetensors');
  let weights: Map<string, NamedTensor>;
  if (safetensors) {
    try {
      weights = readSafetensors(safetensors).tensors;
    } catch (e) {
      throw new Error(`${source}/model.safetensors could not be read: ${(e as Error).message}`);
    }
  } else if (files.has('pytorch_model.bin')) {
    throw new Error(`${source} ships its weights only as pytorch_model.bin, which this version cannot read yet; convert it to model.safetensors`);
  } else {
    throw new Error(`${source} has no weights (model.safetensors)`);
  }
  const text = (name: string) => {
    const bytes = files.get(name);
    return bytes ? decoder.decode(bytes) : undefined;
  };
  const json = (name: string) => {
    const bytes = files.get(name);
    return bytes ? jsonFile(source, name, bytes) : undefined;
  };
  const tokenizer: TokenizerSourceFiles = {
    tokenizerJson: json('tokenizer.json'),
    tokenizerConfig: json('tokenizer_config.json'),
    specialTokensMap: json('special_tokens_map.json'),
    vocabTxt: text('vocab.txt'),
    vocabJson: json('vocab.json') as Record<string, number> | undefined,
    mergesTxt: text('merges.txt'),
  };
  return { configJson, weights, tokenizer };
}
