import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classifierParamSpecs } from '../src/engine/models/params.ts';
import { parseModelConfig } from '../src/engine/models/config.ts';
import { writeSafetensors } from '../src/engine/weights/safetensors.ts';
import { loadModel, scratchConfig } from './model-loader.ts';

const vocabTxt = readFileSync(new URL('../public/tokenizers/bert-base-uncased/vocab.txt', import.meta.url), 'utf8');
const noFetch = (async () => new Response(vocabTxt)) as typeof fetch;
const deps = { fetch: noFetch, cache: undefined, onProgress: () => undefined };

const configJson = { model_type: 'bert', vocab_size: 30522, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 16, max_position_embeddings: 64 };

function folder(config: Record<string, unknown>) {
  const specs = classifierParamSpecs(parseModelConfig(configJson), 2).filter((s) => s.name.startsWith('bert.'));
  const weights = writeSafetensors(specs.map((s) => [s.name, { shape: [...s.shape], data: new Float32Array(s.shape.reduce((a, b) => a * b, 1)) }]));
  const file = (name: string, content: string | Uint8Array) => ({ path: `my-model/${name}`, file: new File([content as BlobPart], name) });
  return [file('config.json', JSON.stringify(config)), file('model.safetensors', weights), file('vocab.txt', vocabTxt), file('README.md', '# hi')];
}

describe('loadModel', () => {
  it('reads a picked folder with vocab.txt only, and sums up the model', async () => {
    const loaded = await loadModel({ kind: 'folder', files: folder(configJson) }, deps);
    expect(loaded.summary).toMatchObject({ name: 'my-model', source: 'folder', modelType: 'bert', className: 'BertForSequenceClassification', layers: 1, maxPositions: 64, pretrained: true, tokenizerKind: 'WordPiece (vocab.txt)' });
    const withTwoLabels = classifierParamSpecs(parseModelConfig(configJson), 2).reduce((n, p) => n + p.shape.reduce((a, d) => a * d, 1), 0);
    expect(loaded.summary.parametersWithoutLabels + 2 * (8 + 1)).toBe(withTwoLabels);
    expect(loaded.source.weights.size).toBeGreaterThan(0);
    expect(loaded.tokenizer.tokenizerJson).toBeDefined();
  });

  it('refuses an architecture it cannot train, naming the model and the ones it can', async () => {
    await expect(loadModel({ kind: 'folder', files: folder({ ...configJson, model_type: 'gpt2' }) }, deps)).rejects.toThrow(
      /^my-model cannot be fine-tuned here: model_type "gpt2" is not supported; supported: bert, .*distilbert\.$/,
    );
  });

  it('builds a from-scratch model on the served vocabulary, with no weights', async () => {
    const loaded = await loadModel({ kind: 'scratch', size: 'tiny', vocabUrl: 'http://app/vocab.txt' }, deps);
    expect(loaded.summary).toMatchObject({ source: 'scratch', pretrained: false, layers: 2, hiddenSize: 128, vocabSize: 30522 });
    expect(loaded.source.weights.size).toBe(0);
    expect(scratchConfig('mini', 100)).toMatchObject({ num_hidden_layers: 4, hidden_size: 256, intermediate_size: 1024, vocab_size: 100 });
  });
});
