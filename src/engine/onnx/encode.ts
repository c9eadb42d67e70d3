import onnxProto from 'onnx-proto';
import type { Attr, ConstTensor, DType, Graph, Node, Value } from './graph.ts';

const { onnx } = onnxProto;

/** Opset 18: ReduceMean/ReduceMax take axes as an input, ScatterND has `reduction`, LayerNormalization exists. */
export const OPSET = 18;
const IR_VERSION = 8;

const elemType: Record<DType, number> = { float32: 1, bool: 9, int32: 6, int64: 7 };

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

/** The nodes the outputs depend on, in recorded (hence topological) order. */
function liveNodes(graph: Graph): Node[] {
  const needed = new Set<Value>(graph.outputs);
  const live: Node[] = [];
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const node = graph.nodes[i]!;
    if (!node.outputs.some((o) => needed.has(o))) continue;
    live.push(node);
    for (const input of node.inputs) if (input) needed.add(input);
  }
  return live.reverse();
}

function frozenParams(graph: Graph, values: ReadonlyMap<string, Float32Array> | undefined): Map<Value, ConstTensor> {
  const frozen = new Map<Value, ConstTensor>();
  if (!values) return frozen;
  for (const p of graph.params) {
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
}

export function encodeModel(graph: Graph, options: EncodeOptions = {}): Uint8Array {
  if (graph.outputs.length === 0) throw new Error(`graph ${graph.name} has no outputs`);
  const nodes = liveNodes(graph);
  const used = new Set<Value>(graph.outputs);
  for (const n of nodes) for (const v of n.inputs) if (v) used.add(v);
  const frozen = frozenParams(graph, options.initializers);
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    producerName: 'finetune-studio',
    opsetImport: [{ domain: '', version: OPSET }],
    docString: options.docString ?? '',
    graph: {
      name: graph.name,
      // Unused inputs are dropped: onnxruntime insists on a feed for every declared input.
      input: [...graph.inputs, ...graph.params].filter((v) => used.has(v) && !frozen.has(v)).map(valueInfo),
      output: graph.outputs.map(valueInfo),
      initializer: [...graph.constants, ...frozen].filter(([v]) => used.has(v)).map(([v, t]) => tensorProto(v.name, t)),
      node: nodes.map((n) => ({
        name: n.name,
        opType: n.op,
        domain: n.domain,
        input: n.inputs.map((v) => v?.name ?? ''),
        output: n.outputs.map((v) => v.name),
        attribute: Object.entries(n.attrs).map(([k, a]) => attributeProto(k, a)),
      })),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
