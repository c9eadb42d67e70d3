/**
 * What a model's files mean to the engine: the parsed config.json, the weights by name, and
 * the tokenizer sources. Shared by the CLI (files from disk or the Hub) and the studio.
 */
import { readPytorchCheckpoint } from '../engine/weights/pytorch-checkpoint.ts';
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

/** In order of preference: safetensors needs no unpickling, so it wins when a model has both. */
const WEIGHT_READERS: [name: string, read: (bytes: Uint8Array) => Map<string, NamedTensor>][] = [
  ['model.safetensors', (bytes) => readSafetensors(bytes).tensors],
  ['pytorch_model.bin', readPytorchCheckpoint],
];

function decodeWeights(source: string, files: ReadonlyMap<string, Uint8Array>): Map<string, NamedTensor> {
  for (const [name, read] of WEIGHT_READERS) {
    const bytes = files.get(name);
    if (bytes === undefined) continue;
    try {
      return read(bytes);
    } catch (e) {
      throw new Error(`${source}/${name} could not be read: ${(e as Error).message}`);
    }
  }
  throw new Error(`${source} has no weights (${WEIGHT_READERS.map(([name]) => name).join(' or ')})`);
}

export function decodeModelFiles(source: string, files: ReadonlyMap<string, Uint8Array>): ModelContents {
  const config = files.get('config.json');
  if (!config) throw new Error(`${source} has no config.json`);
  const configJson = jsonFile(source, 'config.json', config);
  const weights = decodeWeights(source, files);
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
