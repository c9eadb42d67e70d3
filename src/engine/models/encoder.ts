/**
 * The encoders as transformers runs them in eager mode: embeddings, then post-LayerNorm
 * transformer layers with additive attention masks. BERT, RoBERTa/XLM-R and ELECTRA share the
 * BERT layer; DistilBERT has its own module names and no dropout after the attention output.
 */
import type { Graph, Value } from '../onnx/graph.ts';
import * as op from '../onnx/ops.ts';
import { formatShape, sameShape, ShapeError } from '../onnx/shape.ts';
import { basePrefix, type EncoderConfig } from './config.ts';
import type { Dropout } from './dropout.ts';
import { activation, layerNorm, linear, type Params } from './layers.ts';

export interface EncoderInputs {
  /** int32 or int64 [batch, seq]. */
  readonly inputIds: Value;
  /** int32 or int64 [batch, seq]; see positions.ts. */
  readonly positionIds: Value;
  /** int32 or int64 [batch, seq]; null means all zeros for architectures that have token types. */
  readonly tokenTypeIds: Value | null;
  /** float32 [batch, seq]: 1 for a token, 0 for padding. */
  readonly attentionMask: Value;
}

/** torch.finfo(torch.float32).min, what get_extended_attention_mask adds at padded keys. */
const float32Min = -3.4028234663852886e38;

export function checkEncoderInputs(config: EncoderConfig, inputs: EncoderInputs): void {
  const { inputIds, positionIds, tokenTypeIds, attentionMask } = inputs;
  if (inputIds.rank !== 2) throw new ShapeError(`input ids must be [batch, seq], got ${formatShape(inputIds.shape)}`);
  const ids: [string, Value | null][] = [['input ids', inputIds], ['position ids', positionIds], ['token type ids', tokenTypeIds]];
  for (const [what, v] of ids) {
    if (!v) continue;
    if (v.dtype !== 'int32' && v.dtype !== 'int64') throw new ShapeError(`${what} must be int32 or int64, got ${v.dtype}`);
    if (!sameShape(v.shape, inputIds.shape)) throw new ShapeError(`${what} ${formatShape(v.shape)} do not match input ids ${formatShape(inputIds.shape)}`);
  }
  if (attentionMask.dtype !== 'float32' || !sameShape(attentionMask.shape, inputIds.shape)) {
    throw new ShapeError(`the attention mask must be float32 ${formatShape(inputIds.shape)}, got ${attentionMask.toString()}`);
  }
  if (tokenTypeIds && config.typeVocabSize === 0) throw new ShapeError(`${config.architecture} has no token type embeddings; pass tokenTypeIds: null`);
}

/** (1 − mask)·finfo.min as [batch, 1, 1, seq], broadcast over heads and query positions. */
function additiveAttentionMask(attentionMask: Value): Value {
  return op.mul(op.sub(1, op.unsqueeze(attentionMask, [1, 2])), float32Min);
}

interface AttentionProjections {
  readonly query: Value;
  readonly key: Value;
  readonly value: Value;
}

/** Eager multi-head attention on projected [B, S, H] inputs; returns the context [B, S, H]. */
function multiHeadAttention(
  projections: AttentionProjections,
  numHeads: number,
  additiveMask: Value,
  dropout: Dropout,
  probsDropout: number,
  site: string,
): Value {
  const [batch, seq, hidden] = projections.query.shape as [number | string, number | string, number];
  const headSize = hidden / numHeads;
  const split = (x: Value) => op.reshape(x, [batch, seq, numHeads, headSize]);
  const query = op.transpose(split(projections.query), [0, 2, 1, 3]);
  const keyT = op.transpose(split(projections.key), [0, 2, 3, 1]);
  const value = op.transpose(split(projections.value), [0, 2, 1, 3]);
  const scores = op.add(op.mul(op.matMul(query, keyT), 1 / Math.sqrt(headSize)), additiveMask);
  const probs = dropout.apply(op.softmax(scores, -1), probsDropout, site);
  const context = op.transpose(op.matMul(probs, value), [0, 2, 1, 3]);
  return op.reshape(context, [batch, seq, hidden]);
}

function bertFamilyEmbeddings(g: Graph, config: EncoderConfig, params: Params, inputs: EncoderInputs, dropout: Dropout): Value {
  const prefix = basePrefix(config);
  const e = `${prefix}.embeddings`;
  const embedded = g.scope(e, () => {
    const words = op.gather(params.get(`${e}.word_embeddings.weight`), inputs.inputIds);
    const typeTable = params.get(`${e}.token_type_embeddings.weight`);
    // transformers defaults missing token_type_ids to zeros: row 0 for every token.
    const types = inputs.tokenTypeIds
      ? op.gather(typeTable, inputs.tokenTypeIds)
      : op.gather(typeTable, g.constant({ dtype: 'int32', shape: [1], data: Int32Array.of(0) }));
    const positions = op.gather(params.get(`${e}.position_embeddings.weight`), inputs.positionIds);
    const summed = op.add(op.add(words, types), positions);
    return dropout.apply(layerNorm(summed, params, `${e}.LayerNorm`, config.layerNormEps), config.hiddenDropout, `${e}.dropout`);
  });
  if (config.embeddingSize === config.hiddenSize) return embedded;
  return g.scope(`${prefix}.embeddings_project`, () => linear(embedded, params, `${prefix}.embeddings_project`));
}

function bertLayer(g: Graph, config: EncoderConfig, params: Params, x: Value, additiveMask: Value, dropout: Dropout, name: string): Value {
  const attended = g.scope(`${name}.attention`, () => {
    const self = `${name}.attention.self`;
    const context = multiHeadAttention(
      { query: linear(x, params, `${self}.query`), key: linear(x, params, `${self}.key`), value: linear(x, params, `${self}.value`) },
      config.numHeads,
      additiveMask,
      dropout,
      config.attentionDropout,
      `${self}.dropout`,
    );
    const out = `${name}.attention.output`;
    const projected = dropout.apply(linear(context, params, `${out}.dense`), config.hiddenDropout, `${out}.dropout`);
    return layerNorm(op.add(projected, x), params, `${out}.LayerNorm`, config.layerNormEps);
  });
  const intermediate = g.scope(`${name}.intermediate`, () => activation(linear(attended, params, `${name}.intermediate.dense`), config.hiddenAct));
  return g.scope(`${name}.output`, () => {
    const out = dropout.apply(linear(intermediate, params, `${name}.output.dense`), config.hiddenDropout, `${name}.output.dropout`);
    return layerNorm(op.add(out, attended), params, `${name}.output.LayerNorm`, config.layerNormEps);
  });
}

function distilBertEmbeddings(g: Graph, config: EncoderConfig, params: Params, inputs: EncoderInputs, dropout: Dropout): Value {
  const e = 'distilbert.embeddings';
  return g.scope(e, () => {
    const words = op.gather(params.get(`${e}.word_embeddings.weight`), inputs.inputIds);
    const positions = op.gather(params.get(`${e}.position_embeddings.weight`), inputs.positionIds);
    const normed = layerNorm(op.add(words, positions), params, `${e}.LayerNorm`, config.layerNormEps);
    return dropout.apply(normed, config.hiddenDropout, `${e}.dropout`);
  });
}

function distilBertLayer(g: Graph, config: EncoderConfig, params: Params, x: Value, additiveMask: Value, dropout: Dropout, name: string): Value {
  const attended = g.scope(`${name}.attention`, () => {
    const a = `${name}.attention`;
    const context = multiHeadAttention(
      { query: linear(x, params, `${a}.q_lin`), key: linear(x, params, `${a}.k_lin`), value: linear(x, params, `${a}.v_lin`) },
      config.numHeads,
      additiveMask,
      dropout,
      config.attentionDropout,
      `${a}.dropout`,
    );
    return layerNorm(op.add(linear(context, params, `${a}.out_lin`), x), params, `${name}.sa_layer_norm`, config.layerNormEps);
  });
  return g.scope(`${name}.ffn`, () => {
    const f = `${name}.ffn`;
    const hidden = activation(linear(attended, params, `${f}.lin1`), config.hiddenAct);
    const out = dropout.apply(linear(hidden, params, `${f}.lin2`), config.hiddenDropout, `${f}.dropout`);
    return layerNorm(op.add(out, attended), params, `${name}.output_layer_norm`, config.layerNormEps);
  });
}

/** The last hidden states [batch, seq, hiddenSize] of the architecture's base model. */
export function encodeSequence(g: Graph, config: EncoderConfig, params: Params, inputs: EncoderInputs, dropout: Dropout): Value {
  const additiveMask = g.scope('attention_mask', () => additiveAttentionMask(inputs.attentionMask));
  const prefix = basePrefix(config);
  if (config.architecture === 'distilbert') {
    let x = distilBertEmbeddings(g, config, params, inputs, dropout);
    for (let i = 0; i < config.numLayers; i++) x = distilBertLayer(g, config, params, x, additiveMask, dropout, `${prefix}.transformer.layer.${i}`);
    return x;
  }
  let x = bertFamilyEmbeddings(g, config, params, inputs, dropout);
  for (let i = 0; i < config.numLayers; i++) x = bertLayer(g, config, params, x, additiveMask, dropout, `${prefix}.encoder.layer.${i}`);
  return x;
}
