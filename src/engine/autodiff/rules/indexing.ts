/**
 * Gradients of ops that address elements by index. Indices are integers and get no gradient.
 */
import type { Value } from '../../onnx/graph.ts';
import * as op from '../../onnx/ops.ts';
import { zerosAtRunTime } from '../broadcast.ts';
import { type GradientRule, inputOf, intAttr, outputGrad } from '../rule.ts';

/**
 * Gather along axis 0 (an embedding lookup): each gathered row's gradient is added back into its
 * row of a zero table, duplicate ids accumulating, by one ScatterND with reduction 'add'.
 */
export const gather: GradientRule = (context) => {
  const dy = outputGrad(context);
  const [data, indices] = [inputOf(context.node, 0), inputOf(context.node, 1)];
  if (intAttr(context.node, 'axis') !== 0) throw new Error('Gather: only gathers along axis 0 have a gradient rule');
  // ScatterND takes int64 indices only, and the WebGPU EP keeps few int64 ops on the GPU. Measured
  // with onnxruntime-node 1.30's WebGPU EP: Unsqueeze of int32 and Cast int32 → int64 run on the
  // GPU, Unsqueeze of int64 on the CPU (a small copy of ids that start on the host anyway). Hence
  // the order: add the index axis first, cast last.
  const indexed = op.cast(op.unsqueeze(indices, [indices.rank]), 'int64');
  return [op.scatterNDAdd(zerosAtRunTime(data, dy), indexed, dy), null];
};

/**
 * ScatterND with reduction 'add' passes dy to data unchanged; each update's gradient is dy at the
 * element it was added to. That is a Gather when the indices address data's first axis only.
 */
export const scatterNDAdd: GradientRule = (context) => {
  const dy = outputGrad(context);
  const indices = inputOf(context.node, 1);
  const reduction = context.node.attrs['reduction'];
  if (!reduction || !('string' in reduction) || reduction.string !== 'add') throw new Error("ScatterND: only reduction 'add' has a gradient rule");
  let dUpdates: Value | null = null;
  if (context.needed[2]) {
    if (indices.shape[indices.rank - 1] !== 1) {
      throw new Error('ScatterND: the updates gradient needs GatherND unless the indices address the first axis only (last index axis 1)');
    }
    dUpdates = op.gather(dy, op.squeeze(indices, [indices.rank - 1]), 0);
  }
  return [context.needed[0] ? dy : null, null, dUpdates];
};
