/**
 * The slice of the onnxruntime API the engine uses. onnxruntime-node and every
 * onnxruntime-web bundle (WASM, WebGPU) satisfy it, so the trainer takes the module as a
 * parameter and never imports a backend itself.
 */
export type TensorType = 'float32' | 'int32' | 'int64' | 'bool';
export type TensorLocation = 'none' | 'cpu' | 'cpu-pinned' | 'texture' | 'gpu-buffer' | 'ml-tensor';

export interface RuntimeTensor {
  readonly dims: readonly number[];
  readonly type: string;
  readonly location: TensorLocation;
  /** CPU data; throws for tensors that live on a device. */
  readonly data: unknown;
  /** The tensor's WebGPU buffer; throws unless `location` is 'gpu-buffer'. */
  readonly gpuBuffer: GPUBuffer;
  getData(releaseData?: boolean): Promise<unknown>;
  dispose(): void;
}

export interface RuntimeSessionOptions {
  executionProviders?: readonly string[];
  preferredOutputLocation?: Record<string, 'cpu' | 'gpu-buffer'>;
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  intraOpNumThreads?: number;
  logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
}

export interface RuntimeSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /**
   * `fetches` names the outputs to compute (others are skipped); a tensor there is a
   * pre-allocated output the run writes into, null lets the runtime allocate it.
   */
  run(feeds: Record<string, RuntimeTensor>, fetches?: Record<string, RuntimeTensor | null>): Promise<Record<string, RuntimeTensor>>;
  release(): Promise<void>;
}

export interface OrtModule {
  readonly InferenceSession: {
    create(model: Uint8Array, options?: RuntimeSessionOptions): Promise<RuntimeSession>;
  };
  readonly Tensor: {
    new (type: 'float32', data: Float32Array, dims: readonly number[]): RuntimeTensor;
    new (type: 'int32', data: Int32Array, dims: readonly number[]): RuntimeTensor;
    new (type: 'int64', data: BigInt64Array, dims: readonly number[]): RuntimeTensor;
    /** onnxruntime-web only: a tensor over a WebGPU buffer the caller owns (dispose leaves it alone). */
    fromGpuBuffer?(buffer: GPUBuffer, options: { dataType: 'float32'; dims: readonly number[] }): RuntimeTensor;
  };
  /** onnxruntime-web only: the WebGPU device its sessions run on, once one was created. */
  readonly env?: { readonly webgpu?: { readonly device: Promise<GPUDevice> } };
}

/** Where the compute runs. 'cpu' is onnxruntime-node; the others are onnxruntime-web. */
export type BackendName = 'cpu' | 'wasm' | 'webgpu';

export interface Backend {
  readonly name: BackendName;
  readonly ort: OrtModule;
  /** A description for people, e.g. the WebGPU adapter or why WASM was chosen. */
  readonly description?: string;
}

/** Parameters and optimizer state stay where the backend computes: GPU buffers on WebGPU. */
export function sessionOptions(backend: Backend, residentOutputs: readonly string[]): RuntimeSessionOptions {
  const options: RuntimeSessionOptions = { executionProviders: [backend.name], graphOptimizationLevel: 'all' };
  if (backend.name === 'webgpu') {
    options.preferredOutputLocation = Object.fromEntries(residentOutputs.map((n) => [n, 'gpu-buffer' as const]));
  }
  return options;
}

export async function readFloat32(tensor: RuntimeTensor): Promise<Float32Array> {
  const data = tensor.location === 'cpu' ? tensor.data : await tensor.getData();
  if (!(data instanceof Float32Array)) throw new Error(`expected float32 data, got ${tensor.type}`);
  return data;
}
