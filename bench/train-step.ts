/**
 * Training-step benchmark: one JSON line per (backend, preset, threads) measurement, then one
 * line of ratios against PyTorch. Every measurement runs in its own child process, so its peak
 * RSS is that configuration's alone.
 *
 *   npm run bench                                   every preset and backend (~20 min on 2 cores)
 *   npm run bench -- --presets tiny,mini            a subset of presets
 *   npm run bench -- --backends ort-node-cpu,pytorch-cpu
 *   npm run bench -- --steps 5 --warmup 2           override the per-preset step counts
 *   npm run bench -- --pairs-1t none                no single-thread pairs
 *   npm run bench -- --no-wasm-base                 skip base on WASM (~2.5 min a step here; it runs
 *                                                   with the first --wasm-threads value only)
 *   npm run bench -- --backends webgpu --presets tiny,mini
 *                                                   the benchmark page (bench.html) in headless Chromium:
 *                                                   kernels_per_step, gpu_peak_mb, gpu_estimate_mb, adapter
 *   npm run bench -- --method lora --presets mini,small --backends ort-node-cpu,pytorch-cpu
 *                                                   LoRA r 8, alpha 8 on query and value (peft's defaults), in both
 *                                                   the engine and PyTorch (torch_reference.py's hand-written LoRA)
 *   npm run bench -- --method lora --backends webgpu --presets tiny,mini
 *                                                   the benchmark page with LoRA: its peak GPU memory beside LoRA's estimate
 *   npm run bench -- --presets base --static --batch 8
 *                                                   nodes_per_step and gpu_estimate_mb without running a step
 *
 * Backends:
 *   ort-node-cpu  onnxruntime-node, CPU EP, session options exactly as the trainer sets them
 *                 (intra-op threads: onnxruntime's default, one per core)
 *   ort-web-wasm  onnxruntime-web's WASM EP in Node, env.wasm.numThreads = 1 and 2 (--wasm-threads)
 *   webgpu        onnxruntime-web's WebGPU EP in Debian's headless Chromium, through bench.html (see
 *                 bench/browser-bench.ts): SwiftShader here, so its counts and memory are real and its
 *                 times are not; 1 warm-up and 1 timed step unless --steps/--warmup say otherwise
 *   pytorch-cpu   src/engine/parity/torch_reference.py bench (through bench/torch_bench.py, which
 *                 adds CPU time), torch.set_num_threads(2), /usr/bin/python3, with
 *                 OMP_WAIT_POLICY=PASSIVE and OPENBLAS_NUM_THREADS=threads (see measure())
 * Single-thread pairs (--pairs-1t, default tiny,mini,small): ort-node-cpu with intraOpNumThreads 1
 * and pytorch-cpu with 1 thread. On a busy machine these compare the work itself, where
 * multi-threaded runtimes mostly measure how they cope with the neighbours.
 *
 * The ONNX backends run the real Trainer: the train-step artifact compiled by
 * compileTrainingArtifacts, fed by Trainer.update (batch feeds, dropout seed, AdamW scalars,
 * parameters and moments from the previous step's outputs). A step's time is the wall time
 * between two consecutive 'step' events: batch padding + session.run + loss/grad-norm read-back
 * + state swap, what a user waits for.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBrowserBench } from './browser-bench.ts';
import { optimizerKernelBudget, staticStepFigures, stepBudgets } from './budgets.ts';
import { presets } from './common.ts';
import { fullFineTune } from '../src/engine/models/fine-tune-method.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..');
const childScript = path.join(here, 'step-child.ts');
/** Wraps torch_reference.py bench, adding the CPU time of the timed steps. */
const torchBench = path.join(here, 'torch_bench.py');

type Line = Record<string, unknown>;
type BackendName = 'ort-node-cpu' | 'ort-web-wasm' | 'pytorch-cpu' | 'webgpu';

interface Job {
  readonly backend: BackendName;
  readonly preset: string;
  /** null: the runtime's default (onnxruntime-node: one thread per core). */
  readonly threads: number | null;
}

interface Options {
  presets: string[];
  backends: string[];
  wasmThreads: number[];
  pairs1t: string[];
  wasmBase: boolean;
  seq: number;
  batch: number;
  steps: number | null;
  warmup: number | null;
  torchThreads: number;
  torchEnvTuned: boolean;
  timeoutS: number;
  /** Print each preset's node count and memory estimate, and run nothing. */
  staticOnly: boolean;
  /** 'lora': every backend trains LoRA r 8, alpha 8 on query and value instead of every weight. */
  method: 'full' | 'lora';
}

const allBackends: BackendName[] = ['ort-node-cpu', 'ort-web-wasm', 'pytorch-cpu', 'webgpu'];
/** What a bare `npm run bench` measures: SwiftShader's WebGPU would take hours over every preset. */
const defaultBackends: BackendName[] = ['ort-node-cpu', 'ort-web-wasm', 'pytorch-cpu'];

const usage = `usage: npm run bench -- [--presets tiny,mini,small,base] [--backends ${allBackends.join(',')}]
  [--wasm-threads 1,2] [--pairs-1t tiny,mini,small|none] [--no-wasm-base] [--steps N] [--warmup N]
  [--seq 128] [--batch 16] [--torch-threads 2] [--torch-env tuned|default] [--timeout S] [--static] [--method full|lora]`;

function parseArgs(argv: string[]): Options {
  const o: Options = {
    presets: Object.keys(presets),
    backends: defaultBackends,
    wasmThreads: [1, 2],
    pairs1t: ['tiny', 'mini', 'small'],
    wasmBase: true,
    seq: 128,
    batch: 16,
    steps: null,
    warmup: null,
    torchThreads: 2,
    torchEnvTuned: true,
    timeoutS: 900,
    staticOnly: false,
    method: 'full',
  };
  const list = (v: string) => (v === 'none' ? [] : v.split(',').map((s) => s.trim()).filter(Boolean));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const [key, inline] = arg.startsWith('--') && eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${key} needs a value`);
      return v;
    };
    const count = (min: number) => {
      const n = Number(value());
      if (!Number.isInteger(n) || n < min) throw new Error(`${key} must be a whole number ≥ ${min}`);
      return n;
    };
    switch (key) {
      case '--presets': o.presets = list(value()); break;
      case '--backends': o.backends = list(value()); break;
      case '--wasm-threads': o.wasmThreads = list(value()).map(Number); break;
      case '--pairs-1t': o.pairs1t = list(value()); break;
      case '--no-wasm-base': o.wasmBase = false; break;
      case '--static': o.staticOnly = true; break;
      case '--method': {
        const v = value();
        if (v !== 'full' && v !== 'lora') throw new Error('--method must be full or lora');
        o.method = v;
        break;
      }
      case '--seq': o.seq = count(1); break;
      case '--batch': o.batch = count(1); break;
      case '--steps': o.steps = count(1); break;
      case '--warmup': o.warmup = count(0); break;
      case '--torch-threads': o.torchThreads = count(1); break;
      case '--timeout': o.timeoutS = count(1); break;
      case '--torch-env': {
        const v = value();
        if (v !== 'tuned' && v !== 'default') throw new Error('--torch-env must be tuned or default');
        o.torchEnvTuned = v === 'tuned';
        break;
      }
      case '--help':
      case '-h':
        console.error(usage);
        process.exit(0);
      default:
        throw new Error(`unknown argument ${arg}\n${usage}`);
    }
  }
  for (const p of [...o.presets, ...o.pairs1t]) if (!presets[p]) throw new Error(`unknown preset ${p}; known: ${Object.keys(presets).join(', ')}`);
  for (const b of o.backends) if (!(allBackends as string[]).includes(b)) throw new Error(`unknown backend ${b}; known: ${allBackends.join(', ')}`);
  return o;
}

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

function runChild(command: string, args: string[], timeoutS: number, env: Record<string, string> = {}): Promise<ChildResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutS * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

function lastJsonLine(text: string): Line | null {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('{'));
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      return JSON.parse(lines[i]!) as Line;
    } catch {
      // not JSON after all; keep looking
    }
  }
  return null;
}

function tail(text: string, n = 400): string {
  const t = text.trim().replace(/\s+/g, ' ');
  return t.length > n ? `…${t.slice(-n)}` : t;
}

function stepsFor(job: Job, o: Options): { steps: number; warmup: number } {
  const p = presets[job.preset]!;
  const wasm = job.backend === 'ort-web-wasm';
  return { steps: o.steps ?? (wasm ? p.wasmSteps : p.steps), warmup: o.warmup ?? (wasm ? p.wasmWarmup : p.warmup) };
}

async function measure(job: Job, o: Options): Promise<Line> {
  const { steps, warmup } = stepsFor(job, o);
  const base: Line = { backend: job.backend, preset: job.preset, seq: o.seq, batch: o.batch, threads: job.threads ?? 'default', method: o.method };
  const load = Math.round(os.loadavg()[0]! * 10) / 10;
  let result: ChildResult;
  if (job.backend === 'pytorch-cpu') {
    // torch_reference.py bench always runs 2 untimed warm-up steps before `--steps` timed ones.
    const args = [torchBench, '--preset', job.preset, '--seq', String(o.seq), '--batch', String(o.batch), '--steps', String(steps), '--threads', String(job.threads)];
    if (o.method === 'lora') args.push('--lora-r', '8', '--lora-alpha', '8', '--lora-targets', 'query,value');
    // libgomp's default spin-waiting and OpenBLAS's own pool (2 threads whatever torch is told)
    // make PyTorch 3-10x slower on a busy 2-core machine (tiny, 2 threads: 2.65 s/step against
    // 0.29 s with a passive wait policy). These keep the baseline strong; --torch-env default
    // runs the script with the inherited environment.
    const env: Record<string, string> = o.torchEnvTuned ? { OMP_WAIT_POLICY: 'PASSIVE', OPENBLAS_NUM_THREADS: String(job.threads) } : {};
    base.env = o.torchEnvTuned ? env : 'inherited';
    result = await runChild('/usr/bin/python3', args, o.timeoutS, env);
  } else {
    const args = [childScript, '--backend', job.backend, '--preset', job.preset, '--seq', String(o.seq), '--batch', String(o.batch), '--steps', String(steps), '--warmup', String(warmup)];
    if (job.threads !== null) args.push('--threads', String(job.threads));
    args.push('--method', o.method);
    result = await runChild(process.execPath, ['--import', 'tsx', ...args], o.timeoutS);
  }
  const line = lastJsonLine(result.stdout);
  if (line && (result.code === 0 || 'error' in line)) return { ...base, ...line, threads: line.threads ?? base.threads, loadavg_at_start: load };
  const why = result.timedOut
    ? `timed out after ${o.timeoutS} s`
    : `child exited with ${result.signal ? `signal ${result.signal}` : `code ${result.code}`}${result.signal === 'SIGKILL' ? ' (likely the OOM killer)' : ''}: ${tail(result.stderr) || tail(result.stdout)}`;
  return { ...base, error: why, loadavg_at_start: load };
}

function jobsFor(o: Options): (Job | Line)[] {
  const jobs: (Job | Line)[] = [];
  for (const preset of o.presets) {
    const pair = o.pairs1t.includes(preset);
    for (const backend of o.backends) {
      if (backend === 'ort-node-cpu') {
        jobs.push({ backend, preset, threads: null });
        if (pair) jobs.push({ backend, preset, threads: 1 });
      }
      if (backend === 'ort-web-wasm') {
        if (preset === 'base') {
          // One step takes ~2.5 min here: one thread count only (the first), or none with --no-wasm-base.
          if (o.wasmBase && o.wasmThreads.length > 0) jobs.push({ backend, preset, threads: o.wasmThreads[0]! });
          else jobs.push({ backend, preset, seq: o.seq, batch: o.batch, skipped: 'skipped with --no-wasm-base (one step takes ~2.5 min here)' });
          continue;
        }
        for (const t of o.wasmThreads) jobs.push({ backend, preset, threads: t });
      }
      if (backend === 'webgpu') continue;
      if (backend === 'pytorch-cpu') {
        jobs.push({ backend, preset, threads: o.torchThreads });
        if (pair && o.torchThreads !== 1) jobs.push({ backend, preset, threads: 1 });
      }
    }
  }
  return jobs;
}

const isJob = (j: Job | Line): j is Job => typeof (j as Job).backend === 'string' && !('skipped' in j);

function ratios(lines: Line[], o: Options): Line {
  const ms = (backend: string, preset: string, threads: number | 'default') => {
    const l = lines.find((x) => x.backend === backend && x.preset === preset && !('error' in x) && !('skipped' in x) && x.threads === threads);
    return typeof l?.step_ms_median === 'number' ? l.step_ms_median : null;
  };
  const r = (a: number | null, b: number | null) => (a !== null && b !== null ? Math.round((a / b) * 100) / 100 : null);
  const out: Record<string, Record<string, number | null>> = {};
  for (const preset of o.presets) {
    const torch = ms('pytorch-cpu', preset, o.torchThreads);
    const nodeThreads = lines.find((x) => x.backend === 'ort-node-cpu' && x.preset === preset && x.threads !== 1)?.threads ?? 'default';
    const row: Record<string, number | null> = {
      [`ort-node-cpu/pytorch-${o.torchThreads}t`]: r(ms('ort-node-cpu', preset, nodeThreads as number), torch),
    };
    for (const t of o.wasmThreads) row[`wasm-${t}t/pytorch-${o.torchThreads}t`] = r(ms('ort-web-wasm', preset, t), torch);
    if (o.pairs1t.includes(preset)) {
      const torch1 = ms('pytorch-cpu', preset, 1);
      row['ort-node-1t/pytorch-1t'] = r(ms('ort-node-cpu', preset, 1), torch1);
      row['wasm-1t/pytorch-1t'] = r(ms('ort-web-wasm', preset, 1), torch1);
    }
    out[preset] = row;
  }
  return { ratios: out, goals: { 'ort-node-cpu/pytorch': '<= 1.0', 'wasm/pytorch': '<= 2.5' }, note: 'ratios of step_ms_median (wall); > 1 means slower than PyTorch' };
}

const budgetOf = (preset: string) => stepBudgets[preset as keyof typeof stepBudgets] ?? null;

/** Each preset's WebGPU train step as counted without running it. */
function staticLines(o: Options): Line[] {
  return o.presets.map((preset) => ({
    backend: 'static',
    preset,
    seq: o.seq,
    batch: o.batch,
    method: o.method,
    ...staticStepFigures(preset, o.batch, o.seq, undefined, { ...fullFineTune, kind: o.method }),
    nodes_budget: budgetOf(preset)?.nodesPerStep ?? null,
  }));
}

/** The WebGPU lines from the benchmark page, with each preset's budget beside its count. */
async function webgpuLines(o: Options): Promise<Line[]> {
  const load = Math.round(os.loadavg()[0]! * 10) / 10;
  const lines = await runBrowserBench({
    presets: o.presets,
    backends: ['webgpu'],
    method: o.method,
    batch: o.batch,
    seq: o.seq,
    steps: o.steps ?? 1,
    warmup: o.warmup ?? 1,
    timeoutMs: o.timeoutS * 1000 * o.presets.length,
    onProgress: (text) => console.error(`bench: ${text}`),
  });
  return lines.map((line) => ({
    ...line,
    kernels_budget: budgetOf(line.preset)?.kernelsPerStep ?? null,
    optimizer_kernels_budget: optimizerKernelBudget,
    nodes_budget: budgetOf(line.preset)?.nodesPerStep ?? null,
    loadavg_at_start: load,
  }));
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (o.staticOnly) {
    for (const line of staticLines(o)) console.log(JSON.stringify(line));
    return;
  }
  const jobs = jobsFor(o);
  const cpus = os.cpus();
  console.error(`bench: ${jobs.filter(isJob).length} measurements on ${cpus.length} CPUs (${cpus[0]?.model ?? 'unknown CPU'}), load average ${os.loadavg()[0]!.toFixed(1)}`);
  const started = performance.now();
  const lines: Line[] = [];
  for (const job of jobs) {
    const line = isJob(job) ? await measure(job, o) : job;
    lines.push(line);
    console.log(JSON.stringify(line));
  }
  if (o.backends.includes('webgpu')) for (const line of await webgpuLines(o)) console.log(JSON.stringify(line));
  if (jobs.length > 0) console.log(JSON.stringify(ratios(lines, o)));
  console.error(`bench: done in ${((performance.now() - started) / 60000).toFixed(1)} min`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
