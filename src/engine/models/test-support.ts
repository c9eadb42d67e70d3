/**
 * Shared by the model tests: tiny configs of every architecture, and running a classifier
 * graph on a right-padded batch with onnxruntime-node.
 */
import * as ort from 'onnxruntime-node';
import { encodeModel } from '../onnx/encode.ts';
import { assertStaticShape, Graph } from '../onnx/graph.ts';
import { Rng } from '../random.ts';
import type { ParamSpec } from '../weights/param-spec.ts';
import { buildClassifier, classifierDropoutSites } from './classifier.ts';
import type { EncoderConfig, ModelType } from './config.ts';
import { createHashDropout } from './dropout.ts';
import { positionIdsFor } from './positions.ts';

const tinyBert = { vocab_size: 99, hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 37, max_position_embeddings: 40 };

/** Small enough to run in milliseconds, odd sizes so that transposed layouts cannot pass by accident. */
export const tinyConfigs: Record<ModelType, Record<string, unknown>> = {
  bert: { model_type: 'bert', ...tinyBert },
  roberta: { model_type: 'roberta', ...tinyBert, type_vocab_size: 1, layer_norm_eps: 1e-5 },
  'xlm-roberta': { model_type: 'xlm-roberta', ...tinyBert, type_vocab_size: 1, layer_norm_eps: 1e-5, hidden_act: 'gelu_new' },
  electra: { model_type: 'electra', ...tinyBert, embedding_size: 16 },
  distilbert: { model_type: 'distilbert', vocab_size: 99, dim: 32, n_layers: 2, n_heads: 4, hidden_dim: 37, max_position_embeddings: 40 },
};

/** Weights drawn wider than initializer_range so that every layer visibly changes the logits. */
export function randomWeights(specs: readonly ParamSpec[], seed: number): Map<string, Float32Array> {
  const rng = new Rng(seed);
  return new Map(
    specs.map((spec) => {
      const values = new Float32Array(spec.shape.reduce((a, b) => a * b, 1));
      const base = spec.init === 'ones' ? 1 : 0;
      for (let i = 0; i < values.length; i++) values[i] = base + rng.normal(0, 0.2);
      return [spec.name, values];
    }),
  );
}

export interface TokenRow {
  readonly ids: readonly number[];
  readonly tokenTypes?: readonly number[];
}

export interface PaddedRows {
  readonly batch: number;
  readonly seq: number;
  readonly inputIds: BigInt64Array;
  readonly tokenTypeIds: BigInt64Array;
  readonly attentionMask: Float32Array;
  readonly positionIds: Int32Array;
}

/** Right padding as DataCollatorWithPadding does it: pad id, token type 0, mask 0. */
export function padRows(config: EncoderConfig, rows: readonly TokenRow[], seq: number): PaddedRows {
  const batch = rows.length;
  const inputIds = new BigInt64Array(batch * seq).fill(BigInt(config.padTokenId));
  const tokenTypeIds = new BigInt64Array(batch * seq);
  const attentionMask = new Float32Array(batch * seq);
  rows.forEach((row, r) => {
    row.ids.forEach((id, s) => {
      inputIds[r * seq + s] = BigInt(id);
      tokenTypeIds[r * seq + s] = BigInt(row.tokenTypes?.[s] ?? 0);
      attentionMask[r * seq + s] = 1;
    });
  });
  return { batch, seq, inputIds, tokenTypeIds, attentionMask, positionIds: positionIdsFor(config, inputIds, batch, seq) };
}

export interface RunOptions {
  /** Builds the training variant with hash dropout fed this seed. */
  readonly dropoutSeed?: number;
}

/** The classifier graph with int64 ids and int32 positions (both are accepted), logits as its output. */
export function classifierGraph(config: EncoderConfig, numLabels: number, withDropout: boolean): Graph {
  const g = new Graph('classifier');
  const dims = ['batch', 'seq'];
  const attentionMask = g.input('attention_mask', 'float32', dims);
  const { logits } = buildClassifier(
    g,
    config,
    numLabels,
    {
      inputIds: g.input('input_ids', 'int64', dims),
      positionIds: g.input('position_ids', 'int32', dims),
      tokenTypeIds: config.typeVocabSize > 0 ? g.input('token_type_ids', 'int64', dims) : null,
      attentionMask,
    },
    withDropout ? createHashDropout(g, g.input('dropout_seed', 'float32', []), attentionMask, classifierDropoutSites(config, numLabels)) : null,
  );
  g.output(logits, 'logits');
  return g;
}

/** The feeds of a classifierGraph: the padded rows, the weights, and the dropout seed when given. */
export function classifierFeeds(
  config: EncoderConfig,
  g: Graph,
  weights: ReadonlyMap<string, Float32Array>,
  rows: PaddedRows,
  options: RunOptions = {},
): Record<string, ort.Tensor> {
  const dims = [rows.batch, rows.seq];
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', rows.inputIds, dims),
    position_ids: new ort.Tensor('int32', rows.positionIds, dims),
    attention_mask: new ort.Tensor('float32', rows.attentionMask, dims),
  };
  if (config.typeVocabSize > 0) feeds.token_type_ids = new ort.Tensor('int64', rows.tokenTypeIds, dims);
  if (options.dropoutSeed !== undefined) feeds.dropout_seed = new ort.Tensor('float32', Float32Array.of(options.dropoutSeed), []);
  for (const p of g.params) {
    const data = weights.get(p.name);
    if (!data) throw new Error(`no weights for ${p.name}`);
    feeds[p.name] = new ort.Tensor('float32', data, [...assertStaticShape('weights', p)]);
  }
  return feeds;
}

/** Row-major logits [batch, numLabels]. */
export async function runClassifier(
  config: EncoderConfig,
  numLabels: number,
  weights: ReadonlyMap<string, Float32Array>,
  rows: PaddedRows,
  options: RunOptions = {},
): Promise<Float32Array> {
  const g = classifierGraph(config, numLabels, options.dropoutSeed !== undefined);
  const session = await ort.InferenceSession.create(encodeModel(g));
  const out = await session.run(classifierFeeds(config, g, weights, rows, options));
  return out.logits!.data as Float32Array;
}
