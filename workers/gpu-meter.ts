/**
 * Counts what a WebGPU step pays for, from inside the context that runs onnxruntime: compute
 * dispatches (each `dispatchWorkgroups*` call) and the bytes of live GPU buffers (every
 * `createBuffer` minus every `destroy`), with their peak. It wraps the WebGPU prototypes once,
 * before onnxruntime creates its device, so every buffer and kernel launch is seen, the
 * runtime's own included. Nothing is timed: counts and bytes are the same on SwiftShader and
 * on a real GPU.
 */
/// <reference lib="webworker" />

export interface GpuMeterReading {
  /** Compute dispatches since the meter was installed. */
  readonly dispatches: number;
  /** Bytes of buffers created and not yet destroyed. */
  readonly liveBytes: number;
  /** The largest liveBytes since installation or the last resetPeak(). */
  readonly peakBytes: number;
  /** Buffers created and not yet destroyed. */
  readonly liveBuffers: number;
  /** Buffers created since the meter was installed, and their bytes. */
  readonly buffersCreated: number;
  readonly bytesCreated: number;
}

export interface GpuMeter {
  read(): GpuMeterReading;
  /** Starts a new peak from the bytes live now. */
  resetPeak(): void;
}

interface MeteredPrototypes {
  readonly computePass: { dispatchWorkgroups: (...args: unknown[]) => void; dispatchWorkgroupsIndirect: (...args: unknown[]) => void };
  readonly device: { createBuffer: (descriptor: { size: number }) => object };
  readonly buffer: { destroy: () => void };
}

function webgpuPrototypes(scope: typeof globalThis): MeteredPrototypes | null {
  const globals = scope as unknown as Record<string, { prototype?: unknown } | undefined>;
  const computePass = globals.GPUComputePassEncoder?.prototype;
  const device = globals.GPUDevice?.prototype;
  const buffer = globals.GPUBuffer?.prototype;
  if (!computePass || !device || !buffer) return null;
  return { computePass, device, buffer } as MeteredPrototypes;
}

let installed: GpuMeter | null = null;

/** Installs the meter in this context (idempotent); null where the context has no WebGPU. */
export function installGpuMeter(scope: typeof globalThis = globalThis): GpuMeter | null {
  if (installed) return installed;
  const prototypes = webgpuPrototypes(scope);
  if (!prototypes) return null;
  let dispatches = 0;
  let liveBytes = 0;
  let peakBytes = 0;
  // Sizes by buffer, so a buffer destroyed twice (allowed by WebGPU) or never seen is not subtracted.
  const sizes = new WeakMap<object, number>();
  let liveBuffers = 0;
  let buffersCreated = 0;
  let bytesCreated = 0;

  const { computePass, device, buffer } = prototypes;
  const dispatch = computePass.dispatchWorkgroups;
  const dispatchIndirect = computePass.dispatchWorkgroupsIndirect;
  computePass.dispatchWorkgroups = function (this: unknown, ...args: unknown[]) {
    dispatches++;
    return dispatch.apply(this, args);
  };
  computePass.dispatchWorkgroupsIndirect = function (this: unknown, ...args: unknown[]) {
    dispatches++;
    return dispatchIndirect.apply(this, args);
  };
  const createBuffer = device.createBuffer;
  device.createBuffer = function (this: unknown, descriptor: { size: number }) {
    const created = createBuffer.call(this, descriptor);
    sizes.set(created, descriptor.size);
    liveBytes += descriptor.size;
    liveBuffers++;
    buffersCreated++;
    bytesCreated += descriptor.size;
    peakBytes = Math.max(peakBytes, liveBytes);
    return created;
  };
  const destroy = buffer.destroy;
  buffer.destroy = function (this: object) {
    const size = sizes.get(this);
    if (size !== undefined) {
      sizes.delete(this);
      liveBytes -= size;
      liveBuffers--;
    }
    return destroy.call(this);
  };
  installed = {
    read: () => ({ dispatches, liveBytes, peakBytes, liveBuffers, buffersCreated, bytesCreated }),
    resetPeak: () => {
      peakBytes = liveBytes;
    },
  };
  return installed;
}
