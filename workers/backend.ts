/**
 * Picks where training runs: WebGPU through onnxruntime-web's native WebGPU EP (the
 * `onnxruntime-web/webgpu` bundle; its JSEP sibling gives wrong results for some ops, see
 * ARCHITECTURE.md), else WASM, and says why in words a teacher can read out.
 */
/// <reference lib="webworker" />
import webgpuWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import plainWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import type { GpuLimits } from '../src/engine/memory/gpu-fit.ts';
import type { Backend, OrtModule } from '../src/engine/runtime.ts';
import type { BackendChoice, BackendInfo } from './protocol.ts';

interface GpuAdapterLike {
  readonly limits?: GpuLimits;
  readonly info?: { readonly vendor?: string; readonly architecture?: string; readonly description?: string; readonly isFallbackAdapter?: boolean };
  readonly isFallbackAdapter?: boolean;
}

interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<GpuAdapterLike | null>;
}

export interface ChosenBackend {
  readonly backend: Backend;
  /** Read it once the backend's first session exists: on WASM it then holds the thread count onnxruntime-web settled on. */
  readonly info: BackendInfo;
  /**
   * On WebGPU, once a session exists: resolves, with the browser's reason in words, when the GPU
   * device onnxruntime computes on is lost (a driver reset, a crashed GPU process, device.destroy()).
   */
  readonly deviceLost?: () => Promise<string>;
  /** On WebGPU: the adapter's buffer limits, which onnxruntime asks its device for; runs are checked against them before they start. */
  readonly gpuLimits?: GpuLimits;
}

/** What a GPUDevice's `lost` promise gives. */
interface DeviceLossInfo {
  readonly reason?: string;
  readonly message?: string;
}

/** What onnxruntime's env.webgpu.device resolves to, as far as this file needs it. */
interface LosableDevice {
  readonly lost: Promise<DeviceLossInfo>;
}

/** The browser's words for a lost device, without its final full stop or a reason it already gives. */
export function describeDeviceLoss({ reason, message }: DeviceLossInfo): string {
  const said = message?.trim().replace(/\.$/, '') || 'the browser gave no details';
  return reason && reason !== 'unknown' && !said.toLowerCase().includes(reason) ? `${said}; reason: ${reason}` : said;
}

/** Names the adapter as people know it: "nvidia ampere", or SwiftShader's software fallback. */
export function describeAdapter(adapter: GpuAdapterLike): string {
  const info = adapter.info ?? {};
  const name = [info.vendor, info.architecture].filter((part) => part !== undefined && part !== '').join(' ') || 'unnamed GPU';
  const fallback = info.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false;
  const detail = info.description ? ` (${info.description})` : '';
  return fallback ? `${name}${detail}, a software fallback adapter: slow, but correct` : `${name}${detail}`;
}

async function webgpuAdapter(): Promise<{ adapter: GpuAdapterLike } | { reason: string }> {
  const gpu = (self.navigator as unknown as { gpu?: GpuLike }).gpu;
  if (!gpu && !self.isSecureContext) return { reason: 'browsers offer WebGPU only to https pages and localhost, and this page came over plain http from another computer' };
  if (!gpu) return { reason: 'this browser does not offer WebGPU (Chrome and Edge 113+ do; Firefox and Safari only in recent versions)' };
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    return adapter ? { adapter } : { reason: 'the browser offers WebGPU but found no usable graphics adapter' };
  } catch (error) {
    return { reason: `asking for a WebGPU adapter failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

export async function webgpuBackend(): Promise<ChosenBackend | { reason: string }> {
  const found = await webgpuAdapter();
  if ('reason' in found) return found;
  const ort = await import('onnxruntime-web/webgpu');
  ort.env.wasm.wasmPaths = { wasm: new URL(webgpuWasmUrl, self.location.href).href };
  return {
    backend: { name: 'webgpu', ort: ort as unknown as OrtModule, description: `WebGPU on ${describeAdapter(found.adapter)}` },
    info: { name: 'webgpu', description: describeAdapter(found.adapter), fallbackReason: null },
    ...(found.adapter.limits
      ? { gpuLimits: { maxBufferSize: found.adapter.limits.maxBufferSize, maxStorageBufferBindingSize: found.adapter.limits.maxStorageBufferBindingSize } }
      : {}),
    deviceLost: async () => {
      const device = (await ort.env.webgpu.device) as unknown as LosableDevice;
      return describeDeviceLoss(await device.lost);
    },
  };
}

/**
 * One thread per core up to 4, as the CLI runs onnxruntime-web: on 2 cores, 2 threads cut a
 * training step's time by 35-47% against 1 (bench/README.md), and past 4 its small kernels stop
 * scaling. The page's own work while a model trains is light. Threads need a cross-origin
 * isolated page (COOP/COEP from the host, or from the isolation service worker).
 */
export function wasmThreadCount(crossOriginIsolated: boolean, cores: number): number {
  return crossOriginIsolated ? Math.max(1, Math.min(4, cores)) : 1;
}

/** For people: the thread count, and why there is only one where the page is not isolated. */
export function describeWasmThreads(threads: number, scope: { crossOriginIsolated: boolean; isSecureContext: boolean }): string {
  const count = `${threads} CPU thread${threads === 1 ? '' : 's'}`;
  if (scope.crossOriginIsolated) return count;
  if (!scope.isSecureContext) return `${count} (opened over plain http from another computer: browsers allow threads only on https pages and localhost)`;
  return `${count} (the page is not cross-origin isolated, so no threads)`;
}

export async function wasmBackend(reason: string | null): Promise<ChosenBackend> {
  const ort = await import('onnxruntime-web/wasm');
  ort.env.wasm.wasmPaths = { wasm: new URL(plainWasmUrl, self.location.href).href };
  ort.env.wasm.numThreads = wasmThreadCount(self.crossOriginIsolated, self.navigator.hardwareConcurrency || 1);
  return {
    backend: { name: 'wasm', ort: ort as unknown as OrtModule },
    // Read when asked, after the first session: onnxruntime-web settles the count as it starts
    // (1 where threads cannot run) and writes it back here; that is the count its pool has.
    get info(): BackendInfo {
      return { name: 'wasm', description: describeWasmThreads(ort.env.wasm.numThreads ?? 1, self), fallbackReason: reason };
    },
  };
}

export async function chooseBackend(choice: BackendChoice): Promise<ChosenBackend> {
  if (choice === 'wasm') return wasmBackend(null);
  const webgpu = await webgpuBackend();
  if ('backend' in webgpu) return webgpu;
  return wasmBackend(choice === 'webgpu' ? `WebGPU was asked for, but ${webgpu.reason}` : `WebGPU is not available: ${webgpu.reason}`);
}
