/**
 * The encoder's inputs, and the encoder itself as its family builds it (families/): embeddings,
 * then the layers, with one additive attention mask shared by all of them.
 */
import type { Value } from '../onnx/graph.ts';
import { formatShape, sameShape, ShapeError } from '../onnx/shape.ts';
import { additiveAttentionMask } from './blocks.ts';
import { type EncoderConfig, familyOf } from './config.ts';
import type { BuildContext } from './family.ts';

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

/** The last hidden states [batch, seq, hiddenSize] of the family's base model: its embeddings, then its layers. */
export function encodeSequence(ctx: BuildContext, inputs: EncoderInputs): Value {
  const { g, config } = ctx;
  const family = familyOf(config);
  const additiveMask = g.scope('attention_mask', () => additiveAttentionMask(inputs.attentionMask));
  let x = family.embeddings.build(ctx, inputs);
  for (let i = 0; i < config.numLayers; i++) x = family.layer.build(ctx, x, additiveMask, family.layerPrefix(i));
  return x;
}
