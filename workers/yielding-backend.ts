/**
 * onnxruntime-web's single-threaded WASM backend computes a whole session run inside promise
 * callbacks, so a training epoch never hands the worker's event loop a turn: Pause and Stop
 * messages (and the step-batching timer) would wait for the epoch to end. Each run here first
 * waits for one macrotask, which lets queued messages in.
 */
import type { Backend, OrtModule, RuntimeSession } from '../src/engine/runtime.ts';

/**
 * The next macrotask, through a MessageChannel rather than setTimeout: browsers throttle the
 * timers of background tabs, and a run in a background tab must not slow down for it.
 */
export function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });
}

function yielding(session: RuntimeSession): RuntimeSession {
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    run: async (feeds, fetches) => {
      await nextMacrotask();
      return session.run(feeds, fetches);
    },
    release: () => session.release(),
  };
}

export function yieldingBackend(backend: Backend): Backend {
  const { ort } = backend;
  const wrapped: OrtModule = {
    ...(ort.env ? { env: ort.env } : {}),
    Tensor: ort.Tensor,
    InferenceSession: { create: async (model, options) => yielding(await ort.InferenceSession.create(model, options)) },
  };
  return { ...backend, ort: wrapped };
}
