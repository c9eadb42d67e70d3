import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { backward } from '../autodiff/backward.ts';
import { encodeModel } from '../onnx/encode.ts';
import { Graph, type Value } from '../onnx/graph.ts';
import * as op from '../onnx/ops.ts';
import { ShapeError } from '../onnx/shape.ts';
import { buildClassifier } from './classifier.ts';
import { type EncoderConfig, type ModelType, parseModelConfig } from './config.ts';
import { classifierParamSpecs } from './params.ts';
import { classifierFeeds, classifierGraph, type PaddedRows, padRows, randomWeights, runClassifier, tinyConfigs, type TokenRow } from './test-support.ts';

const architectures = Object.keys(tinyConfigs) as ModelType[];
const numLabels = 3;

/**
 * The gradients of Σ logits² for every parameter, with dropout (seed 0.25), the backward pass
 * saving memory by recomputation or not; and the graph, to look at.
 */
async function parameterGradients(config: EncoderConfig, weights: ReadonlyMap<string, Float32Array>, rows: PaddedRows, saveMemory: boolean) {
  const g = classifierGraph(config, numLabels, true);
  const logits = g.outputs[0]!;
  const grads = backward(op.reduceSum(op.mul(logits, logits), [0, 1]), g.params, { saveMemory });
  for (const p of g.params) g.output(op.identity(grads.get(p)!), `grad.${p.name}`);
  const session = await ort.InferenceSession.create(encodeModel(g));
  const feeds = classifierFeeds(config, g, weights, rows, { dropoutSeed: 0.25 });
  const out = await session.run(feeds);
  await session.release();
  return { g, grads: new Map(g.params.map((p) => [p.name, out[`grad.${p.name}`]!.data as Float32Array])) };
}

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

  it('gives the same gradients when the backward pass saves memory by recomputing LayerNorm outputs and the feed-forward expansion', async () => {
    const batch = padRows(config, rows, 7);
    const kept = await parameterGradients(config, weights, batch, false);
    const recomputed = await parameterGradients(config, weights, batch, true);
    for (const [name, expected] of kept.grads) {
      const actual = recomputed.grads.get(name)!;
      const scale = Math.max(...expected.map(Math.abs), 1e-6);
      const worst = Math.max(...actual.map((v, i) => Math.abs(v - expected[i]!)));
      expect(worst / scale, name).toBeLessThan(1e-5);
    }
    // No gradient node reads a forward LayerNorm output or expansion: those are freed once the
    // forward pass is done with them, and made again where a gradient needs them.
    const { g } = recomputed;
    const forward = g.nodes.filter((n) => !n.name.startsWith('grad/'));
    const expansions = forward.filter((n) => n.op === 'Add' && n.outputs[0]!.shape.at(-1) === config.intermediateSize).map((n) => n.outputs[0]!);
    const normalized = forward.filter((n) => n.op === 'LayerNormalization').map((n) => n.outputs[0]!);
    expect(expansions).toHaveLength(config.numLayers);
    const freed = new Set([...expansions, ...normalized]);
    const readers = g.nodes.filter((n) => n.name.startsWith('grad/') && n.inputs.some((v) => v !== null && freed.has(v)));
    expect(readers.map((n) => n.name)).toEqual([]);
    expect(g.nodes.filter((n) => n.name.includes('recompute/') && n.op === 'LayerNormalization').length).toBeGreaterThanOrEqual(2 * config.numLayers);
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
