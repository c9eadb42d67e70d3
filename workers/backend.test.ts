import { describe, expect, it } from 'vitest';
import { describeDeviceLoss, describeWasmThreads, wasmThreadCount } from './backend.ts';

describe('wasmThreadCount', () => {
  it('asks for one thread per core, 2 to 4, where the page is cross-origin isolated', () => {
    expect([1, 2, 3, 4, 8, 32].map((cores) => wasmThreadCount(true, cores))).toEqual([1, 2, 3, 4, 4, 4]);
  });

  it('asks for one without isolation: there is no SharedArrayBuffer for a pool', () => {
    expect(wasmThreadCount(false, 8)).toBe(1);
  });
});

describe('describeWasmThreads', () => {
  it('gives the count, and why there is only one', () => {
    expect(describeWasmThreads(2, { crossOriginIsolated: true, isSecureContext: true })).toBe('2 CPU threads');
    expect(describeWasmThreads(1, { crossOriginIsolated: false, isSecureContext: true })).toBe('1 CPU thread (the page is not cross-origin isolated, so no threads)');
    expect(describeWasmThreads(1, { crossOriginIsolated: false, isSecureContext: false })).toMatch(/^1 CPU thread \(opened over plain http from another computer: browsers allow threads only on https pages and localhost\)$/);
  });
});

describe('describeDeviceLoss', () => {
  it("gives the browser's words once, without a trailing full stop", () => {
    expect(describeDeviceLoss({ reason: 'destroyed', message: 'Device was destroyed.' })).toBe('Device was destroyed');
    expect(describeDeviceLoss({ reason: 'unknown', message: 'The GPU process crashed.' })).toBe('The GPU process crashed');
    expect(describeDeviceLoss({ reason: 'destroyed', message: 'Lost.' })).toBe('Lost; reason: destroyed');
    expect(describeDeviceLoss({})).toBe('the browser gave no details');
  });
});
