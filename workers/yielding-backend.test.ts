import { describe, expect, it } from 'vitest';
import type { Backend, RuntimeSession, RuntimeTensor } from '../src/engine/runtime.ts';
import { yieldingBackend } from './yielding-backend.ts';

describe('yieldingBackend', () => {
  it('runs a session only after the event loop has had a turn, so queued messages go first', async () => {
    const order: string[] = [];
    const session: RuntimeSession = {
      inputNames: ['x'],
      outputNames: ['y'],
      run: async () => {
        order.push('run');
        return {};
      },
      release: async () => undefined,
    };
    const backend: Backend = { name: 'wasm', ort: { Tensor: class {} as never, InferenceSession: { create: async () => session } } };
    const wrapped = await yieldingBackend(backend).ort.InferenceSession.create(new Uint8Array());
    expect(wrapped.inputNames).toEqual(['x']);
    const running = wrapped.run({} as Record<string, RuntimeTensor>);
    // However many microtasks pass, the run waits for the event loop's next task.
    for (let i = 0; i < 100; i++) await Promise.resolve();
    expect(order).toEqual([]);
    await running;
    expect(order).toEqual(['run']);
  });
});
