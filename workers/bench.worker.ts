/**
 * The benchmark page's worker: one measurement (workers/step-benchmark.ts) per worker, so the GPU
 * memory it reports is this run's alone. The GPU meter is installed before onnxruntime creates
 * its device, so every dispatch and buffer is counted, the runtime's own included.
 */
/// <reference lib="webworker" />
import type { BenchReply, BenchRequest } from './bench-protocol.ts';
import { installGpuMeter } from './gpu-meter.ts';
import { measureStep } from './step-benchmark.ts';

const meter = installGpuMeter();
const reply = (message: BenchReply) => self.postMessage(message);

self.onmessage = async (event: MessageEvent<BenchRequest>) => {
  try {
    reply({ type: 'result', line: await measureStep(event.data, meter, (text) => reply({ type: 'progress', text })) });
  } catch (error) {
    reply({ type: 'failed', error: error instanceof Error ? error.message : String(error) });
  }
};
