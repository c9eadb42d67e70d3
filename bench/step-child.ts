/**
 * One benchmark measurement, run by bench/train-step.ts in a child process of its own: builds a
 * random-init BERT preset through the same path a user's run takes (startingPoint → Trainer),
 * trains `warmup + steps` updates of full-length random batches and prints one JSON line.
 *
 *   node --import tsx bench/step-child.ts --backend ort-node-cpu|ort-web-wasm --preset tiny [--threads N] [--steps N] [--warmup N]
 */
import fs from 'node:fs';
import type { Backend, OrtModule, RuntimeSessionOptions } from '../src/engine/runtime.ts';
import { Trainer } from '../src/engine/trainer.ts';
import { benchRun, presets } from './common.ts';

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : fallback;
  if (v === undefined) throw new Error(`--${name} is required`);
  return v;
}

async function backendFor(name: string, threads: number | null): Promise<Backend> {
  if (name === 'ort-node-cpu') {
    const ort = await import('onnxruntime-node');
    if (threads === null) return { name: 'cpu', ort };
    // The trainer's session options plus intraOpNumThreads: the module is the trainer's parameter.
    const create = (model: Uint8Array, options?: RuntimeSessionOptions) => ort.InferenceSession.create(model, { ...options, intraOpNumThreads: threads });
    return { name: 'cpu', ort: { Tensor: ort.Tensor, InferenceSession: { create } } as unknown as OrtModule };
  }
  if (name === 'ort-web-wasm') {
    const ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = threads ?? 1;
    return { name: 'wasm', ort };
  }
  throw new Error(`unknown backend ${name}`);
}

/** Threads actually running in this process (onnxruntime's pool, WASM pthread workers, Node's own). */
function osThreads(): number | null {
  try {
    return fs.readdirSync('/proc/self/task').length;
  } catch {
    return null;
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
const peakRssMb = () => round(process.resourceUsage().maxRSS / 1024);

async function main(): Promise<void> {
  const backendName = arg('backend');
  const preset = arg('preset');
  const seq = Number(arg('seq', '128'));
  const batch = Number(arg('batch', '16'));
  const steps = Number(arg('steps', String(presets[preset]?.steps ?? 5)));
  const warmup = Number(arg('warmup', String(presets[preset]?.warmup ?? 2)));
  const threadsArg = process.argv.includes('--threads') ? Number(arg('threads')) : null;
  const method = arg('method', 'full');
  if (method !== 'full' && method !== 'lora') throw new Error(`--method must be full or lora, got ${method}`);
  const report: Record<string, unknown> = { backend: backendName, preset, seq, batch, method };
  try {
    const backend = await backendFor(backendName, threadsArg);
    report.threads = threadsArg ?? (backendName === 'ort-node-cpu' ? 'default' : 1);
    const threadsBefore = osThreads();
    const total = warmup + steps;
    // An epoch of exactly `total` batches: no eval set, so the run ends after the last update.
    // LoRA as peft's defaults have it: r 8, alpha 8, on query and value.
    const { checkpoint, rows } = benchRun(preset, batch, seq, total, { method });
    const stamps: number[] = [];
    const cpuAt: NodeJS.CpuUsage[] = [];
    let lastLoss = NaN;
    const t0 = performance.now();
    const trainer = await Trainer.create({
      backend,
      checkpoint,
      train: rows,
      validation: [],
      onEvent: (e) => {
        if (e.type !== 'step') return;
        stamps.push(performance.now());
        cpuAt.push(process.cpuUsage());
        lastLoss = e.record.loss;
      },
    });
    const created = performance.now();
    stamps.push(created);
    cpuAt.push(process.cpuUsage());
    await trainer.train();
    // stamps[0] is the start of step 1; stamps[i] the end of step i.
    const durations = stamps.slice(1).map((t, i) => t - stamps[i]!);
    const timed = durations.slice(warmup);
    if (timed.length === 0) throw new Error('no timed steps');
    const wallMs = stamps[stamps.length - 1]! - stamps[warmup]!;
    const cpuStart = cpuAt[warmup]!;
    const cpuEnd = cpuAt[cpuAt.length - 1]!;
    const cpuMs = (cpuEnd.user - cpuStart.user + cpuEnd.system - cpuStart.system) / 1000;
    const stepMs = median(timed);
    Object.assign(report, {
      steps: timed.length,
      warmup,
      step_ms_median: round(stepMs),
      step_ms_min: round(Math.min(...timed)),
      samples_per_s: round(batch / (stepMs / 1000), 2),
      peak_rss_mb: peakRssMb(),
      first_step_ms: round(durations[0]!),
      create_ms: round(created - t0),
      cpu_ms_per_step: round(cpuMs / timed.length),
      cpu_util: round(cpuMs / wallMs, 2),
      loss: round(lastLoss, 4),
      os_threads_added: threadsBefore === null ? null : osThreads()! - threadsBefore,
    });
    await trainer.release();
  } catch (e) {
    report.error = e instanceof Error ? e.message.split('\n')[0]!.slice(0, 300) : String(e);
    report.peak_rss_mb = peakRssMb();
  }
  console.log(JSON.stringify(report));
  // onnxruntime-web's pthread workers can keep the event loop alive.
  process.exit(0);
}

await main();
