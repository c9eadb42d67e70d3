import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseModelConfig } from '../engine/models/config.ts';
import { classifierParamSpecs } from '../engine/models/params.ts';
import { Rng } from '../engine/random.ts';
import { loadPretrainedParams } from '../engine/weights/checkpoint-keys.ts';
import { writePytorchFixtures } from '../engine/weights/pytorch-fixtures.ts';
import { writeSafetensors } from '../engine/weights/safetensors.ts';
import { completeTokenizerFiles } from '../tokenize/tokenizer-files.ts';
import { createTokenizer } from '../tokenize/tokenizer.ts';
import { modelFilesFromFileList } from './local-folder.ts';
import { decodeModelFiles } from './model-contents.ts';

const fixtures = writePytorchFixtures('model-contents-');
const { skipReason } = fixtures;
const fixture = fixtures.file;
const fixtureDir = fixtures.dir;
const utf8 = new TextEncoder();
// The fixture config's 12-token vocabulary.
const VOCAB_TXT = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'good', 'movie', 'the', 'was', '##s', 'a', 'film', ''].join('\n');

/** A classic Hub folder: config.json, pytorch_model.bin and vocab.txt, nothing else. */
function classicFolder(weights: string) {
  const files: Record<string, Uint8Array> = {
    'classic-bert/config.json': fixture('config.json'),
    'classic-bert/pytorch_model.bin': fixture(weights),
    'classic-bert/vocab.txt': utf8.encode(VOCAB_TXT),
    'classic-bert/README.md': utf8.encode('# a model card'),
  };
  return Object.entries(files).map(([name, bytes]) => ({ name, bytes: async () => bytes }));
}

function loadInto(contents: ReturnType<typeof decodeModelFiles>) {
  const config = parseModelConfig(contents.configJson);
  return loadPretrainedParams({
    expected: classifierParamSpecs(config, 3),
    checkpoint: contents.weights,
    basePrefix: 'bert',
    initializerRange: 0.02,
    rng: new Rng(1),
  });
}

describe.skipIf(skipReason !== null)(`a classic BERT folder with only pytorch_model.bin and vocab.txt${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  it('loads every parameter, gamma/beta renamed, position_ids ignored, the MLM decoder reported unused', async () => {
    const model = await modelFilesFromFileList(classicFolder('zip.bin'));
    expect([...model.files.keys()]).toEqual(['config.json', 'pytorch_model.bin', 'vocab.txt']);
    const contents = decodeModelFiles(model.source, model.files);
    const report = loadInto(contents);
    expect(report.missingKeys).toEqual([]);
    expect(report.unexpectedKeys).toEqual(['cls.predictions.decoder.weight']);
    const expected = JSON.parse(readFileSync(join(fixtureDir, 'expected.json'), 'utf8')) as Record<string, { values: number[] }>;
    expect(Array.from(report.params.get('bert.embeddings.LayerNorm.weight')!)).toEqual(expected['bert.embeddings.LayerNorm.gamma']!.values);
    expect(Array.from(report.params.get('bert.encoder.layer.0.output.LayerNorm.bias')!)).toEqual(
      expected['bert.encoder.layer.0.output.LayerNorm.beta']!.values,
    );
    expect(Array.from(report.params.get('bert.encoder.layer.0.intermediate.dense.weight')!)).toEqual(
      expected['bert.encoder.layer.0.intermediate.dense.weight']!.values,
    );
  });

  it('tokenizes with a WordPiece tokenizer built from vocab.txt alone', async () => {
    const model = await modelFilesFromFileList(classicFolder('zip.bin'));
    const contents = decodeModelFiles(model.source, model.files);
    expect(contents.tokenizer.tokenizerJson).toBeUndefined();
    const tokenizer = await createTokenizer(completeTokenizerFiles(contents.tokenizer, contents.configJson));
    expect(tokenizer.tokenize('The films was GOOD')).toEqual(['the', 'film', '##s', 'was', 'good']);
    expect(Array.from(tokenizer.encode('a good movie', undefined, 10).inputIds)).toEqual([2, 10, 5, 6, 3]);
    expect(tokenizer.maxLength).toBe(10);
  });

  it('loads a bare base-model checkpoint (no "bert." prefix) and leaves only the head to initialise', async () => {
    const model = await modelFilesFromFileList(classicFolder('base.bin'));
    const report = loadInto(decodeModelFiles(model.source, model.files));
    expect(report.missingKeys).toEqual(['classifier.bias', 'classifier.weight']);
    expect(report.unexpectedKeys).toEqual([]);
  });
});

describe('decodeModelFiles weights', () => {
  const config = utf8.encode('{"model_type": "bert"}');
  const vocab = utf8.encode(VOCAB_TXT);

  it('prefers model.safetensors when pytorch_model.bin is there too', () => {
    const safetensors = writeSafetensors([['w', { shape: [1], data: Float32Array.of(7) }]]);
    const files = new Map([
      ['config.json', config],
      ['model.safetensors', safetensors],
      ['pytorch_model.bin', utf8.encode('not read')],
      ['vocab.txt', vocab],
    ]);
    expect(Array.from(decodeModelFiles('m', files).weights.get('w')!.data)).toEqual([7]);
  });

  it('names the file and the problem when pytorch_model.bin cannot be read', () => {
    const files = new Map([
      ['config.json', config],
      ['pytorch_model.bin', utf8.encode('<html>not found</html>')],
      ['vocab.txt', vocab],
    ]);
    expect(() => decodeModelFiles('org/model', files)).toThrow(
      'org/model/pytorch_model.bin could not be read: Invalid PyTorch checkpoint: it is neither a zip archive (torch >= 1.6) nor a legacy torch.save pickle',
    );
  });

  it('says which weights files it looked for', () => {
    expect(() => decodeModelFiles('m', new Map([['config.json', config]]))).toThrow('m has no weights (model.safetensors or pytorch_model.bin)');
  });
});
