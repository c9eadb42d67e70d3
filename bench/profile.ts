/**
 * Where a training step's time goes. Compiles the train-step artifact for a preset, runs it
 * as Trainer.update feeds it (outputs fed back as the next step's parameters and moments),
 * with the session options given on the command line, and prints:
 *
 *   - the wall time of session.run per step (median), and with --profile
 *   - onnxruntime's per-node profile aggregated by op type and by scope: forward, backward
 *     (`grad/…`), clipping (`clip/…`), AdamW (`adamw/…`), dropout mask making (`dropout(…)`).
 *
 *   npx tsx bench/profile.ts --preset mini --profile
 *   npx tsx bench/profile.ts --preset mini --opt-level extended --threads 2 --mode parallel
 *   npx tsx bench/profile.ts --preset mini --engine /path/to/scratch/src/engine   (a patched engine copy)
 *
 * Options: --backend ort-node-cpu|ort-web-wasm, --preset, --steps, --warmup, --opt-level
 * all|extended|basic|disabled, --threads N (intraOpNumThreads), --inter N, --mode
 * sequential|parallel, --wasm-threads N, --save-optimized file.onnx, --save-model file.onnx,
 * --method full|lora (LoRA r 8, alpha 8 on query and value, as `npm run bench -- --method lora`),
 * --top N (rows per table), --json (one JSON line instead of tables).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { presetConfigJson, presets, randomRows } from './common.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

function flag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}
function opt(name: string, fallback: string): string;
function opt(name: string): string | undefined;
function opt(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

type AnyTensor = { dims: readonly number[]; data: unknown; dispose(): void };
type AnySession = {
  inputNames: readonly string[];
  outputNames: readonly string[];
  run(feeds: Record<string, AnyTensor>): Promise<Record<string, AnyTensor>>;
  endProfiling(): void;
  release(): Promise<void>;
};

interface ProfileEvent {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string; provider?: string; node_index?: string };
}

/** Which part of the step a node belongs to, from the scope in its name. */
export function scopeOf(node: string): string {
  if (node.startsWith('adamw/')) return 'adamw';
  if (node.startsWith('clip/')) return 'clip';
  const backward = node.startsWith('grad/');
  const bare = backward ? node.slice('grad/'.length) : node;
  let part = 'other';
  if (bare.includes('dropout(') || bare.includes('dropout.coordinates')) part = 'dropout';
  else if (/\.attention\.self\b/.test(bare) || /attention\/MatMul|attention\/Softmax/.test(bare)) part = 'attention';
  else if (/\.(query|key|value|dense)\b|intermediate|\.output\b/.test(bare)) part = 'encoder';
  else if (bare.includes('embeddings')) part = 'embeddings';
  else if (bare.includes('pooler') || bare.startsWith('classifier') || bare.startsWith('first_token')) part = 'head';
  else if (bare.startsWith('loss') || /^(Equal|Cast|ReduceMax|Sub|Exp|ReduceSum|Log|Mul|Neg|Div|Unsqueeze)_\d+$/.test(bare)) part = 'loss';
  return `${backward ? 'backward' : 'forward'}:${part}`;
}

/** The step's phases, coarser than scopeOf: forward, dropout masks, backward, clip, adamw. */
export function phaseOf(node: string): string {
  const scope = scopeOf(node);
  if (scope === 'forward:dropout') return 'dropout-mask';
  return scope.split(':')[0]!;
}

const kinds: Record<string, string> = {
  MatMul: 'matmul', FusedMatMul: 'matmul', Gemm: 'matmul', FusedGemm: 'matmul',
  Transpose: 'layout', Reshape: 'layout', Unsqueeze: 'layout', Squeeze: 'layout', Expand: 'layout', Concat: 'layout', Slice: 'layout',
  ReduceSum: 'reduce', ReduceMean: 'reduce', ReduceMax: 'reduce', CumSum: 'reduce',
  Softmax: 'softmax/layernorm', LayerNormalization: 'softmax/layernorm',
  Gather: 'gather/scatter', ScatterND: 'gather/scatter',
};
/** matmul, elementwise, layout, reduce, softmax/layernorm, gather/scatter. */
export const kindOf = (opType: string) => kinds[opType] ?? 'elementwise';

interface Row {
  key: string;
  ms: number;
  count: number;
}

/**
 * Each node's fastest run: on a busy machine a kernel's wall time is its own work plus the time
 * the scheduler gave the neighbours, and the minimum over a few runs is the best estimate of
 * the work. Returns one synthetic event per node with that minimum.
 */
function fastestPerNode(events: ProfileEvent[]): ProfileEvent[] {
  const best = new Map<string, ProfileEvent>();
  for (const e of events) {
    const b = best.get(e.name);
    if (!b || e.dur < b.dur) best.set(e.name, e);
  }
  return [...best.values()];
}

function aggregate(events: ProfileEvent[], runs: number, keyOf: (e: ProfileEvent) => string): Row[] {
  const m = new Map<string, Row>();
  for (const e of events) {
    const key = keyOf(e);
    const row = m.get(key) ?? { key, ms: 0, count: 0 };
    row.ms += e.dur / 1000 / runs;
    row.count += 1 / runs;
    m.set(key, row);
  }
  return [...m.values()].sort((a, b) => b.ms - a.ms);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const r1 = (x: number) => Math.round(x * 10) / 10;

async function main(): Promise<void> {
  const backendName = opt('backend', 'ort-node-cpu');
  const preset = opt('preset', 'tiny');
  const steps = Number(opt('steps', '4'));
  const warmup = Number(opt('warmup', '2'));
  const seq = Number(opt('seq', '128'));
  const batch = Number(opt('batch', '16'));
  const profile = flag('profile');
  const engine = path.resolve(opt('engine', path.join(here, '../src/engine')));
  if (!presets[preset]) throw new Error(`unknown preset ${preset}`);

  const imp = (rel: string) => import(pathToFileURL(path.join(engine, rel)).href);
  const artifactsMod = await imp('artifacts.ts');
  const configMod = await imp('models/config.ts');
  const adamMod = await imp('optim/adamw.ts');
  const dropoutMod = await imp('models/dropout.ts');
  const { padBatch } = await imp('batching.ts');
  const { positionIdsFor } = await imp('models/positions.ts');
  const { startingPoint } = await imp('pretrained.ts');
  const { defaultSettings } = await imp('settings.ts');
  const { singleLabel } = await imp('tasks/single-label.ts');
  const methodMod = await imp('models/fine-tune-method.ts');
  const methodKind = opt('method', 'full');
  if (methodKind !== 'full' && methodKind !== 'lora') throw new Error('--method must be full or lora');

  const config = configMod.parseModelConfig({ ...presetConfigJson(preset), id2label: { 0: 'A', 1: 'B' } });
  const optimizer = { ...adamMod.trainerAdamW, weightDecay: 0.01 };
  const tCompile = performance.now();
  // LoRA as the bench runs it: r 8, alpha 8 on query and value.
  const method = { ...methodMod.fullFineTune, kind: methodKind, lora: { r: 8, alpha: 8, dropout: 0, targetModules: ['query', 'value'] } };
  const plan = methodMod.parameterPlan(config, 2, method);
  const artifacts = artifactsMod.compileTrainingArtifacts({ config, numLabels: 2, task: singleLabel, optimizer, maxGradNorm: 1, gradAccumulation: 1, update: 'in-graph', plan });
  const compileMs = performance.now() - tCompile;
  const model: Uint8Array = artifacts.trainStep;
  if (opt('save-model')) fs.writeFileSync(opt('save-model')!, model);

  const ort: any = backendName === 'ort-web-wasm' ? await import('onnxruntime-web') : await import('onnxruntime-node');
  if (backendName === 'ort-web-wasm') ort.env.wasm.numThreads = Number(opt('wasm-threads', '1'));
  const options: Record<string, unknown> = {
    executionProviders: [backendName === 'ort-web-wasm' ? 'wasm' : 'cpu'],
    graphOptimizationLevel: opt('opt-level', 'all'),
  };
  if (opt('threads')) options.intraOpNumThreads = Number(opt('threads'));
  if (opt('inter')) options.interOpNumThreads = Number(opt('inter'));
  if (opt('mode')) options.executionMode = opt('mode');
  if (flag('no-mem-pattern')) options.enableMemPattern = false;
  if (flag('no-arena')) options.enableCpuMemArena = false;
  // --config key=value: session config entries, e.g. session.intra_op.allow_spinning=0
  const configEntries: Record<string, string> = {};
  process.argv.forEach((a, i) => {
    if (a === '--config') {
      const [k, v] = process.argv[i + 1]!.split('=');
      configEntries[k!] = v!;
    }
  });
  if (Object.keys(configEntries).length > 0) {
    const extra: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(configEntries)) {
      const keys = k.split('.');
      let node = extra;
      keys.slice(0, -1).forEach((key) => (node = (node[key] ??= {}) as Record<string, unknown>));
      node[keys[keys.length - 1]!] = v;
    }
    options.extra = extra;
  }
  const overrides = opt('free-dims');
  if (overrides) options.freeDimensionOverrides = Object.fromEntries(overrides.split(',').map((kv) => [kv.split('=')[0], Number(kv.split('=')[1])]));
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-profile-'));
  if (profile) {
    options.enableProfiling = true;
    options.profileFilePrefix = path.join(profileDir, 'train_step');
  }
  if (opt('save-optimized')) options.optimizedModelFilePath = opt('save-optimized');
  const tSession = performance.now();
  const session: AnySession = await ort.InferenceSession.create(model, options);
  const sessionMs = performance.now() - tSession;

  // Initial state as a run from scratch has it.
  const settings = { ...defaultSettings, batchSize: batch, maxLength: seq, method: methodKind, loraR: 8, loraAlpha: 8, loraDropout: 0, loraTargets: 'query,value' };
  const { checkpoint } = startingPoint({ name: 'bench', configJson: presetConfigJson(preset), weights: new Map() }, ['A', 'B'], settings);
  const state = new Map<string, AnyTensor>();
  const trainable = artifacts.trainable as ReadonlySet<string>;
  for (const p of artifacts.params as { name: string; shape: number[] }[]) {
    const data = checkpoint.params.get(p.name) as Float32Array;
    state.set(p.name, new ort.Tensor('float32', data, p.shape));
    if (!trainable.has(p.name)) continue;
    state.set(artifactsMod.io.m(p.name), new ort.Tensor('float32', new Float32Array(data.length), p.shape));
    state.set(artifactsMod.io.v(p.name), new ort.Tensor('float32', new Float32Array(data.length), p.shape));
  }
  const rules = { padTokenId: 0, maxLength: seq, positionIds: (ids: Int32Array, s: number) => positionIdsFor(config, ids, 1, s), target: singleLabel.target, numLabels: 2 };
  const rows = randomRows(batch, seq, 30522, 1);
  const b = padBatch(rows, rules);
  const dims = [b.size, b.seq];
  // The same arrays Predictor.batchFeeds feeds, typed as padBatch made them.
  const typed = (a: Int32Array | BigInt64Array, d: number[]) => new ort.Tensor(a instanceof BigInt64Array ? 'int64' : 'int32', a, d);
  const batchFeeds: Record<string, AnyTensor> = {
    input_ids: typed(b.inputIds, dims),
    position_ids: typed(b.positionIds, dims),
    token_type_ids: typed(b.tokenTypeIds, dims),
    attention_mask: typed(b.attentionMask, dims),
    labels: typed(b.labels, [b.size]),
  };
  const prealloc = flag('prealloc');
  // Output name → a tensor of the right shape that no input of the coming run uses.
  const spare = new Map<string, AnyTensor>();
  if (prealloc) {
    for (const [name, t] of state) spare.set(artifactsMod.io.next(name), new ort.Tensor('float32', new Float32Array((t.data as Float32Array).length), t.dims));
  }
  const runMs: number[] = [];
  const cpuMs: number[] = [];
  let loss = NaN;
  for (let step = 0; step < warmup + steps; step++) {
    const feeds: Record<string, AnyTensor> = { ...batchFeeds, dropout_seed: new ort.Tensor('float32', Float32Array.of(dropoutMod.dropoutSeedFor(42, step)), []) };
    for (const [k, v] of Object.entries(adamMod.adamWScalarValues(optimizer, step + 1, 5e-5))) feeds[k] = new ort.Tensor('float32', Float32Array.of(v as number), []);
    for (const name of session.inputNames) if (!feeds[name]) feeds[name] = state.get(name)!;
    const t = performance.now();
    const c = process.cpuUsage();
    // --prealloc: the state outputs go into tensors passed as fetches (double buffering: this
    // step writes into the buffers the step before last fed), so no output is allocated.
    let out: Record<string, AnyTensor>;
    if (prealloc) {
      const fetches: Record<string, AnyTensor | null> = {};
      for (const name of session.outputNames) fetches[name] = spare.get(name) ?? null;
      out = await (session as unknown as { run(f: unknown, o: unknown): Promise<Record<string, AnyTensor>> }).run(feeds, fetches);
    } else {
      out = await session.run(feeds);
    }
    const dt = performance.now() - t;
    const dc = process.cpuUsage(c);
    if (step >= warmup) {
      runMs.push(dt);
      cpuMs.push((dc.user + dc.system) / 1000);
    }
    loss = (out.loss!.data as Float32Array)[0]!;
    for (const [name, t2] of state) {
      const nextName = artifactsMod.io.next(name);
      const next = out[nextName];
      if (next) {
        if (prealloc) spare.set(nextName, t2);
        else t2.dispose();
        state.set(name, next);
      }
    }
  }
  const result: Record<string, unknown> = {
    backend: backendName,
    preset,
    method: methodKind,
    options: { ...options, enableProfiling: undefined, profileFilePrefix: undefined },
    engine: path.relative(process.cwd(), engine) || '.',
    model_mb: r1(model.byteLength / 2 ** 20),
    compile_ms: r1(compileMs),
    session_create_ms: r1(sessionMs),
    run_ms_median: r1(median(runMs)),
    run_ms_all: runMs.map(r1),
    cpu_ms_median: r1(median(cpuMs)),
    loadavg: os.loadavg()[0]!.toFixed(1),
    loss,
    peak_rss_mb: r1(process.resourceUsage().maxRSS / 1024),
  };
  if (profile) {
    session.endProfiling();
    await session.release();
    const file = fs.readdirSync(profileDir).find((f) => f.endsWith('.json'));
    if (!file) throw new Error(`no profile written in ${profileDir}`);
    const events = JSON.parse(fs.readFileSync(path.join(profileDir, file), 'utf8')) as ProfileEvent[];
    const runsEv = events.filter((e) => e.cat === 'Session' && e.name === 'model_run');
    const nodes = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'));
    const runs = runsEv.length;
    const nodeName = (e: ProfileEvent) => e.name.slice(0, -'_kernel_time'.length);
    const top = Number(opt('top', '25'));
    const meanKernelMs = nodes.reduce((sum, e) => sum + e.dur, 0) / 1000 / runs;
    // Tables use each node's fastest run (see fastestPerNode); --mean uses the mean over runs.
    const picked = flag('mean') ? nodes : fastestPerNode(nodes);
    const perRun = flag('mean') ? runs : 1;
    const byOp = aggregate(picked, perRun, (e) => e.args?.op_name ?? '?');
    const byScope = aggregate(picked, perRun, (e) => scopeOf(nodeName(e)));
    const byScopeOp = aggregate(picked, perRun, (e) => `${scopeOf(nodeName(e)).split(':')[0]} ${e.args?.op_name ?? '?'}`);
    const byPhaseKind = aggregate(picked, perRun, (e) => `${phaseOf(nodeName(e)).padEnd(13)} ${kindOf(e.args?.op_name ?? '?')}`);
    const byPhase = aggregate(picked, perRun, (e) => phaseOf(nodeName(e)));
    const byKind = aggregate(picked, perRun, (e) => kindOf(e.args?.op_name ?? '?'));
    const grep = opt('grep');
    const grepped = grep ? aggregate(picked.filter((e) => new RegExp(grep).test(nodeName(e))), perRun, (e) => e.args?.op_name ?? '?') : [];
    const byNode = aggregate(picked, perRun, (e) => `${nodeName(e)} [${e.args?.op_name}]`);
    const kernelMs = byOp.reduce((s, r) => s + r.ms, 0);
    const modelRunMs = runsEv.map((e) => e.dur / 1000);
    // Per timed run: JS-side run() time minus onnxruntime's own model_run time is what the
    // binding spends converting feeds and copying outputs out; model_run minus the kernels is
    // the executor's own overhead (allocation, scheduling).
    const timedRuns = modelRunMs.slice(-runMs.length);
    const bindingMs = runMs.map((t, i) => t - timedRuns[i]!);
    const executorMs = runsEv.slice(-runMs.length).map((ev) => {
      const start = (ev as unknown as { ts: number }).ts;
      const inRun = nodes.filter((e) => {
        const ts = (e as unknown as { ts: number }).ts;
        return ts >= start && ts <= start + ev.dur;
      });
      return ev.dur / 1000 - inRun.reduce((sum, e) => sum + e.dur, 0) / 1000;
    });
    Object.assign(result, {
      profiled_runs: runs,
      model_run_ms_median: r1(median(modelRunMs)),
      binding_ms_median: r1(median(bindingMs)),
      binding_ms_min: r1(Math.min(...bindingMs)),
      executor_overhead_ms_median: r1(median(executorMs)),
      executor_overhead_ms_min: r1(Math.min(...executorMs)),
      kernel_ms_mean: r1(meanKernelMs),
      kernel_ms_fastest_sum: r1(fastestPerNode(nodes).reduce((sum, e) => sum + e.dur, 0) / 1000),
      nodes_per_run: Math.round(nodes.length / runs),
    });
    if (flag('json')) {
      Object.assign(result, { by_phase: byPhase, by_kind: byKind, by_phase_kind: byPhaseKind, by_op: byOp.slice(0, top), by_scope: byScope, by_scope_op: byScopeOp.slice(0, top), by_node: byNode.slice(0, top) });
      console.log(JSON.stringify(result));
    } else {
      console.log(JSON.stringify(result));
      const table = (title: string, rows: Row[]) => {
        console.log(`\n${title} (ms per step, share of kernel time, nodes per step)`);
        for (const row of rows.slice(0, top)) console.log(`  ${r1(row.ms).toFixed(1).padStart(8)}  ${((100 * row.ms) / kernelMs).toFixed(1).padStart(5)}%  ${String(Math.round(row.count)).padStart(5)}  ${row.key}`);
      };
      table('by phase', byPhase);
      table('by kind of op', byKind);
      table('by phase and kind of op', byPhaseKind);
      if (grep) table(`nodes matching /${grep}/ by op type`, grepped);
      table('by scope', byScope);
      table('by op type', byOp);
      table('by scope and op type', byScopeOp);
      table('slowest nodes', byNode);
    }
  } else {
    console.log(JSON.stringify(result));
    await session.release();
  }
  fs.rmSync(profileDir, { recursive: true, force: true });
  process.exit(0);
}

await main();
