/**
 * A small randomly initialised BERT laid out as a Hub repo of a base checkpoint: config.json,
 * model.safetensors saved from BertModel (no classification head, names without the `bert.`
 * prefix), and the classic WordPiece tokenizer files (vocab.txt, tokenizer_config.json,
 * special_tokens_map.json, no tokenizer.json), so loading it exercises the head
 * initialisation and the tokenizer completion a real Hub download goes through. Built with the
 * engine's own initialiser and safetensors writer. Node only.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { startingPoint } from '../../src/engine/pretrained.ts';
import { defaultSettings } from '../../src/engine/settings.ts';
import { writeSafetensors } from '../../src/engine/weights/safetensors.ts';
import { repoRoot } from './browser.ts';

export interface FixtureBertShape {
  readonly layers: number;
  readonly hidden: number;
  readonly heads: number;
  /** Positions in the model's table; the studio caps its max length at this. */
  readonly maxPositions: number;
  readonly seed: number;
  /**
   * The first this-many entries of bert-base-uncased's vocab.txt (its most frequent words come
   * first, after the special and unused tokens); the rest of a text becomes [UNK]. The word
   * embeddings' update is the largest per-step cost on SwiftShader.
   */
  readonly vocabSize: number;
}

/**
 * Small enough for SwiftShader (a few seconds per batch of 32 short rows), with the 8,000 most
 * common entries of bert-base-uncased's vocabulary so everyday English still tokenizes to words.
 */
export const TINY_BERT: FixtureBertShape = { layers: 2, hidden: 32, heads: 2, maxPositions: 64, seed: 11, vocabSize: 8000 };

/** The studio ships bert-base-uncased's vocabulary for its from-scratch models; the fixture reuses it. */
const VOCAB_PATH = resolve(repoRoot, 'public/tokenizers/bert-base-uncased/vocab.txt');

/** The repo's files by path, as `startHubServer({ repos })` serves them. */
export function fixtureBertRepo(shape: FixtureBertShape = TINY_BERT): Record<string, Uint8Array | string> {
  const vocab = readFileSync(VOCAB_PATH, 'utf8').split('\n').filter((line) => line !== '').slice(0, shape.vocabSize);
  const vocabTxt = `${vocab.join('\n')}\n`;
  const vocabSize = vocab.length;
  const configJson = {
    architectures: ['BertModel'],
    model_type: 'bert',
    vocab_size: vocabSize,
    hidden_size: shape.hidden,
    num_hidden_layers: shape.layers,
    num_attention_heads: shape.heads,
    intermediate_size: 4 * shape.hidden,
    max_position_embeddings: shape.maxPositions,
    type_vocab_size: 2,
    hidden_act: 'gelu',
    hidden_dropout_prob: 0.1,
    attention_probs_dropout_prob: 0.1,
    layer_norm_eps: 1e-12,
    initializer_range: 0.02,
    pad_token_id: 0,
  };
  // The classifier's initial checkpoint holds every base weight, initialised as transformers does;
  // the head (and its label count) is dropped, as a base checkpoint has none.
  const init = startingPoint({ name: 'fixture', configJson, weights: new Map() }, ['a', 'b'], { ...defaultSettings, seed: shape.seed }).checkpoint;
  const base = [...init.params].filter(([name]) => name.startsWith('bert.'));
  const weights = writeSafetensors(
    base.map(([name, data]) => [name.slice('bert.'.length), { shape: [...init.paramShapes.get(name)!], data }]),
    { format: 'pt' },
  );
  return {
    'config.json': JSON.stringify(configJson, null, 2),
    'model.safetensors': weights,
    'vocab.txt': vocabTxt,
    'tokenizer_config.json': JSON.stringify({ tokenizer_class: 'BertTokenizer', do_lower_case: true, model_max_length: shape.maxPositions }),
    'special_tokens_map.json': JSON.stringify({ unk_token: '[UNK]', sep_token: '[SEP]', pad_token: '[PAD]', cls_token: '[CLS]', mask_token: '[MASK]' }),
  };
}

/**
 * The same BERT as if fine-tuned for `labels`: config.json as save_pretrained writes a
 * BertForSequenceClassification (id2label, label2id) and its weights with the `bert.` prefix
 * and the classification head, so loading it meets a head trained for other labels.
 */
export function fineTunedBertRepo(labels: readonly string[], shape: FixtureBertShape = TINY_BERT): Record<string, Uint8Array | string> {
  const base = fixtureBertRepo(shape);
  const configJson = JSON.parse(base['config.json'] as string) as Record<string, unknown>;
  const { checkpoint } = startingPoint({ name: 'fixture', configJson, weights: new Map() }, labels, { ...defaultSettings, seed: shape.seed });
  const weights = writeSafetensors(
    [...checkpoint.params].map(([name, data]) => [name, { shape: [...checkpoint.paramShapes.get(name)!], data }]),
    { format: 'pt' },
  );
  return { ...base, 'config.json': JSON.stringify(checkpoint.modelConfig, null, 2), 'model.safetensors': weights };
}
