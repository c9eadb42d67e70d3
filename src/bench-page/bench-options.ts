/**
 * The benchmark page's settings from its address (`bench.html?presets=tiny,mini&backends=webgpu&method=lora&auto`),
 * so a link, a person, or `npm run bench -- --backends webgpu` in headless Chromium asks for the
 * same runs. A wrong value is refused by name rather than replaced by a default.
 */
import type { BenchBackendName, BenchMethod, BenchRequest } from '../../workers/bench-protocol.ts';

export const benchPresets = ['tiny', 'mini', 'small', 'base'] as const;
const benchBackends: readonly BenchBackendName[] = ['webgpu', 'wasm'];
const benchMethods: readonly BenchMethod[] = ['full', 'lora'];

export interface BenchOptions {
  readonly presets: readonly string[];
  readonly backends: readonly BenchBackendName[];
  /** What every run trains: all weights, or LoRA adapters (the studio's defaults) with the head. */
  readonly method: BenchMethod;
  readonly batch: number;
  readonly seq: number;
  readonly steps: number;
  readonly warmup: number;
  /** Start at once, without a click. */
  readonly auto: boolean;
}

export const defaultBenchOptions: BenchOptions = { presets: ['tiny', 'mini'], backends: ['webgpu', 'wasm'], method: 'full', batch: 16, seq: 128, steps: 3, warmup: 1, auto: false };

export type ParsedBenchOptions = { readonly ok: true; readonly options: BenchOptions } | { readonly ok: false; readonly error: string };

function list<T extends string>(raw: string, known: readonly T[], what: string): T[] | string {
  const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) return `${what} is empty; use one or more of ${known.join(', ')}`;
  const unknown = items.find((item) => !(known as readonly string[]).includes(item));
  return unknown === undefined ? (items as T[]) : `unknown ${what.replace(/s$/, '')} "${unknown}"; use ${known.join(', ')}`;
}

function whole(raw: string, name: string, min: number, max: number): number | string {
  const n = Number(raw);
  return Number.isInteger(n) && n >= min && n <= max ? n : `${name} must be a whole number from ${min} to ${max}, not "${raw}"`;
}

export function parseBenchOptions(search: string): ParsedBenchOptions {
  const query = new URLSearchParams(search);
  const found: { -readonly [K in keyof BenchOptions]: BenchOptions[K] } = { ...defaultBenchOptions, auto: query.has('auto') };
  const presets = query.get('presets');
  if (presets !== null) {
    const parsed = list(presets, benchPresets, 'presets');
    if (typeof parsed === 'string') return { ok: false, error: parsed };
    found.presets = parsed;
  }
  const backends = query.get('backends');
  if (backends !== null) {
    const parsed = list(backends, benchBackends, 'backends');
    if (typeof parsed === 'string') return { ok: false, error: parsed };
    found.backends = parsed;
  }
  const method = query.get('method');
  if (method !== null) {
    if (!(benchMethods as readonly string[]).includes(method)) return { ok: false, error: `unknown method "${method}"; use ${benchMethods.join(', ')}` };
    found.method = method as BenchMethod;
  }
  const numbers = [
    ['batch', 1, 512],
    ['seq', 8, 512],
    ['steps', 1, 100],
    ['warmup', 0, 100],
  ] as const;
  for (const [name, min, max] of numbers) {
    const raw = query.get(name);
    if (raw === null) continue;
    const parsed = whole(raw, name, min, max);
    if (typeof parsed === 'string') return { ok: false, error: parsed };
    found[name] = parsed;
  }
  return { ok: true, options: found };
}

/** The runs in the order they are measured: each preset on each backend. */
export function benchRequests(options: BenchOptions): BenchRequest[] {
  const { method, batch, seq, steps, warmup } = options;
  return options.presets.flatMap((preset) => options.backends.map((backend) => ({ backend, preset, method, batch, seq, steps, warmup })));
}
