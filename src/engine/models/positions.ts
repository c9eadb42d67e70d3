/**
 * Position ids as transformers defines them, twice: in the graph, for exported inference models
 * that take only input_ids and attention_mask, and on the CPU, for training batches that carry
 * them as an input.
 *
 * - absolute (BERT, ELECTRA, DistilBERT): 0 … seq−1 in every row, padding or not.
 * - roberta (`create_position_ids_from_input_ids`): non-pad tokens count up from padTokenId + 1,
 *   pad tokens get padTokenId.
 */
import type { Graph, Value } from '../onnx/graph.ts';
import * as op from '../onnx/ops.ts';
import { ShapeError } from '../onnx/shape.ts';
import type { EncoderConfig } from './config.ts';

/**
 * The longest input the position table can hold: all of max_position_embeddings for absolute
 * positions; for RoBERTa's, the padTokenId + 1 slots below the first real position are unusable
 * (514 → 512 for roberta-base).
 */
export function maxSequenceLength(config: EncoderConfig): number {
  return config.maxPositions - (config.positionKind === 'roberta' ? config.padTokenId + 1 : 0);
}

/** int32 position ids [batch, seq] computed from int32 or int64 input ids, with no Shape op. */
export function inGraphPositionIds(g: Graph, config: EncoderConfig, inputIds: Value): Value {
  if (inputIds.rank !== 2 || (inputIds.dtype !== 'int32' && inputIds.dtype !== 'int64')) {
    throw new ShapeError(`position ids: input ids must be int32 or int64 [batch, seq], got ${inputIds.toString()}`);
  }
  return g.scope('position_ids', () => {
    // Integer work stays int32: WebGPU runs elementwise int64 ops on the CPU.
    const ids = op.cast(inputIds, 'int32');
    if (config.positionKind === 'absolute') {
      return op.sub(op.cumSum(op.add(op.mul(ids, 0), 1), 1), 1);
    }
    const notPad = op.sub(1, op.cast(op.equal(ids, config.padTokenId), 'int32'));
    return op.add(op.mul(op.cumSum(notPad, 1), notPad), config.padTokenId);
  });
}

/** The same position ids on the CPU, for `batch` rows of `seq` ids each (row-major). */
export function positionIdsFor(config: EncoderConfig, inputIds: ArrayLike<number | bigint>, batch: number, seq: number): Int32Array {
  if (inputIds.length !== batch * seq) throw new Error(`position ids: ${inputIds.length} ids do not make ${batch} rows of ${seq}`);
  const positions = new Int32Array(batch * seq);
  const pad = config.padTokenId;
  for (let row = 0; row < batch; row++) {
    let counted = 0;
    for (let s = 0; s < seq; s++) {
      const at = row * seq + s;
      if (config.positionKind === 'absolute') positions[at] = s;
      else if (Number(inputIds[at]) === pad) positions[at] = pad;
      else positions[at] = pad + ++counted;
    }
  }
  return positions;
}
