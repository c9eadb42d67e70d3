import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { encodeModel } from '../onnx/encode.ts';
import { Graph } from '../onnx/graph.ts';
import { parseModelConfig } from './config.ts';
import { inGraphPositionIds, positionIdsFor } from './positions.ts';

const bert = parseModelConfig({ model_type: 'bert' });
const roberta = parseModelConfig({ model_type: 'roberta' }); // pad_token_id 1

/** modeling_roberta.create_position_ids_from_input_ids, transcribed: cumsum(ids != pad) * (ids != pad) + pad. */
function transformersRobertaPositions(ids: number[][], pad: number): number[][] {
  return ids.map((row) => {
    let sum = 0;
    return row.map((id) => {
      const mask = id !== pad ? 1 : 0;
      sum += mask;
      return sum * mask + pad;
    });
  });
}

async function inGraph(config: typeof bert, ids: number[][], dtype: 'int32' | 'int64'): Promise<number[][]> {
  const g = new Graph('positions');
  const input = g.input('input_ids', dtype, ['batch', 'seq']);
  g.output(inGraphPositionIds(g, config, input), 'position_ids');
  const session = await ort.InferenceSession.create(encodeModel(g));
  const flat = ids.flat();
  const tensor =
    dtype === 'int32'
      ? new ort.Tensor('int32', Int32Array.from(flat), [ids.length, ids[0]!.length])
      : new ort.Tensor('int64', BigInt64Array.from(flat.map(BigInt)), [ids.length, ids[0]!.length]);
  const out = await session.run({ input_ids: tensor });
  const data = Array.from(out.position_ids!.data as Int32Array);
  return ids.map((row, r) => data.slice(r * row.length, (r + 1) * row.length));
}

const cpu = (config: typeof bert, ids: number[][]) => {
  const seq = ids[0]!.length;
  const flat = Array.from(positionIdsFor(config, Int32Array.from(ids.flat()), ids.length, seq));
  return ids.map((_, r) => flat.slice(r * seq, (r + 1) * seq));
};

describe('position ids', () => {
  // Right padding as DataCollatorWithPadding makes it, plus a left-padded row and a pad id inside a row.
  const robertaIds = [
    [0, 31414, 232, 2, 1, 1],
    [0, 100, 200, 300, 400, 2],
    [1, 1, 0, 50, 2, 1],
    [0, 7, 1, 8, 2, 1],
  ];
  const bertIds = [
    [101, 7592, 102, 0, 0],
    [101, 2023, 2003, 2146, 102],
  ];

  it('counts 0 … seq−1 for BERT-style models, padding or not, on the CPU and in the graph', async () => {
    const expected = [
      [0, 1, 2, 3, 4],
      [0, 1, 2, 3, 4],
    ];
    expect(cpu(bert, bertIds)).toEqual(expected);
    expect(await inGraph(bert, bertIds, 'int32')).toEqual(expected);
    expect(await inGraph(bert, bertIds, 'int64')).toEqual(expected);
  });

  it('offsets RoBERTa positions past the pad id and parks pads on it, as transformers does', async () => {
    const expected = transformersRobertaPositions(robertaIds, 1);
    expect(expected[0]).toEqual([2, 3, 4, 5, 1, 1]);
    expect(cpu(roberta, robertaIds)).toEqual(expected);
    expect(await inGraph(roberta, robertaIds, 'int32')).toEqual(expected);
    expect(await inGraph(roberta, robertaIds, 'int64')).toEqual(expected);
  });

  it('reads int64 ids on the CPU too, and checks the batch size', () => {
    expect(Array.from(positionIdsFor(roberta, BigInt64Array.from([0n, 5n, 1n]), 1, 3))).toEqual([2, 3, 1]);
    expect(() => positionIdsFor(bert, new Int32Array(5), 2, 3)).toThrow(/5 ids/);
  });
});
