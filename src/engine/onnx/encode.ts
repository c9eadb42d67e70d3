import onnxProto from 'onnx-proto';
import type { Attr, ConstTensor, DType, Graph, Node, Value } from './graph.ts';

const { onnx } = onnxProto;

/**
 * Opset 20: ReduceMean/ReduceMax take axes as an input (18), ScatterND has `reduction` (16),
 * LayerNormalization (17) and Gelu (20) exist. onnxruntime reads it from 1.16 on.
 */
export const OPSET = 20;
/** onnxruntime's own ops (ops.geluContrib), version 1. */
const CONTRIB_DOMAIN = 'com.microsoft';
const IR_VERSION = 8;

const elemType: Record<DType, number> = { float32: 1, bool: 9, int32: 6, int64: 7 };
const INT8 = 3;

/**
 * A weight stored as int8 with one float scale per slice along `axis` and zero point 0:
 * value = data · scale. The model carries the int8 bytes and a DequantizeLinear node that
 * produces the float weight under the parameter's own name, so the rest of the graph is unchanged.
 */
export interface Int8Weight {
  readonly data: Int8Array;
  readonly scales: Float32Array;
  readonly axis: number;
}

function tensorProto(name: string, t: ConstTensor): onnxProto.onnx.ITensorProto {
  const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return { name, dims: [...t.shape], dataType: elemType[t.dtype], rawData: bytes.slice() };
}

function attributeProto(name: string, attr: Attr): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if ('int' in attr) return { name, type: T.INT, i: attr.int };
  if ('float' in attr) return { name, type: T.FLOAT, f: attr.float };
  if ('ints' in attr) return { name, type: T.INTS, ints: [...attr.ints] };
  if ('floats' in attr) return { name, type: T.FLOATS, floats: [...attr.floats] };
  if ('string' in attr) return { name, type: T.STRING, s: new TextEncoder().encode(attr.string) };
  return { name, type: T.TENSOR, t: tensorProto(name, attr.tensor) };
}

function valueInfo(v: Value): onnxProto.onnx.IValueInfoProto {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: elemType[v.dtype],
        shape: { dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/**
 * The nodes the graph's outputs depend on — the ones an encoded model contains — in the order
 * the model lists them: the order they were recorded, except that nodes reading no node result
 * (a weight's Transpose, a cast of a batch input) come first, and the nodes nothing reads (each
 * output's last op) come last, the last-recorded first. onnxruntime runs a model in the order
 * of a depth-first walk up from those nodes, the last-listed first, visiting a node's producers
 * the last-listed first (executionOrder in memory/working-memory.ts).
 *
 * - Listed as recorded, a training graph's weight gradients, which nothing reads, would all run
 *   after the whole backward pass, keeping every layer's inputs and output gradients alive until
 *   then; listed last, the walk meets them in the order backward made them, and each runs as
 *   soon as its gradient input exists.
 * - A node reading only inputs and parameters, listed where it was recorded (after the
 *   activations it is used with), is visited before them and so runs as soon as the walk
 *   reaches its consumer's producers: the WebGPU step ran every layer's transposed weights
 *   before the first layer and held them until their layer. Listed first, it runs just before
 *   the node that reads it.
 */
export function liveNodes(graph: Graph): Node[] {
  const needed = new Set<Value>(graph.outputs);
  const live: Node[] = [];
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const node = graph.nodes[i]!;
    if (!node.outputs.some((o) => needed.has(o))) continue;
    live.push(node);
    for (const input of node.inputs) if (input) needed.add(input);
  }
  live.reverse();
  const read = new Set<Value>();
  for (const node of live) for (const input of node.inputs) if (input) read.add(input);
  const isSink = (node: Node) => !node.outputs.some((o) => read.has(o));
  const isLeaf = (node: Node) => node.inputs.every((input) => input === null || input.kind !== 'node');
  const inner = live.filter((n) => !isSink(n));
  return [...inner.filter(isLeaf), ...inner.filter((n) => !isLeaf(n)), ...live.filter(isSink).reverse()];
}

function frozenParams(graph: Graph, values: ReadonlyMap<string, Float32Array> | undefined, int8: ReadonlyMap<string, Int8Weight>): Map<Value, ConstTensor> {
  const frozen = new Map<Value, ConstTensor>();
  if (!values) return frozen;
  for (const p of graph.params) {
    if (int8.has(p.name)) continue;
    const data = values.get(p.name);
    if (!data) throw new Error(`encodeModel: no value for parameter ${p.name}`);
    const shape = p.shape as readonly number[];
    if (data.length !== shape.reduce((a, b) => a * b, 1)) throw new Error(`encodeModel: ${p.name} has ${data.length} values for shape [${shape.join(', ')}]`);
    frozen.set(p, { dtype: 'float32', shape, data });
  }
  return frozen;
}

/** Encodes the graph as ONNX `ModelProto` bytes that any onnxruntime backend can load. */
export interface EncodeOptions {
  readonly docString?: string;
  /** Parameter values to store in the model as initializers (an inference export) instead of graph inputs. */
  readonly initializers?: ReadonlyMap<string, Float32Array>;
  /** Parameters stored as int8 and dequantized in the graph, instead of as float32 initializers. */
  readonly int8Initializers?: ReadonlyMap<string, Int8Weight>;
}

function dequantized(param: Value, weight: Int8Weight): { initializers: onnxProto.onnx.ITensorProto[]; node: onnxProto.onnx.INodeProto } {
  const shape = param.shape as readonly number[];
  const channels = shape[weight.axis];
  if (weight.data.length !== shape.reduce((a, b) => a * b, 1) || weight.scales.length !== channels) {
    throw new Error(`encodeModel: int8 ${param.name} does not fit shape [${shape.join(', ')}] with ${weight.scales.length} scales on axis ${weight.axis}`);
  }
  const names = { data: `${param.name}_quantized`, scale: `${param.name}_scale`, zeroPoint: `${param.name}_zero_point` };
  const bytes = (a: Int8Array | Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
  return {
    initializers: [
      { name: names.data, dims: [...shape], dataType: INT8, rawData: bytes(weight.data) },
      { name: names.scale, dims: [channels], dataType: elemType.float32, rawData: bytes(weight.scales) },
      // Explicit int8 zero points: an omitted one means uint8 to some consumers.
      { name: names.zeroPoint, dims: [channels], dataType: INT8, rawData: new Uint8Array(channels) },
    ],
    node: {
      name: `${param.name}/DequantizeLinear`,
      opType: 'DequantizeLinear',
      domain: '',
      input: [names.data, names.scale, names.zeroPoint],
      output: [param.name],
      attribute: [attributeProto('axis', { int: weight.axis })],
    },
  };
}

export function encodeModel(graph: Graph, options: EncodeOptions = {}): Uint8Array {
  if (graph.outputs.length === 0) throw new Error(`graph ${graph.name} has no outputs`);
  const nodes = liveNodes(graph);
  const used = new Set<Value>(graph.outputs);
  for (const n of nodes) for (const v of n.inputs) if (v) used.add(v);
  const int8 = options.int8Initializers ?? new Map<string, Int8Weight>();
  for (const name of int8.keys()) {
    if (!graph.params.some((p) => p.name === name)) throw new Error(`encodeModel: int8 weight ${name} is not a parameter of ${graph.name}`);
  }
  const frozen = frozenParams(graph, options.initializers, int8);
  const dequantize = graph.params.filter((p) => used.has(p) && int8.has(p.name)).map((p) => dequantized(p, int8.get(p.name)!));
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    producerName: 'finetune-studio',
    opsetImport: [{ domain: '', version: OPSET }, ...(nodes.some((n) => n.domain === CONTRIB_DOMAIN) ? [{ domain: CONTRIB_DOMAIN, version: 1 }] : [])],
    docString: options.docString ?? '',
    graph: {
      name: graph.name,
      // Unused inputs are dropped: onnxruntime insists on a feed for every declared input.
      input: [...graph.inputs, ...graph.params].filter((v) => used.has(v) && !frozen.has(v) && !int8.has(v.name)).map(valueInfo),
      output: graph.outputs.map(valueInfo),
      initializer: [
        ...[...graph.constants, ...frozen].filter(([v]) => used.has(v)).map(([v, t]) => tensorProto(v.name, t)),
        ...dequantize.flatMap((d) => d.initializers),
      ],
      node: [
        ...dequantize.map((d) => d.node),
        ...nodes.map((n) => ({
          name: n.name,
          opType: n.op,
          domain: n.domain,
          input: n.inputs.map((v) => v?.name ?? ''),
          output: n.outputs.map((v) => v.name),
          attribute: Object.entries(n.attrs).map(([k, a]) => attributeProto(k, a)),
        })),
      ],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
