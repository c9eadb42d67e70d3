import { type Shape, formatShape, isStatic, ShapeError, staticSize } from './shape.ts';

/** Element types the engine uses. int64 only where the ONNX spec demands it (ScatterND indices, Reshape shapes). */
export type DType = 'float32' | 'int32' | 'int64' | 'bool';

export type TensorData = Float32Array | Int32Array | BigInt64Array | Uint8Array;

export interface ConstTensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: TensorData;
}

export type Attr =
  | { readonly int: number }
  | { readonly float: number }
  | { readonly ints: readonly number[] }
  | { readonly floats: readonly number[] }
  | { readonly string: string }
  | { readonly tensor: ConstTensor };

export type ValueKind = 'input' | 'param' | 'constant' | 'node';

export class Value {
  constructor(
    readonly graph: Graph,
    /** Mutable only so that `Graph.output` can give a node result its public name. */
    public name: string,
    readonly dtype: DType,
    readonly shape: Shape,
    readonly kind: ValueKind,
    readonly producer: Node | null,
  ) {}

  get rank(): number {
    return this.shape.length;
  }

  toString(): string {
    return `${this.name}: ${this.dtype}${formatShape(this.shape)}`;
  }
}

export interface Node {
  readonly op: string;
  readonly name: string;
  readonly domain: string;
  /** `null` marks an omitted optional input. */
  readonly inputs: readonly (Value | null)[];
  readonly outputs: readonly Value[];
  readonly attrs: Readonly<Record<string, Attr>>;
}

export interface OutputSpec {
  readonly dtype: DType;
  readonly shape: Shape;
}

/**
 * When the backward pass recomputes a marked value (Graph.recomputeInBackward): 'always', or
 * 'to-save-memory' only in graphs that trade compute for memory (BackwardOptions.saveMemory).
 */
export type RecomputeWhen = 'always' | 'to-save-memory';

export interface Recomputation {
  readonly recompute: (read: (v: Value) => Value) => Value;
  readonly when: RecomputeWhen;
}

const dtypeArray = {
  float32: Float32Array,
  int32: Int32Array,
  int64: BigInt64Array,
  bool: Uint8Array,
} as const;

/**
 * A recorded ONNX graph. Ops (in ops.ts) append nodes through `addNode`; names are derived
 * from the current scope so a node reads like `encoder.layer.3.attention/MatMul_12`.
 */
export class Graph {
  readonly inputs: Value[] = [];
  readonly params: Value[] = [];
  readonly constants = new Map<Value, ConstTensor>();
  readonly nodes: Node[] = [];
  readonly outputs: Value[] = [];
  /** Forward values the backward pass computes again where a gradient needs them, and how (see recomputeInBackward). */
  readonly recomputed = new Map<Value, Recomputation>();
  private readonly names = new Set<string>();
  private readonly scopes: string[] = [];
  private readonly scalarCache = new Map<string, Value>();
  private counter = 0;

  constructor(readonly name: string) {}

  /** A runtime input (a batch tensor, the learning rate…). */
  input(name: string, dtype: DType, shape: Shape): Value {
    const v = new Value(this, this.claim(name), dtype, shape, 'input', null);
    this.inputs.push(v);
    return v;
  }

  /**
   * A trainable float32 parameter. Parameters are graph inputs, not initializers: they live
   * on the device between steps and are fed back from the previous step's outputs.
   */
  param(name: string, shape: readonly number[]): Value {
    const v = new Value(this, this.claim(name), 'float32', shape, 'param', null);
    this.params.push(v);
    return v;
  }

  /** A constant stored in the model as an initializer. */
  constant(tensor: ConstTensor, name?: string): Value {
    const expected = staticSize(tensor.shape) ?? 0;
    if (tensor.data.length !== expected) {
      throw new ShapeError(`constant ${name ?? ''}: ${tensor.data.length} values for shape ${formatShape(tensor.shape)}`);
    }
    if (!(tensor.data instanceof dtypeArray[tensor.dtype])) {
      throw new ShapeError(`constant ${name ?? ''}: data array does not match dtype ${tensor.dtype}`);
    }
    const v = new Value(this, this.claim(name ?? this.scoped('const')), tensor.dtype, tensor.shape, 'constant', null);
    this.constants.set(v, tensor);
    return v;
  }

  /** A rank-0 constant, shared across the graph for equal values. */
  scalar(value: number, dtype: DType = 'float32'): Value {
    const key = `${dtype}:${Object.is(value, -0) ? '-0' : value}`;
    const cached = this.scalarCache.get(key);
    if (cached) return cached;
    const data = dtype === 'int64' ? BigInt64Array.of(BigInt(value)) : dtypeArray[dtype].of(value);
    const v = this.constant({ dtype, shape: [], data: data as TensorData }, `scalar_${dtype}_${this.scalarCache.size}`);
    this.scalarCache.set(key, v);
    return v;
  }

  /** A rank-1 int64 constant, for shapes and axes. */
  int64s(values: readonly number[]): Value {
    return this.constant({ dtype: 'int64', shape: [values.length], data: BigInt64Array.from(values.map(BigInt)) });
  }

  /** Records a node; called by the op functions, which have already checked shapes. */
  addNode(op: string, inputs: readonly (Value | null)[], outputs: readonly OutputSpec[], attrs: Record<string, Attr> = {}, domain = ''): Value[] {
    for (const input of inputs) {
      if (input && input.graph !== this) throw new Error(`${op}: input ${input.name} belongs to another graph`);
    }
    const nodeName = this.claim(this.scoped(op));
    const outs: Value[] = [];
    const node: Node = { op, name: nodeName, domain, inputs, outputs: outs, attrs };
    outputs.forEach((spec, i) => {
      outs.push(new Value(this, this.claim(outputs.length === 1 ? `${nodeName}:out` : `${nodeName}:out${i}`), spec.dtype, spec.shape, 'node', node));
    });
    this.nodes.push(node);
    return outs;
  }

  /** Marks a value as a graph output under a public name. */
  output(value: Value, name: string): Value {
    if (value.graph !== this) throw new Error(`output ${name}: value belongs to another graph`);
    if (value.name !== name) {
      if (value.kind !== 'node' || this.outputs.includes(value)) {
        throw new Error(`output ${name}: only an unnamed node result can be renamed (got ${value.name})`);
      }
      this.names.delete(value.name);
      value.name = this.claim(name);
    }
    this.outputs.push(value);
    return value;
  }

  /**
   * Marks a node result as cheaper to compute again than to keep: a gradient rule that reads it
   * gets `recompute(read)`'s value, recorded in the backward pass when first needed, so the forward
   * value can be freed as soon as the forward pass is done with it. Worth it for a large value
   * made from values that are kept anyway. `recompute` reads other forward values through `read`,
   * so a recomputation can start from another recomputed value.
   *
   * `when` 'always' (the default) suits one cheap op whose input is kept anyway. 'to-save-memory'
   * suits the rest (a matrix product, or a value no gradient reads in some graphs, which would
   * then be recomputed for nothing): only graphs that ask (BackwardOptions.saveMemory) do it.
   *
   * `recompute` must give the same numbers by different ops or over different inputs:
   * onnxruntime's common-subexpression elimination merges a node with an earlier one of the same
   * op over the same inputs, which would make the recomputation the forward value again, kept
   * after all.
   */
  recomputeInBackward(value: Value, recompute: (read: (v: Value) => Value) => Value, when: RecomputeWhen = 'always'): Value {
    if (value.graph !== this || value.kind !== 'node') throw new Error(`recomputeInBackward: ${value.name} is not a node result of ${this.name}`);
    this.recomputed.set(value, { recompute, when });
    return value;
  }

  /** Runs `build` with `prefix` added to the names of the nodes it records. */
  scope<T>(prefix: string, build: () => T): T {
    this.scopes.push(prefix);
    try {
      return build();
    } finally {
      this.scopes.pop();
    }
  }

  private scoped(base: string): string {
    const prefix = this.scopes.join('/');
    return `${prefix ? `${prefix}/` : ''}${base}_${this.counter++}`;
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`graph ${this.name}: the name ${name} is already used`);
    this.names.add(name);
    return name;
  }
}

export function assertStaticShape(op: string, v: Value): readonly number[] {
  if (!isStatic(v.shape)) throw new ShapeError(`${op}: ${v.name} needs a static shape, got ${formatShape(v.shape)}`);
  return v.shape;
}
