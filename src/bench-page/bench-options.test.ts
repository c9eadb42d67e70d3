import { describe, expect, it } from 'vitest';
import { benchRequests, defaultBenchOptions, parseBenchOptions } from './bench-options.ts';

describe('benchmark page options from the address', () => {
  it('gives the defaults for a bare address', () => {
    expect(parseBenchOptions('')).toEqual({ ok: true, options: defaultBenchOptions });
  });

  it('reads presets, backends, method, sizes and auto', () => {
    const parsed = parseBenchOptions('?presets=mini,base&backends=webgpu&method=lora&batch=8&seq=64&steps=2&warmup=0&auto');
    expect(parsed).toEqual({ ok: true, options: { presets: ['mini', 'base'], backends: ['webgpu'], method: 'lora', batch: 8, seq: 64, steps: 2, warmup: 0, auto: true } });
  });

  it('refuses an unknown preset or backend by name', () => {
    expect(parseBenchOptions('?presets=tiny,huge')).toEqual({ ok: false, error: 'unknown preset "huge"; use tiny, mini, small, base' });
    expect(parseBenchOptions('?backends=cuda')).toEqual({ ok: false, error: 'unknown backend "cuda"; use webgpu, wasm' });
    expect(parseBenchOptions('?method=qlora')).toEqual({ ok: false, error: 'unknown method "qlora"; use full, lora' });
    expect(parseBenchOptions('?presets=')).toEqual({ ok: false, error: 'presets is empty; use one or more of tiny, mini, small, base' });
  });

  it('refuses sizes that are not whole numbers in range', () => {
    expect(parseBenchOptions('?batch=0')).toEqual({ ok: false, error: 'batch must be a whole number from 1 to 512, not "0"' });
    expect(parseBenchOptions('?steps=2.5')).toEqual({ ok: false, error: 'steps must be a whole number from 1 to 100, not "2.5"' });
  });

  it('measures each preset on each backend, in that order, all with the method asked for', () => {
    const options = { ...defaultBenchOptions, presets: ['tiny', 'mini'], backends: ['webgpu', 'wasm'] as const, method: 'lora' as const };
    expect(benchRequests(options).map((r) => `${r.preset}/${r.backend}/${r.method}`)).toEqual(['tiny/webgpu/lora', 'tiny/wasm/lora', 'mini/webgpu/lora', 'mini/wasm/lora']);
  });
});
