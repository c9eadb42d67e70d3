/**
 * AdamW on WebGPU with the training state held once. onnxruntime never writes a graph input,
 * so an ONNX optimizer would return fresh parameters and moments every step (and hold the
 * state twice). Here the parameters live in GPU buffers we own (fed to the train-step graph
 * as inputs, unchanged by it), the moments in a few flat buffers, and small compute kernels
 * update them in place from the gradients the graph returns:
 *
 *   accumulate   acc ← keep·acc + g            (gradient accumulation only)
 *   sumSquares   per-workgroup partial sums of g², summed on the CPU in float64 → the global norm
 *   adamw        m ← β1·m + c1·g;  v ← β2·v + c2·g²;  p ← p·decay − stepSize·m / (√v / bc2 + ε)
 *
 * They run once per chunk (optim/param-chunks.ts), not once per tensor: a chunk of several
 * parameters is gathered into scratch buffers with buffer copies (no kernel launch) and the
 * parameters are copied back after the update; a chunk holding one parameter is bound
 * directly. The arithmetic is adamWUpdate's (optim/adamw.ts), in the same order, with the
 * clipping factor and the accumulation mean folded into c1 and c2 as there.
 *
 * An embedding table's gradient arrives as the gradient of its gathered rows plus their ids
 * (a sparse gradient, see SparseTable in artifacts.ts). The ids are sorted on the CPU into
 * segments of equal ids; `sumRows` adds each segment's rows into one row per distinct id, and
 * the kernels read row r's gradient from there through a row → segment map (rows no token
 * used get 0, so the moments still decay as torch's dense AdamW decays them). No dense
 * gradient of the table is ever made.
 */
import type { AdamWHyper } from './adamw.ts';
import type { ParamChunk } from './param-chunks.ts';

/** What one update needs besides the gradients: adamWScalarValues' numbers and the gradient's scale. */
export interface ResidentAdamWStep {
  /** lr / (1 − β1^t) */
  readonly stepSize: number;
  /** sqrt(1 − β2^t) */
  readonly biasCorrection2Sqrt: number;
  /** 1 − lr · weight_decay */
  readonly decayFactor: number;
  /** Multiplies every gradient value: clipping factor × accumulation mean. */
  readonly gradScale: number;
}

export interface ResidentParam {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export interface ResidentMoments {
  readonly m: ReadonlyMap<string, Float32Array>;
  readonly v: ReadonlyMap<string, Float32Array>;
}

/** A parameter's gradient as the train step returns it: dense, or the gathered rows of a sparse table. */
export type GradientSource = { readonly dense: GPUBuffer } | { readonly rows: GPUBuffer; readonly ids: Int32Array };

const WORKGROUP = 256;
/** Partial sums per chunk: enough parallelism for a large chunk, few values to read back. */
const PARTIALS_PER_CHUNK = 256;
const MAX_WORKGROUPS = 65535;

const header = /* wgsl */ `
const WORKGROUP = ${WORKGROUP}u;
`;

/** Row r's gradient for a sparse table: its segment's summed row, or 0 when no token used it. */
const rowGradient = /* wgsl */ `
fn rowGradient(i: u32) -> f32 {
  let row = i / params.width;
  let slot = rowSlot[row];
  if (slot < 0) {
    return 0.0;
  }
  return rowSums[u32(slot) * params.width + (i - row * params.width)];
}`;

const accumulateShader = (sparse: boolean) => /* wgsl */ `${header}
struct Params { n: u32, keep: f32, width: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> acc: array<f32>;
${sparse ? '@group(0) @binding(2) var<storage, read> rowSums: array<f32>;\n@group(0) @binding(3) var<storage, read> rowSlot: array<i32>;' : '@group(0) @binding(2) var<storage, read> grad: array<f32>;'}
${sparse ? rowGradient : ''}
@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  for (var i = id.x; i < params.n; i += groups.x * WORKGROUP) {
    acc[i] = acc[i] * params.keep + ${sparse ? 'rowGradient(i)' : 'grad[i]'};
  }
}`;

const sumSquaresShader = /* wgsl */ `${header}
struct Params { n: u32, first: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> partials: array<f32>;
var<workgroup> sums: array<f32, WORKGROUP>;
@compute @workgroup_size(WORKGROUP)
fn main(@builtin(local_invocation_id) local: vec3<u32>, @builtin(workgroup_id) group: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  var sum = 0.0;
  for (var i = group.x * WORKGROUP + local.x; i < params.n; i += groups.x * WORKGROUP) {
    let g = grad[i];
    sum += g * g;
  }
  sums[local.x] = sum;
  workgroupBarrier();
  for (var half = WORKGROUP / 2u; half > 0u; half = half / 2u) {
    if (local.x < half) {
      sums[local.x] += sums[local.x + half];
    }
    workgroupBarrier();
  }
  if (local.x == 0u) {
    partials[params.first + group.x] = sums[0];
  }
}`;

/** Sums each segment of equal ids' rows (in token order) into one row per distinct id. */
const sumRowsShader = /* wgsl */ `${header}
struct Params { segments: u32, width: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> rows: array<f32>;
@group(0) @binding(2) var<storage, read> order: array<u32>;
@group(0) @binding(3) var<storage, read> starts: array<u32>;
@group(0) @binding(4) var<storage, read_write> rowSums: array<f32>;
@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  for (var i = id.x; i < params.segments * params.width; i += groups.x * WORKGROUP) {
    let segment = i / params.width;
    let column = i - segment * params.width;
    var sum = 0.0;
    for (var t = starts[segment]; t < starts[segment + 1u]; t++) {
      sum += rows[order[t] * params.width + column];
    }
    rowSums[i] = sum;
  }
}`;

const adamwShader = (sparse: boolean) => /* wgsl */ `${header}
struct Params {
  n: u32,
  beta1: f32,
  beta2: f32,
  mCoef: f32,
  vCoef: f32,
  biasCorrection2Sqrt: f32,
  epsilon: f32,
  stepSize: f32,
  decay: f32,
  width: u32,
}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read_write> m: array<f32>;
@group(0) @binding(3) var<storage, read_write> v: array<f32>;
${sparse ? '@group(0) @binding(4) var<storage, read> rowSums: array<f32>;\n@group(0) @binding(5) var<storage, read> rowSlot: array<i32>;' : '@group(0) @binding(4) var<storage, read> grad: array<f32>;'}
${sparse ? rowGradient : ''}
@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  for (var i = id.x; i < params.n; i += groups.x * WORKGROUP) {
    let g = ${sparse ? 'rowGradient(i)' : 'grad[i]'};
    let mNext = m[i] * params.beta1 + g * params.mCoef;
    let vNext = v[i] * params.beta2 + (g * g) * params.vCoef;
    let denom = sqrt(vNext) / params.biasCorrection2Sqrt + params.epsilon;
    param[i] = param[i] * params.decay - (mNext / denom) * params.stepSize;
    m[i] = mNext;
    v[i] = vNext;
  }
}`;

interface Binding {
  readonly buffer: GPUBuffer;
  readonly offset: number;
  readonly size: number;
}

// GPUBufferUsage / GPUMapMode values, spelled out: those globals exist only where WebGPU does, and
// the engine's modules are also loaded in Node.
const usage = { mapRead: 0x0001, copySrc: 0x0004, copyDst: 0x0008, uniform: 0x0040, storage: 0x0080 } as const;
const MAP_READ_MODE = 0x0001;
/** A storage buffer that copies can read and write. */
export const STORAGE_USAGE = usage.storage | usage.copySrc | usage.copyDst;
const UNIFORM_BYTES = 48;
const bytes = (elements: number) => elements * 4;
const workgroupsFor = (n: number) => Math.max(1, Math.min(Math.ceil(n / WORKGROUP), MAX_WORKGROUPS));
const whole = (buffer: GPUBuffer, elements: number): Binding => ({ buffer, offset: 0, size: bytes(elements) });

/**
 * The bytes ResidentAdamW allocates for `chunks` besides the parameters themselves, when a
 * step's sparse tables are gathered from `tokens` ids each (batch × sequence length).
 */
export function residentAdamWBytes(chunks: readonly ParamChunk[], gradAccumulation: number, tokens: number): number {
  const total = chunks.reduce((n, c) => n + c.size, 0);
  const scratch = Math.max(0, ...chunks.filter((c) => c.entries.length > 1).map((c) => c.size));
  const accumulation = gradAccumulation > 1 ? total : 0;
  // Per sparse table: the summed rows, the token order and segment starts, the row → segment map.
  const sparse = chunks.reduce((n, c) => (c.rowWidth === undefined ? n : n + tokens * c.rowWidth + 2 * tokens + 1 + c.size / c.rowWidth), 0);
  // m and v, two scratch buffers, the accumulated gradients; uniforms and partial sums are a few KB.
  return bytes(2 * total + 2 * scratch + accumulation + sparse);
}

/** One sparse table's per-step buffers, sized for the run's largest batch. */
interface RowBuffers {
  readonly width: number;
  readonly rows: number;
  /** Row → segment, or −1: one int per table row. */
  readonly rowSlot: GPUBuffer;
  /** Token positions sorted by id, and where each id's segment starts. */
  readonly order: GPUBuffer;
  readonly starts: GPUBuffer;
  /** One summed row per segment. */
  readonly rowSums: GPUBuffer;
  /** The ids the buffers now hold, and their segment count. */
  ids: Int32Array | null;
  segments: number;
  /**
   * The gradient rowSums holds the sums of: the norm pass sums a step's rows and its update
   * reads the same sums, one kernel launch per table and step fewer. A step's gradients are a
   * new object, so a stale sum is never reused.
   */
  summedFrom: GradientSource | null;
}

type Kernel = 'accumulate' | 'accumulateRows' | 'sumSquares' | 'sumRows' | 'adamw' | 'adamwRows';
const KERNELS: readonly Kernel[] = ['accumulate', 'accumulateRows', 'sumSquares', 'sumRows', 'adamw', 'adamwRows'];

export class ResidentAdamW {
  private readonly params = new Map<string, GPUBuffer>();
  private readonly m: GPUBuffer[];
  private readonly v: GPUBuffer[];
  private readonly acc: GPUBuffer[] | null;
  private readonly scratchParams: GPUBuffer | null;
  private readonly scratchGrads: GPUBuffer | null;
  private readonly partials: GPUBuffer;
  private readonly partialsReadback: GPUBuffer;
  /** One uniform block per chunk and kernel. */
  private readonly uniforms: GPUBuffer[];
  private readonly rowBuffers = new Map<string, RowBuffers>();
  private readonly pipelines: Record<Kernel, GPUComputePipeline>;
  private readonly shapes: ReadonlyMap<string, readonly number[]>;

  constructor(
    private readonly device: GPUDevice,
    private readonly chunks: readonly ParamChunk[],
    private readonly hyper: AdamWHyper,
    params: readonly ResidentParam[],
    moments: ResidentMoments | null,
    gradAccumulation: number,
    /** The most ids a sparse table's gradient comes with in one micro-batch (batch size × max length). */
    private readonly maxTokens: number,
  ) {
    this.shapes = new Map(params.map((p) => [p.name, p.shape]));
    const maxBinding = device.limits.maxStorageBufferBindingSize;
    for (const chunk of chunks) {
      if (bytes(chunk.size) > maxBinding) {
        const names = chunk.entries.map((e) => e.name).join(', ');
        throw new Error(`${names}: ${bytes(chunk.size)} bytes is more than this GPU binds at once (maxStorageBufferBindingSize ${maxBinding})`);
      }
    }
    for (const p of params) this.params.set(p.name, this.upload(p.data, p.name));
    const flat = (source: ReadonlyMap<string, Float32Array> | null, chunk: ParamChunk) => {
      const data = new Float32Array(chunk.size);
      if (source) for (const e of chunk.entries) data.set(source.get(e.name)!, e.offset);
      return data;
    };
    this.m = chunks.map((c, i) => this.upload(flat(moments?.m ?? null, c), `adam.m.chunk${i}`));
    this.v = chunks.map((c, i) => this.upload(flat(moments?.v ?? null, c), `adam.v.chunk${i}`));
    this.acc = gradAccumulation > 1 ? chunks.map((c, i) => this.upload(new Float32Array(c.size), `grad_acc.chunk${i}`)) : null;
    const scratchSize = Math.max(0, ...chunks.filter((c) => c.entries.length > 1).map((c) => c.size));
    this.scratchParams = scratchSize > 0 ? device.createBuffer({ label: 'adamw.scratch.params', size: bytes(scratchSize), usage: STORAGE_USAGE }) : null;
    this.scratchGrads = scratchSize > 0 ? device.createBuffer({ label: 'adamw.scratch.grads', size: bytes(scratchSize), usage: STORAGE_USAGE }) : null;
    for (const chunk of chunks) {
      if (chunk.rowWidth === undefined) continue;
      const name = chunk.entries[0]!.name;
      const rows = chunk.size / chunk.rowWidth;
      const buffer = (what: string, elements: number) => device.createBuffer({ label: `adamw.${what}.${name}`, size: bytes(elements), usage: STORAGE_USAGE });
      this.rowBuffers.set(name, {
        width: chunk.rowWidth,
        rows,
        rowSlot: buffer('row_slot', rows),
        order: buffer('order', maxTokens),
        starts: buffer('starts', maxTokens + 1),
        rowSums: buffer('row_sums', maxTokens * chunk.rowWidth),
        ids: null,
        segments: 0,
        summedFrom: null,
      });
    }
    const partialBytes = bytes(PARTIALS_PER_CHUNK * chunks.length);
    this.partials = device.createBuffer({ label: 'adamw.partials', size: partialBytes, usage: STORAGE_USAGE });
    this.partialsReadback = device.createBuffer({ label: 'adamw.partials.readback', size: partialBytes, usage: usage.mapRead | usage.copyDst });
    this.uniforms = chunks.flatMap((_, i) =>
      KERNELS.map((k) => device.createBuffer({ label: `adamw.uniforms.${k}.chunk${i}`, size: UNIFORM_BYTES, usage: usage.uniform | usage.copyDst })),
    );
    const pipeline = (code: string, label: string) =>
      device.createComputePipeline({ label, layout: 'auto', compute: { module: device.createShaderModule({ label, code }), entryPoint: 'main' } });
    this.pipelines = {
      accumulate: pipeline(accumulateShader(false), 'adamw.accumulate'),
      accumulateRows: pipeline(accumulateShader(true), 'adamw.accumulate_rows'),
      sumSquares: pipeline(sumSquaresShader, 'adamw.sum_squares'),
      sumRows: pipeline(sumRowsShader, 'adamw.sum_rows'),
      adamw: pipeline(adamwShader(false), 'adamw.update'),
      adamwRows: pipeline(adamwShader(true), 'adamw.update_rows'),
    };
  }

  /** The parameter's buffer: the train-step graph reads it, the update writes it in place. */
  paramBuffer(name: string): GPUBuffer {
    const buffer = this.params.get(name);
    if (!buffer) throw new Error(`no resident parameter ${name}`);
    return buffer;
  }

  /** Every resident parameter: the step reads them all. */
  get paramNames(): readonly string[] {
    return [...this.params.keys()];
  }

  /** The parameters the chunks cover, which the update changes; the others are frozen. */
  get trainedNames(): readonly string[] {
    return this.chunks.flatMap((c) => c.entries.map((e) => e.name));
  }

  /** Adds one micro-batch's gradients to the running sum (`fresh` starts a new sum). */
  accumulate(grads: ReadonlyMap<string, GradientSource>, fresh: boolean): void {
    if (!this.acc) throw new Error('accumulate: this optimizer was made without gradient accumulation');
    const encoder = this.device.createCommandEncoder({ label: 'adamw.accumulate' });
    this.chunks.forEach((chunk, c) => {
      const sparse = chunk.rowWidth !== undefined;
      const uniform = this.writeUniform(c, sparse ? 'accumulateRows' : 'accumulate', new Uint32Array([chunk.size, floatBits(fresh ? 0 : 1), chunk.rowWidth ?? 0]));
      const target = whole(this.acc![c]!, chunk.size);
      if (sparse) {
        const rows = this.sumRows(encoder, c, chunk, grads);
        this.dispatch(encoder, this.pipelines.accumulateRows, [uniform, target, rows.sums, rows.slot], workgroupsFor(chunk.size));
      } else {
        this.dispatch(encoder, this.pipelines.accumulate, [uniform, target, this.gatheredGrads(encoder, chunk, grads)], workgroupsFor(chunk.size));
      }
    });
    this.device.queue.submit([encoder.finish()]);
  }

  /**
   * Σ g² over every gradient value, in float64 from per-workgroup float32 partial sums: of
   * `grads`, or of the accumulated sum when `grads` is null. A sparse table's rows that no
   * token used have a zero gradient and add nothing.
   */
  async gradientSquaredNorm(grads: ReadonlyMap<string, GradientSource> | null): Promise<number> {
    const encoder = this.device.createCommandEncoder({ label: 'adamw.sum_squares' });
    this.chunks.forEach((chunk, c) => {
      let source: Binding;
      let n = chunk.size;
      if (!grads) source = this.accumulated(c, chunk);
      else if (chunk.rowWidth !== undefined) {
        source = this.sumRows(encoder, c, chunk, grads).sums;
        n = source.size / 4;
      } else source = this.gatheredGrads(encoder, chunk, grads);
      const uniform = this.writeUniform(c, 'sumSquares', new Uint32Array([n, c * PARTIALS_PER_CHUNK]));
      this.dispatch(encoder, this.pipelines.sumSquares, [uniform, source, whole(this.partials, this.partials.size / 4)], PARTIALS_PER_CHUNK);
    });
    encoder.copyBufferToBuffer(this.partials, 0, this.partialsReadback, 0, this.partials.size);
    this.device.queue.submit([encoder.finish()]);
    await this.partialsReadback.mapAsync(MAP_READ_MODE);
    try {
      const partials = new Float32Array(this.partialsReadback.getMappedRange());
      let sum = 0;
      for (const x of partials) sum += x;
      return sum;
    } finally {
      this.partialsReadback.unmap();
    }
  }

  /** One AdamW update in place, from `grads` or (null) the accumulated sum. */
  step(grads: ReadonlyMap<string, GradientSource> | null, s: ResidentAdamWStep): void {
    const { beta1, beta2, epsilon } = this.hyper;
    const encoder = this.device.createCommandEncoder({ label: 'adamw.update' });
    this.chunks.forEach((chunk, c) => {
      const sparseFromRows = chunk.rowWidth !== undefined && grads !== null;
      const words = new ArrayBuffer(UNIFORM_BYTES);
      const decay = chunk.decay && this.hyper.weightDecay !== 0 ? s.decayFactor : 1;
      new Uint32Array(words, 0, 1)[0] = chunk.size;
      new Float32Array(words, 4, 8).set([beta1, beta2, s.gradScale * (1 - beta1), s.gradScale * s.gradScale * (1 - beta2), s.biasCorrection2Sqrt, epsilon, s.stepSize, decay]);
      new Uint32Array(words, 36, 1)[0] = chunk.rowWidth ?? 0;
      const uniform = this.writeUniform(c, sparseFromRows ? 'adamwRows' : 'adamw', words);
      const state = [this.paramView(encoder, chunk), whole(this.m[c]!, chunk.size), whole(this.v[c]!, chunk.size)];
      if (sparseFromRows) {
        const rows = this.sumRows(encoder, c, chunk, grads);
        this.dispatch(encoder, this.pipelines.adamwRows, [uniform, ...state, rows.sums, rows.slot], workgroupsFor(chunk.size));
      } else {
        const grad = grads ? this.gatheredGrads(encoder, chunk, grads) : this.accumulated(c, chunk);
        this.dispatch(encoder, this.pipelines.adamw, [uniform, ...state, grad], workgroupsFor(chunk.size));
      }
      if (chunk.entries.length > 1) {
        for (const e of chunk.entries) encoder.copyBufferToBuffer(this.scratchParams!, bytes(e.offset), this.paramBuffer(e.name), 0, bytes(e.size));
      }
    });
    this.device.queue.submit([encoder.finish()]);
  }

  async readParams(): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    for (const [name, buffer] of this.params) out.set(name, await this.read(buffer, buffer.size));
    return out;
  }

  /** Overwrites the parameters' values in place (the buffers, and the graph feeds over them, stay). */
  writeParams(values: ReadonlyMap<string, Float32Array>): void {
    for (const [name, buffer] of this.params) this.device.queue.writeBuffer(buffer, 0, new Float32Array(values.get(name)!));
  }

  async readMoments(): Promise<{ m: Map<string, Float32Array>; v: Map<string, Float32Array> }> {
    const unflatten = async (buffers: readonly GPUBuffer[]) => {
      const out = new Map<string, Float32Array>();
      for (const [c, chunk] of this.chunks.entries()) {
        const flat = await this.read(buffers[c]!, bytes(chunk.size));
        for (const e of chunk.entries) out.set(e.name, flat.slice(e.offset, e.offset + e.size));
      }
      return out;
    };
    return { m: await unflatten(this.m), v: await unflatten(this.v) };
  }

  shapeOf(name: string): readonly number[] {
    return this.shapes.get(name)!;
  }

  destroy(): void {
    const rowBuffers = [...this.rowBuffers.values()].flatMap((r) => [r.rowSlot, r.order, r.starts, r.rowSums]);
    const buffers = [...this.params.values(), ...this.m, ...this.v, ...(this.acc ?? []), this.scratchParams, this.scratchGrads, ...rowBuffers, this.partials, this.partialsReadback, ...this.uniforms];
    for (const b of buffers) b?.destroy();
  }

  private upload(data: Float32Array | Int32Array | Uint32Array, label: string): GPUBuffer {
    const buffer = this.device.createBuffer({ label, size: Math.max(4, data.byteLength), usage: STORAGE_USAGE, mappedAtCreation: true });
    new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    buffer.unmap();
    return buffer;
  }

  private writeUniform(chunk: number, kernel: Kernel, words: Uint32Array<ArrayBuffer> | ArrayBuffer): GPUBuffer {
    const uniform = this.uniforms[chunk * KERNELS.length + KERNELS.indexOf(kernel)]!;
    this.device.queue.writeBuffer(uniform, 0, words);
    return uniform;
  }

  private accumulated(c: number, chunk: ParamChunk): Binding {
    if (!this.acc) throw new Error('the optimizer has no accumulated gradients to read');
    return whole(this.acc[c]!, chunk.size);
  }

  /** A dense chunk's gradients as one binding: the one gradient itself, or a gathered copy. */
  private gatheredGrads(encoder: GPUCommandEncoder, chunk: ParamChunk, grads: ReadonlyMap<string, GradientSource>): Binding {
    const gradOf = (name: string) => {
      const g = grads.get(name);
      if (!g || !('dense' in g)) throw new Error(`no dense gradient for ${name}`);
      return g.dense;
    };
    if (chunk.entries.length === 1) return whole(gradOf(chunk.entries[0]!.name), chunk.size);
    for (const e of chunk.entries) encoder.copyBufferToBuffer(gradOf(e.name), 0, this.scratchGrads!, bytes(e.offset), bytes(e.size));
    return whole(this.scratchGrads!, chunk.size);
  }

  /**
   * A sparse table's gradient as one summed row per distinct id and the row → segment map.
   * The ids' segments are computed and uploaded once per set of ids.
   */
  private sumRows(encoder: GPUCommandEncoder, c: number, chunk: ParamChunk, grads: ReadonlyMap<string, GradientSource>): { sums: Binding; slot: Binding } {
    const name = chunk.entries[0]!.name;
    const source = grads.get(name);
    if (!source || !('rows' in source)) throw new Error(`no row gradient for ${name}`);
    const buffers = this.rowBuffers.get(name)!;
    if (buffers.ids !== source.ids) this.uploadSegments(name, buffers, source.ids);
    const { width, segments } = buffers;
    const sums = whole(buffers.rowSums, segments * width);
    const slot = whole(buffers.rowSlot, buffers.rows);
    if (buffers.summedFrom === source) return { sums, slot };
    const uniform = this.writeUniform(c, 'sumRows', new Uint32Array([segments, width]));
    this.dispatch(
      encoder,
      this.pipelines.sumRows,
      [uniform, whole(source.rows, source.ids.length * width), whole(buffers.order, source.ids.length), whole(buffers.starts, segments + 1), sums],
      workgroupsFor(segments * width),
    );
    buffers.summedFrom = source;
    return { sums, slot };
  }

  private uploadSegments(name: string, buffers: RowBuffers, ids: Int32Array): void {
    const tokens = ids.length;
    if (tokens > this.maxTokens) throw new Error(`${name}: ${tokens} ids in one batch, more than the ${this.maxTokens} this run was set up for`);
    const order = Uint32Array.from({ length: tokens }, (_, i) => i).sort((a, b) => ids[a]! - ids[b]! || a - b);
    const starts: number[] = [];
    const slot = new Int32Array(buffers.rows).fill(-1);
    order.forEach((token, k) => {
      const id = ids[token]!;
      if (!(id >= 0 && id < buffers.rows)) throw new Error(`${name}: id ${id} is outside the table's ${buffers.rows} rows`);
      if (k === 0 || ids[order[k - 1]!] !== id) {
        slot[id] = starts.length;
        starts.push(k);
      }
    });
    const segments = starts.length;
    starts.push(tokens);
    this.device.queue.writeBuffer(buffers.order, 0, order);
    this.device.queue.writeBuffer(buffers.starts, 0, Uint32Array.from(starts));
    this.device.queue.writeBuffer(buffers.rowSlot, 0, slot);
    buffers.ids = ids;
    buffers.segments = segments;
  }

  private paramView(encoder: GPUCommandEncoder, chunk: ParamChunk): Binding {
    if (chunk.entries.length === 1) return whole(this.paramBuffer(chunk.entries[0]!.name), chunk.size);
    for (const e of chunk.entries) encoder.copyBufferToBuffer(this.paramBuffer(e.name), 0, this.scratchParams!, bytes(e.offset), bytes(e.size));
    return whole(this.scratchParams!, chunk.size);
  }

  private dispatch(encoder: GPUCommandEncoder, pipeline: GPUComputePipeline, bindings: readonly (GPUBuffer | Binding)[], workgroups: number): void {
    const entries = bindings.map((b, binding) => ({ binding, resource: 'offset' in b ? { buffer: b.buffer, offset: b.offset, size: b.size } : { buffer: b } }));
    const bindGroup = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(workgroups);
    pass.end();
  }

  private async read(source: GPUBuffer, size: number): Promise<Float32Array> {
    const staging = this.device.createBuffer({ size, usage: usage.mapRead | usage.copyDst });
    try {
      const encoder = this.device.createCommandEncoder();
      encoder.copyBufferToBuffer(source, 0, staging, 0, size);
      this.device.queue.submit([encoder.finish()]);
      await staging.mapAsync(MAP_READ_MODE);
      return new Float32Array(staging.getMappedRange().slice(0));
    } finally {
      staging.destroy();
    }
  }
}

/** A float's bits as a u32, for a uniform block written as one Uint32Array. */
function floatBits(x: number): number {
  return new Uint32Array(Float32Array.of(x).buffer)[0]!;
}
