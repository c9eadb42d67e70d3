import onnxProto from 'onnx-proto';
import { singleLabel } from '../engine/tasks/single-label.ts';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { compileInferenceModel } from '../engine/artifacts.ts';
import type { TokenizedExample } from '../engine/batching.ts';
import { type ModelType, parseModelConfig } from '../engine/models/config.ts';
import { classifierParamSpecs } from '../engine/models/params.ts';
import { randomWeights, tinyConfigs } from '../engine/models/test-support.ts';
import { Rng } from '../engine/random.ts';
import type { Backend } from '../engine/runtime.ts';
import { compileQuantizedInferenceModel, measureQuantization, quantizedParamNames, quantizeRows } from './quantize.ts';

const backend: Backend = { name: 'cpu', ort };

function randomRows(count: number, vocab: number, withTypes: boolean, seed: number): TokenizedExample[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => {
    const length = 3 + rng.nextInt(10);
    // Ids from 5 up: no row contains the pad id mid-sentence.
    const inputIds = Int32Array.from({ length }, () => 5 + rng.nextInt(vocab - 5));
    const tokenTypeIds = withTypes ? Int32Array.from({ length }, (_, i) => (i < length / 2 ? 0 : 1)) : null;
    return { inputIds, tokenTypeIds, target: Int32Array.of(0) };
  });
}

/** Logits row by row, unpadded: the reference the padded batches must agree with. */
async function logitsOf(model: Uint8Array, rows: readonly TokenizedExample[]): Promise<Float32Array[]> {
  const session = await ort.InferenceSession.create(model);
  const result: Float32Array[] = [];
  for (const row of rows) {
    const dims = [1, row.inputIds.length];
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(row.inputIds, BigInt), dims),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(row.inputIds.length).fill(1n), dims),
    };
    if (session.inputNames.includes('token_type_ids')) {
      feeds.token_type_ids = new ort.Tensor('int64', BigInt64Array.from(row.tokenTypeIds ?? new Int32Array(row.inputIds.length), BigInt), dims);
    }
    result.push((await session.run(feeds)).logits!.data as Float32Array);
  }
  await session.release();
  return result;
}

describe('quantizeRows', () => {
  it('maps each row onto [-127, 127] with its own scale and reconstructs within half a step', () => {
    const rng = new Rng(3);
    const rows = 5;
    const cols = 40;
    const data = Float32Array.from({ length: rows * cols }, (_, i) => rng.normal(0, 0.05 * (1 + Math.floor(i / cols))));
    data.fill(0, 2 * cols, 3 * cols);
    const q = quantizeRows(data, rows, cols);
    expect(q.axis).toBe(0);
    for (let r = 0; r < rows; r++) {
      const row = data.subarray(r * cols, (r + 1) * cols);
      const largest = Math.max(...Array.from(row, Math.abs));
      const quantized = q.data.subarray(r * cols, (r + 1) * cols);
      if (largest === 0) {
        expect(Array.from(quantized).every((x) => x === 0)).toBe(true);
        continue;
      }
      expect(q.scales[r]).toBeCloseTo(largest / 127, 9);
      expect(Math.max(...Array.from(quantized, Math.abs))).toBe(127);
      row.forEach((x, c) => expect(Math.abs(quantized[c]! * q.scales[r]! - x)).toBeLessThanOrEqual(q.scales[r]! / 2 + 1e-9));
    }
    expect(() => quantizeRows(data, rows, cols + 1)).toThrow(/200 values for \[5, 41\]/);
  });
});

describe('quantizedParamNames', () => {
  it('takes the Linear weights and embedding tables and leaves the label head, token types, biases and norms in float32', () => {
    const config = parseModelConfig(tinyConfigs.bert);
    const names = quantizedParamNames(config, 2, 'sequence-classification');
    expect(names).toContain('bert.embeddings.word_embeddings.weight');
    expect(names).toContain('bert.embeddings.position_embeddings.weight');
    expect(names).toContain('bert.encoder.layer.1.attention.self.query.weight');
    expect(names).toContain('bert.encoder.layer.0.output.dense.weight');
    expect(names).toContain('bert.pooler.dense.weight');
    expect(names).not.toContain('classifier.weight');
    expect(names).not.toContain('bert.embeddings.token_type_embeddings.weight');
    expect(names.every((n) => n.endsWith('.weight') && !n.includes('LayerNorm'))).toBe(true);
    // 2 layers × 6 Linear weights, the pooler, word and position embeddings.
    expect(names).toHaveLength(15);
  });
});

describe('compileQuantizedInferenceModel', () => {
  it.each(Object.keys(tinyConfigs) as ModelType[])('%s: stores the chosen weights as int8 and stays close to the float32 model', async (type) => {
    const config = parseModelConfig(tinyConfigs[type]);
    const numLabels = 3;
    const weights = randomWeights(classifierParamSpecs(config, numLabels), 11);
    const fp32 = compileInferenceModel(config, numLabels, singleLabel, weights);
    const int8 = compileQuantizedInferenceModel(config, numLabels, singleLabel, weights);

    const model = onnxProto.onnx.ModelProto.decode(int8);
    const graph = model.graph!;
    const quantized = quantizedParamNames(config, numLabels, 'sequence-classification');
    const dequantizers = graph.node!.filter((n) => n.opType === 'DequantizeLinear');
    expect(dequantizers.map((n) => n.output![0]).sort()).toEqual([...quantized].sort());
    const int8Initializers = graph.initializer!.filter((t) => t.dataType === onnxProto.onnx.TensorProto.DataType.INT8 && t.name!.endsWith('_quantized'));
    expect(int8Initializers.map((t) => t.name!.replace(/_quantized$/, '')).sort()).toEqual([...quantized].sort());
    const floatNames = new Set(graph.initializer!.filter((t) => t.dataType === onnxProto.onnx.TensorProto.DataType.FLOAT).map((t) => t.name));
    for (const name of quantized) expect(floatNames.has(name)).toBe(false);
    expect(graph.input!.map((i) => i.name)).toEqual(config.typeVocabSize > 0 ? ['input_ids', 'attention_mask', 'token_type_ids'] : ['input_ids', 'attention_mask']);
    expect(graph.output!.map((o) => o.name)).toEqual(['logits']);

    const rows = randomRows(6, config.vocabSize, config.typeVocabSize > 1, 5);
    const reference = await logitsOf(fp32, rows);
    const approx = await logitsOf(int8, rows);
    let worst = 0;
    let spread = 0;
    reference.forEach((logits, r) =>
      logits.forEach((x, c) => {
        worst = Math.max(worst, Math.abs(approx[r]![c]! - x));
        spread = Math.max(spread, Math.abs(x));
      }),
    );
    // int8 rounding moves the logits, but by a small share of their size.
    expect(worst).toBeGreaterThan(0);
    expect(worst).toBeLessThan(0.05 * spread);
  });

  it('rejects an int8 weight the graph does not have', () => {
    const config = parseModelConfig(tinyConfigs.bert);
    const weights = randomWeights(classifierParamSpecs(config, 2), 1);
    const stray = new Map([['bert.no_such.weight', quantizeRows(new Float32Array(4), 2, 2)]]);
    expect(() => compileInferenceModel(config, 2, singleLabel, weights, stray)).toThrow(/bert\.no_such\.weight is not a parameter/);
  });
});

describe('measureQuantization', () => {
  it('reports both file sizes and each model’s accuracy on the same rows', async () => {
    const config = parseModelConfig(tinyConfigs.roberta);
    const numLabels = 3;
    const weights = randomWeights(classifierParamSpecs(config, numLabels), 7);
    const fp32 = compileInferenceModel(config, numLabels, singleLabel, weights);
    const int8 = compileQuantizedInferenceModel(config, numLabels, singleLabel, weights);
    const unlabelled = randomRows(40, config.vocabSize, false, 9);
    const fp32Logits = await logitsOf(fp32, unlabelled);
    const int8Logits = await logitsOf(int8, unlabelled);
    const argmax = (x: Float32Array) => Array.from(x).indexOf(Math.max(...x));
    // Labels = the float32 model's answer for the first 30 rows, another label for the rest.
    const rows = unlabelled.map((row, i) => ({ ...row, target: Int32Array.of(i < 30 ? argmax(fp32Logits[i]!) : (argmax(fp32Logits[i]!) + 1) % numLabels) }));
    const int8Correct = rows.filter((row, i) => argmax(int8Logits[i]!) === row.target[0]).length;

    const report = await measureQuantization({ backend, fp32, int8, rows, task: singleLabel, labels: ['a', 'b', 'c'].slice(0, numLabels), padTokenId: config.padTokenId, batchSize: 7 });
    expect(report.rows).toBe(40);
    expect(report.fp32Bytes).toBe(fp32.byteLength);
    expect(report.int8Bytes).toBe(int8.byteLength);
    expect(report.metric).toBe('Accuracy');
    expect(report.fp32Score).toBeCloseTo(30 / 40, 12);
    expect(report.int8Score).toBeCloseTo(int8Correct / 40, 12);

    const limited = await measureQuantization({ backend, fp32, int8, rows, task: singleLabel, labels: ['a', 'b', 'c'].slice(0, numLabels), padTokenId: config.padTokenId, limit: 10 });
    expect(limited).toMatchObject({ rows: 10, fp32Score: 1 });
  });
});
