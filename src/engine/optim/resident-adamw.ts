/**
 * AdamW on WebGPU with the training state held once. onnxruntime never writes a graph input,
 * so an ONNX optimizer would return fresh parameters and moments every step (and hold the
 * state twice). Here the parameters live in GPU buffers we own (fed to the train-step graph
 * as inputs, unchanged by it), the moments in a few flat buffers, and three small compute
 * kernels update them in place from the gradients the graph returns:
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

const WORKGROUP = 256;
/** Partial sums per chunk: enough parallelism for a large chunk, few values to read back. */
const PARTIALS_PER_CHUNK = 256;
const MAX_WORKGROUPS = 65535;

const accumulateShader = /* wgsl */ `
struct Params { n: u32, keep: f32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> acc: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let stride = groups.x * ${WORKGROUP}u;
  for (var i = id.x; i < params.n; i += stride) {
    acc[i] = acc[i] * params.keep + grad[i];
  }
}`;

const sumSquaresShader = /* wgsl */ `
struct Params { n: u32, first: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> partials: array<f32>;
var<workgroup> sums: array<f32, ${WORKGROUP}>;
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(local_invocation_id) local: vec3<u32>, @builtin(workgroup_id) group: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  var sum = 0.0;
  let stride = groups.x * ${WORKGROUP}u;
  for (var i = group.x * ${WORKGROUP}u + local.x; i < params.n; i += stride) {
    let g = grad[i];
    sum += g * g;
  }
  sums[local.x] = sum;
  workgroupBarrier();
  for (var half = ${WORKGROUP / 2}u; half > 0u; half = half / 2u) {
    if (local.x < half) {
      sums[local.x] += sums[local.x + half];
    }
    workgroupBarrier();
  }
  if (local.x == 0u) {
    partials[params.first + group.x] = sums[0];
  }
}`;

const adamwShader = /* wgsl */ `
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
}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let stride = groups.x * ${WORKGROUP}u;
  for (var i = id.x; i < params.n; i += stride) {
    let g = grad[i];
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
const STORAGE = usage.storage | usage.copySrc | usage.copyDst;
const bytes = (elements: number) => elements * 4;
const workgroupsFor = (n: number) => Math.max(1, Math.min(Math.ceil(n / WORKGROUP), MAX_WORKGROUPS));

/** The bytes ResidentAdamW allocates for `chunks` besides the parameters themselves. */
export function residentAdamWBytes(chunks: readonly ParamChunk[], gradAccumulation: number): number {
  const total = chunks.reduce((n, c) => n + c.size, 0);
  const scratch = Math.max(0, ...chunks.filter((c) => c.entries.length > 1).map((c) => c.size));
  const accumulation = gradAccumulation > 1 ? total : 0;
  // m and v, two scratch buffers, the accumulated gradients; uniforms and partial sums are a few KB.
  return bytes(2 * total + 2 * scratch + accumulation);
}

export class ResidentAdamW {
  private readonly params = new Map<string, GPUBuffer>();
  private readonly m: GPUBuffer[];
  private readonly v: GPUBuffer[];
  private readonly acc: GPUBuffer[] | null;
  private readonly scratchParams: GPUBuffer | null;
  private readonly scratchGrads: GPUBuffer | null;
  private readonly partials: GPUBuffer;
  private readonly partialsReadback: GPUBuffer;
  private readonly uniforms: GPUBuffer[];
  private readonly pipelines: { accumulate: GPUComputePipeline; sumSquares: GPUComputePipeline; adamw: GPUComputePipeline };
  private readonly shapes: ReadonlyMap<string, readonly number[]>;

  constructor(
    private readonly device: GPUDevice,
    private readonly chunks: readonly ParamChunk[],
    private readonly hyper: AdamWHyper,
    params: readonly ResidentParam[],
    moments: ResidentMoments | null,
    gradAccumulation: number,
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
    const gathered = chunks.filter((c) => c.entries.length > 1);
    const scratchSize = Math.max(0, ...gathered.map((c) => c.size));
    this.scratchParams = scratchSize > 0 ? device.createBuffer({ label: 'adamw.scratch.params', size: bytes(scratchSize), usage: STORAGE }) : null;
    this.scratchGrads = scratchSize > 0 ? device.createBuffer({ label: 'adamw.scratch.grads', size: bytes(scratchSize), usage: STORAGE }) : null;
    const partialBytes = bytes(PARTIALS_PER_CHUNK * chunks.length);
    this.partials = device.createBuffer({ label: 'adamw.partials', size: partialBytes, usage: STORAGE });
    this.partialsReadback = device.createBuffer({ label: 'adamw.partials.readback', size: partialBytes, usage: usage.mapRead | usage.copyDst });
    // One uniform block per chunk and kernel: 9 words for adamw, padded to 48 bytes.
    this.uniforms = chunks.flatMap((_, i) =>
      ['accumulate', 'sumSquares', 'adamw'].map((k) => device.createBuffer({ label: `adamw.uniforms.${k}.chunk${i}`, size: 48, usage: usage.uniform | usage.copyDst })),
    );
    const pipeline = (code: string, label: string) =>
      device.createComputePipeline({ label, layout: 'auto', compute: { module: device.createShaderModule({ label, code }), entryPoint: 'main' } });
    this.pipelines = {
      accumulate: pipeline(accumulateShader, 'adamw.accumulate'),
      sumSquares: pipeline(sumSquaresShader, 'adamw.sum_squares'),
      adamw: pipeline(adamwShader, 'adamw.update'),
    };
  }

  /** The parameter's buffer: the train-step graph reads it, the update writes it in place. */
  paramBuffer(name: string): GPUBuffer {
    const buffer = this.params.get(name);
    if (!buffer) throw new Error(`no resident parameter ${name}`);
    return buffer;
  }

  get paramNames(): readonly string[] {
    return [...this.params.keys()];
  }

  /** Adds one micro-batch's gradients to the running sum (`fresh` starts a new sum). */
  accumulate(grads: ReadonlyMap<string, GPUBuffer>, fresh: boolean): void {
    if (!this.acc) throw new Error('accumulate: this optimizer was made without gradient accumulation');
    const encoder = this.device.createCommandEncoder({ label: 'adamw.accumulate' });
    this.chunks.forEach((chunk, c) => {
      const uniform = this.uniform(c, 'accumulate');
      this.device.queue.writeBuffer(uniform, 0, new Uint32Array([chunk.size, floatBits(fresh ? 0 : 1)]));
      const grad = this.gatheredGrads(encoder, chunk, grads);
      this.dispatch(encoder, this.pipelines.accumulate, [uniform, { buffer: this.acc![c]!, offset: 0, size: bytes(chunk.size) }, grad], workgroupsFor(chunk.size));
    });
    this.device.queue.submit([encoder.finish()]);
  }

  /**
   * Σ g² over every gradient value, in float64 from per-workgroup float32 partial sums: of
   * `grads`, or of the accumulated sum when `grads` is null.
   */
  async gradientSquaredNorm(grads: ReadonlyMap<string, GPUBuffer> | null): Promise<number> {
    const encoder = this.device.createCommandEncoder({ label: 'adamw.sum_squares' });
    this.chunks.forEach((chunk, c) => {
      const uniform = this.uniform(c, 'sumSquares');
      this.device.queue.writeBuffer(uniform, 0, new Uint32Array([chunk.size, c * PARTIALS_PER_CHUNK]));
      const grad = this.gradSource(encoder, chunk, c, grads);
      this.dispatch(encoder, this.pipelines.sumSquares, [uniform, grad, { buffer: this.partials, offset: 0, size: this.partials.size }], PARTIALS_PER_CHUNK);
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
  step(grads: ReadonlyMap<string, GPUBuffer> | null, s: ResidentAdamWStep): void {
    const { beta1, beta2, epsilon } = this.hyper;
    const encoder = this.device.createCommandEncoder({ label: 'adamw.update' });
    this.chunks.forEach((chunk, c) => {
      const uniform = this.uniform(c, 'adamw');
      const decay = chunk.decay && this.hyper.weightDecay !== 0 ? s.decayFactor : 1;
      const words = new ArrayBuffer(48);
      new Uint32Array(words, 0, 1)[0] = chunk.size;
      new Float32Array(words, 4, 8).set([beta1, beta2, s.gradScale * (1 - beta1), s.gradScale * s.gradScale * (1 - beta2), s.biasCorrection2Sqrt, epsilon, s.stepSize, decay]);
      this.device.queue.writeBuffer(uniform, 0, words);
      const grad = this.gradSource(encoder, chunk, c, grads);
      const param = this.paramView(encoder, chunk);
      const whole = (buffer: GPUBuffer): Binding => ({ buffer, offset: 0, size: bytes(chunk.size) });
      this.dispatch(encoder, this.pipelines.adamw, [uniform, param, grad, whole(this.m[c]!), whole(this.v[c]!)], workgroupsFor(chunk.size));
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
    const buffers = [
      ...this.params.values(),
      ...this.m,
      ...this.v,
      ...(this.acc ?? []),
      ...(this.scratchParams ? [this.scratchParams] : []),
      ...(this.scratchGrads ? [this.scratchGrads] : []),
      this.partials,
      this.partialsReadback,
      ...this.uniforms,
    ];
    for (const b of buffers) b.destroy();
  }

  private upload(data: Float32Array, label: string): GPUBuffer {
    const buffer = this.device.createBuffer({ label, size: bytes(data.length), usage: STORAGE, mappedAtCreation: true });
    new Float32Array(buffer.getMappedRange()).set(data);
    buffer.unmap();
    return buffer;
  }

  private uniform(chunk: number, kernel: 'accumulate' | 'sumSquares' | 'adamw'): GPUBuffer {
    return this.uniforms[chunk * 3 + ['accumulate', 'sumSquares', 'adamw'].indexOf(kernel)]!;
  }

  /** The chunk's gradients as one binding: the accumulated sum, the one gradient itself, or a gathered copy. */
  private gradSource(encoder: GPUCommandEncoder, chunk: ParamChunk, c: number, grads: ReadonlyMap<string, GPUBuffer> | null): Binding {
    if (grads) return this.gatheredGrads(encoder, chunk, grads);
    if (!this.acc) throw new Error('the optimizer has no accumulated gradients to read');
    return { buffer: this.acc[c]!, offset: 0, size: bytes(chunk.size) };
  }

  private gatheredGrads(encoder: GPUCommandEncoder, chunk: ParamChunk, grads: ReadonlyMap<string, GPUBuffer>): Binding {
    const gradOf = (name: string) => {
      const g = grads.get(name);
      if (!g) throw new Error(`no gradient for ${name}`);
      return g;
    };
    if (chunk.entries.length === 1) return { buffer: gradOf(chunk.entries[0]!.name), offset: 0, size: bytes(chunk.size) };
    for (const e of chunk.entries) encoder.copyBufferToBuffer(gradOf(e.name), 0, this.scratchGrads!, bytes(e.offset), bytes(e.size));
    return { buffer: this.scratchGrads!, offset: 0, size: bytes(chunk.size) };
  }

  private paramView(encoder: GPUCommandEncoder, chunk: ParamChunk): Binding {
    if (chunk.entries.length === 1) return { buffer: this.paramBuffer(chunk.entries[0]!.name), offset: 0, size: bytes(chunk.size) };
    for (const e of chunk.entries) encoder.copyBufferToBuffer(this.paramBuffer(e.name), 0, this.scratchParams!, bytes(e.offset), bytes(e.size));
    return { buffer: this.scratchParams!, offset: 0, size: bytes(chunk.size) };
  }

  private dispatch(encoder: GPUCommandEncoder, pipeline: GPUComputePipeline, bindings: readonly (GPUBuffer | Binding)[], workgroups: number): void {
    const entries = bindings.map((b, binding) => ({ binding, resource: 'buffer' in b ? { buffer: b.buffer, offset: b.offset, size: b.size } : { buffer: b } }));
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
