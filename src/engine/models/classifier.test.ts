import { describe, expect, it } from 'vitest';
import { ShapeError } from '../onnx/shape.ts';
import { Graph, type Value } from '../onnx/graph.ts';
import { buildClassifier } from './classifier.ts';
import { type ModelType, parseModelConfig } from './config.ts';
import { classifierParamSpecs } from './params.ts';
import { classifierGraph, padRows, randomWeights, runClassifier, tinyConfigs, type TokenRow } from './test-support.ts';

const architectures = Object.keys(tinyConfigs) as ModelType[];
const numLabels = 3;

/** Rows of different lengths; the first token stands for [CLS]/<s>, ids avoid the pad ids 0 and 1. */
const typedRows: TokenRow[] = [
  { ids: [2, 17, 33, 48, 5, 61, 3], tokenTypes: [0, 0, 0, 0, 1, 1, 1] },
  { ids: [2, 9, 3] },
  { ids: [2, 70, 71, 72, 3], tokenTypes: [0, 0, 1, 1, 1] },
];

describe.each(architectures)('%s sequence classifier', (architecture) => {
  const config = parseModelConfig(tinyConfigs[architecture]);
  // RoBERTa's single token type only admits type 0.
  const rows = config.typeVocabSize > 1 ? typedRows : typedRows.map((r) => ({ ids: r.ids }));
  const weights = randomWeights(classifierParamSpecs(config, numLabels), 7);

  it('creates its parameters from classifierParamSpecs: same names, shapes and order', () => {
    const g = classifierGraph(config, numLabels, false);
    expect(g.params.map((p) => [p.name, p.shape])).toEqual(classifierParamSpecs(config, numLabels).map((s) => [s.name, s.shape]));
  });

  it('uses only static-shape, differentiable-here ops, with nodes named by HF module scopes', () => {
    const g = classifierGraph(config, numLabels, true);
    const ops = new Set(g.nodes.map((n) => n.op));
    for (const banned of ['Shape', 'Expand', 'ConstantOfShape', 'RandomUniformLike', 'Pow']) expect(ops.has(banned), banned).toBe(false);
    // On the paths from the parameters (the ones backward walks), Slice over a symbolic axis and
    // Gather off axis 0 would have no gradient; dropout masks may use them.
    const fromParams = new Set<Value>(g.params);
    const differentiable = g.nodes.filter((n) => {
      const reached = n.inputs.some((v) => v !== null && fromParams.has(v));
      if (reached) for (const o of n.outputs) fromParams.add(o);
      return reached;
    });
    expect(differentiable.filter((n) => n.op === 'Slice').map((n) => n.name)).toEqual([]);
    for (const n of differentiable.filter((n) => n.op === 'Gather')) expect(n.attrs.axis).toEqual({ int: 0 });
    const layerScope = architecture === 'distilbert' ? 'distilbert.transformer.layer.1.attention/' : `${architecture === 'xlm-roberta' ? 'roberta' : architecture}.encoder.layer.1.attention/`;
    expect(g.nodes.some((n) => n.name.startsWith(layerScope) && n.op === 'Softmax')).toBe(true);
    expect(g.nodes.every((n) => n.name.includes('/'))).toBe(true);
  });

  it('produces finite logits [batch, numLabels] for a padded batch', async () => {
    const logits = await runClassifier(config, numLabels, weights, padRows(config, rows, 7));
    expect(logits.length).toBe(rows.length * numLabels);
    expect(logits.every(Number.isFinite)).toBe(true);
    expect(new Set(logits).size).toBe(logits.length);
  });

  it('gives a row the same logits however far it is padded', async () => {
    const tight = await runClassifier(config, numLabels, weights, padRows(config, rows, 7));
    const loose = await runClassifier(config, numLabels, weights, padRows(config, rows, 12));
    const alone = await runClassifier(config, numLabels, weights, padRows(config, [rows[1]!], 3));
    for (let i = 0; i < tight.length; i++) expect(Math.abs(tight[i]! - loose[i]!)).toBeLessThan(1e-5);
    for (let k = 0; k < numLabels; k++) expect(Math.abs(alone[k]! - tight[numLabels + k]!)).toBeLessThan(1e-5);
  });

  it('applies dropout in the training graph: seeded, reproducible, and finite', async () => {
    const batch = padRows(config, rows, 7);
    const evalLogits = await runClassifier(config, numLabels, weights, batch);
    const a = await runClassifier(config, numLabels, weights, batch, { dropoutSeed: 0.25 });
    const b = await runClassifier(config, numLabels, weights, batch, { dropoutSeed: 0.25 });
    const c = await runClassifier(config, numLabels, weights, batch, { dropoutSeed: 0.5 });
    expect(a.every(Number.isFinite)).toBe(true);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a).not.toEqual(evalLogits);
  });

  it('matches eval mode when every dropout probability is overridden to 0', async () => {
    const zero =
      architecture === 'distilbert'
        ? { dropout: 0, attention_dropout: 0, seq_classif_dropout: 0 }
        : { hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 };
    const noDropout = parseModelConfig(tinyConfigs[architecture], zero);
    const batch = padRows(noDropout, rows, 7);
    const trained = await runClassifier(noDropout, numLabels, weights, batch, { dropoutSeed: 0.25 });
    expect(trained).toEqual(await runClassifier(noDropout, numLabels, weights, batch));
  });
});

describe('buildClassifier input checks', () => {
  it('refuses mismatched inputs and token types for DistilBERT', () => {
    const bert = parseModelConfig(tinyConfigs.bert);
    const g = new Graph('bad');
    const ids = g.input('ids', 'int32', ['batch', 'seq']);
    const mask = g.input('mask', 'float32', ['batch', 'seq']);
    const positions = g.input('pos', 'int32', ['batch', 'seq']);
    expect(() =>
      buildClassifier(g, bert, 2, { inputIds: ids, positionIds: g.input('p2', 'int32', ['seq', 'batch']), tokenTypeIds: null, attentionMask: mask }, null),
    ).toThrow(ShapeError);
    expect(() => buildClassifier(g, bert, 2, { inputIds: ids, positionIds: positions, tokenTypeIds: null, attentionMask: ids }, null)).toThrow(/attention mask/);
    const distil = parseModelConfig(tinyConfigs.distilbert);
    expect(() => buildClassifier(g, distil, 2, { inputIds: ids, positionIds: positions, tokenTypeIds: ids, attentionMask: mask }, null)).toThrow(/no token type/);
  });
});
