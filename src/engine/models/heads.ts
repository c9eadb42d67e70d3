/**
 * The sequence-classification heads, each reading the first token's hidden state as
 * transformers does (`hidden[:, 0]`).
 */
import type { Graph, Value } from '../onnx/graph.ts';
import * as op from '../onnx/ops.ts';
import { basePrefix, type EncoderConfig } from './config.ts';
import type { Dropout } from './dropout.ts';
import { linear, type Params } from './layers.ts';

/**
 * hidden[:, 0] as ReduceSum(hidden · isFirst, axis 1). Gather on axis 1 and Slice have no
 * gradient rule here; Mul and ReduceSum do, and route the gradient to token 0 only.
 * isFirst [batch, seq, 1] is CumSum(ones) == 1, the ones made from the attention mask so the
 * graph needs no Shape op.
 */
export function firstToken(hidden: Value, attentionMask: Value): Value {
  const ones = op.add(op.mul(attentionMask, 0), 1);
  const isFirst = op.cast(op.equal(op.cumSum(ones, 1), 1), 'float32');
  return op.reduceSum(op.mul(hidden, op.unsqueeze(isFirst, [2])), [1]);
}

/** BertForSequenceClassification: pooler (dense + tanh) → dropout → classifier. */
function bertHead(g: Graph, config: EncoderConfig, params: Params, first: Value, dropout: Dropout): Value {
  const prefix = basePrefix(config);
  const pooled = g.scope(`${prefix}.pooler`, () => op.tanh(linear(first, params, `${prefix}.pooler.dense`)));
  return g.scope('classifier', () => linear(dropout.apply(pooled, config.classifierDropout, 'dropout'), params, 'classifier'));
}

/**
 * RobertaClassificationHead (tanh) and ElectraClassificationHead (exact GELU): dropout → dense →
 * activation → dropout → out_proj. The head applies its one Dropout module twice, hence two sites.
 */
function projectionHead(g: Graph, config: EncoderConfig, params: Params, first: Value, dropout: Dropout): Value {
  return g.scope('classifier', () => {
    const features = dropout.apply(first, config.classifierDropout, 'classifier.dropout:features');
    const dense = linear(features, params, 'classifier.dense');
    const activated = config.architecture === 'electra' ? op.gelu(dense, 'none') : op.tanh(dense);
    return linear(dropout.apply(activated, config.classifierDropout, 'classifier.dropout:dense'), params, 'classifier.out_proj');
  });
}

/** DistilBertForSequenceClassification: pre_classifier → ReLU → dropout → classifier. */
function distilBertHead(g: Graph, config: EncoderConfig, params: Params, first: Value, dropout: Dropout): Value {
  return g.scope('classifier', () => {
    const pooled = op.relu(linear(first, params, 'pre_classifier'));
    return linear(dropout.apply(pooled, config.classifierDropout, 'dropout'), params, 'classifier');
  });
}

/** Logits [batch, numLabels] from the encoder's last hidden states. */
export function classificationHead(g: Graph, config: EncoderConfig, params: Params, hidden: Value, attentionMask: Value, dropout: Dropout): Value {
  const first = g.scope('first_token', () => firstToken(hidden, attentionMask));
  switch (config.architecture) {
    case 'bert':
      return bertHead(g, config, params, first, dropout);
    case 'roberta':
    case 'xlm-roberta':
    case 'electra':
      return projectionHead(g, config, params, first, dropout);
    case 'distilbert':
      return distilBertHead(g, config, params, first, dropout);
  }
}
