/**
 * The GPU memory onnxruntime-web's WebGPU EP holds for one graph's runs, predicted by replaying
 * how it allocates: every node output gets a buffer whose size is rounded up to one of the
 * buffer cache's buckets, in the order onnxruntime runs the nodes (executionOrder); a buffer
 * goes back to the cache after its last reader (up to a
 * per-bucket count) and the next request of that bucket takes it, else a new buffer is
 * created; ops that only relabel a shape (Reshape, Squeeze, Unsqueeze, Identity) share their
 * input's buffer; nodes that depend on constants only are folded into initializers at session
 * creation and stay for the session's life. Counted as the GPU meter counts: bytes of buffers
 * created and not destroyed, cached ones included.
 *
 * The bucket table is onnxruntime's (core/providers/webgpu/buffer_manager.cc,
 * BUCKET_DEFAULT_LIMIT_TABLE: bucket size in bytes → how many released buffers it keeps).
 */
import { liveNodes } from '../onnx/encode.ts';
import type { Graph, Node, Value } from '../onnx/graph.ts';
import type { Shape } from '../onnx/shape.ts';

const BUCKETS: readonly (readonly [number, number])[] = [
  [64, 250],
  [128, 200],
  [256, 200],
  [512, 200],
  [2048, 230],
  [4096, 200],
  [8192, 50],
  [16384, 50],
  [32768, 50],
  [65536, 50],
  [131072, 50],
  [262144, 50],
  [524288, 50],
  [1048576, 50],
  [2097152, 30],
  [4194304, 20],
  [8388608, 10],
  [12582912, 10],
  [16777216, 10],
  [26214400, 15],
  [33554432, 22],
  [44236800, 2],
  [58982400, 6],
  [67108864, 6],
  [134217728, 6],
  [167772160, 6],
];
const bucketLimit = new Map(BUCKETS);

/** The size onnxruntime's bucket cache creates for a request of `bytes`. */
export function bucketBytes(bytes: number): number {
  const bucket = BUCKETS.find(([size]) => size >= bytes);
  return bucket ? bucket[0] : Math.ceil(bytes / 16) * 16;
}

const ALIASING_OPS = new Set(['Reshape', 'Squeeze', 'Unsqueeze', 'Identity', 'Flatten']);
const ELEMENT_BYTES = { float32: 4, int32: 4, int64: 8, bool: 1 } as const;

/** Sizes of a graph's symbolic dimensions for one run, e.g. { batch: 16, seq: 128 }. */
export type DimSizes = Readonly<Record<string, number>>;

export function elementCount(shape: Shape, dims: DimSizes): number {
  let n = 1;
  for (const d of shape) {
    if (typeof d === 'number') {
      n *= d;
      continue;
    }
    for (const factor of d.split('*')) {
      const size = dims[factor];
      if (size === undefined) throw new Error(`no size given for the dimension ${factor}`);
      n *= size;
    }
  }
  return n;
}

export interface WorkingMemory {
  /** Peak bytes of buffers the runtime has created and not destroyed while running the graph. */
  readonly peakBytes: number;
  /** Of those, initializers: the graph's constants and what folds from them. */
  readonly initializerBytes: number;
}

/**
 * The order onnxruntime runs nodes in (its default ExecutionOrder, GraphViewer's
 * nodes_in_topological_order_ from Graph::ReverseDFSFrom): a depth-first walk up from the
 * nodes nothing reads, the last of them first, visiting each node's producers highest index
 * first and running a node once all its producers ran. `nodes` are in model order (their index).
 */
export function executionOrder(nodes: readonly Node[]): Node[] {
  const index = new Map(nodes.map((n, i) => [n, i]));
  const producers = new Map<Node, Node[]>();
  const consumed = new Set<Node>();
  for (const node of nodes) {
    const from = new Set<Node>();
    for (const input of node.inputs) {
      const producer = input?.producer;
      if (producer && index.has(producer)) from.add(producer);
    }
    for (const p of from) consumed.add(p);
    producers.set(node, [...from].sort((a, b) => index.get(a)! - index.get(b)!));
  }
  const order: Node[] = [];
  const visited = new Set<Node>();
  const stack: [Node, boolean][] = nodes.filter((n) => !consumed.has(n)).map((n) => [n, false]);
  while (stack.length > 0) {
    const [node, leaving] = stack.pop()!;
    if (leaving) {
      order.push(node);
      continue;
    }
    if (visited.has(node)) continue;
    visited.add(node);
    stack.push([node, true]);
    for (const p of producers.get(node)!) if (!visited.has(p)) stack.push([p, false]);
  }
  return order;
}

/**
 * Replays `runs` runs of `g` (the cache carries over from one run to the next). Inputs and
 * outputs listed in `external` live in buffers the caller owns (resident parameters,
 * pre-allocated gradients) and cost nothing here; other inputs are uploaded per run, other
 * outputs held until the run ends.
 */
export function simulateWorkingMemory(g: Graph, dims: DimSizes, external: ReadonlySet<Value>, runs = 2): WorkingMemory {
  const bytesOf = (v: Value) => bucketBytes(Math.max(1, elementCount(v.shape, dims) * ELEMENT_BYTES[v.dtype]));
  // Values fixed at session creation: constants, and node results computed from them only.
  const fixed = new Set<Value>(g.constants.keys());
  const unfolded = liveNodes(g).filter((node) => {
    const folded = node.inputs.every((input) => input === null || fixed.has(input));
    if (folded) for (const o of node.outputs) fixed.add(o);
    return !folded;
  });
  const nodes = executionOrder(unfolded);
  const fixedUsed = new Set<Value>();
  for (const node of nodes) for (const input of node.inputs) if (input && fixed.has(input)) fixedUsed.add(input);
  const initializerBytes = [...fixedUsed].reduce((n, v) => n + bytesOf(v), 0);

  // A buffer is named by the value that first got it; aliases resolve to that value.
  const owner = new Map<Value, Value>();
  const root = (v: Value) => owner.get(v) ?? v;
  for (const node of nodes) {
    if (ALIASING_OPS.has(node.op) && node.inputs[0]) owner.set(node.outputs[0]!, root(node.inputs[0]));
  }
  const lastUse = new Map<Value, number>();
  nodes.forEach((node, i) => {
    for (const input of node.inputs) if (input) lastUse.set(root(input), i);
  });
  // Outputs the runtime allocates (the caller's pre-allocated ones are external).
  const outputs = new Set(g.outputs.map(root).filter((v) => !external.has(v)));

  const free = new Map<number, number>();
  let live = initializerBytes;
  let peak = live;
  const acquire = (bytes: number) => {
    const cached = free.get(bytes) ?? 0;
    if (cached > 0) free.set(bytes, cached - 1);
    else {
      live += bytes;
      peak = Math.max(peak, live);
    }
  };
  const release = (bytes: number) => {
    const cached = free.get(bytes) ?? 0;
    if (cached < (bucketLimit.get(bytes) ?? 0)) free.set(bytes, cached + 1);
    else live -= bytes;
  };
  const uploaded = g.inputs.filter((v) => !external.has(v) && lastUse.has(v));
  const uploadedSet = new Set(uploaded);
  for (let run = 0; run < runs; run++) {
    for (const v of uploaded) acquire(bytesOf(v));
    const held: Value[] = [...uploaded];
    nodes.forEach((node, i) => {
      for (const out of node.outputs) if (root(out) === out && !external.has(out)) acquire(bytesOf(out));
      for (const input of node.inputs) {
        if (!input) continue;
        const buffer = root(input);
        if (lastUse.get(buffer) !== i || fixed.has(buffer) || external.has(buffer) || uploadedSet.has(buffer) || outputs.has(buffer)) continue;
        release(bytesOf(buffer));
      }
      for (const out of node.outputs) {
        if (root(out) === out && !lastUse.has(out) && !outputs.has(out) && !external.has(out)) release(bytesOf(out));
      }
    });
    for (const v of [...held, ...outputs]) release(bytesOf(v));
  }
  return { peakBytes: peak, initializerBytes };
}
