/**
 * Every request to the Hub (model files, dataset files) goes through hubFetch: a server that
 * accepts the connection and never answers, or stops sending halfway, fails after a timeout with
 * a message naming the host instead of leaving the studio or the CLI waiting forever; a 5xx
 * answer is tried again after a growing pause, as huggingface_hub does for its downloads.
 */
import { HubError } from './hub-error.ts';

export interface HubHttpPolicy {
  /** Milliseconds to wait for the server's answer (its status and headers) to one request. */
  readonly connectTimeoutMs: number;
  /** Milliseconds the body may go without a byte before the download is given up. */
  readonly idleTimeoutMs: number;
  /** Further tries after a 5xx answer; 0 for none. */
  readonly retries: number;
  /** The pause before the first retry; each further one waits twice as long. */
  readonly retryDelayMs: number;
}

export const defaultHubHttpPolicy: HubHttpPolicy = { connectTimeoutMs: 30_000, idleTimeoutMs: 30_000, retries: 3, retryDelayMs: 1_000 };

export interface HubFetchOptions {
  readonly fetch: typeof fetch;
  readonly policy: HubHttpPolicy;
  /** Aborting rejects with the signal's reason, unchanged, and cuts a body being read. */
  readonly signal?: AbortSignal;
  /** Request headers, e.g. Range for a part of a file, Authorization for a gated dataset. */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * GETs `url`. Resolves with the answer (a 5xx too, once the retries are used up), whose body
 * errors with a HubError 'timed-out' when it stalls; rejects with a HubError 'timed-out' when no
 * answer comes in time, with the signal's reason when aborted, and as fetch does otherwise.
 */
export async function hubFetch(url: string, options: HubFetchOptions): Promise<Response> {
  const { policy, signal } = options;
  for (let attempt = 0; ; attempt += 1) {
    const response = await fetchOnce(url, options);
    if (response.status < 500 || attempt >= policy.retries) return response;
    response.body?.cancel().catch(() => undefined);
    await pause(policy.retryDelayMs * 2 ** attempt, signal);
  }
}

/** How many requests hubFetch makes at most for one URL: a 5xx after this many is final. */
export function hubTries(policy: HubHttpPolicy): number {
  return policy.retries + 1;
}

async function fetchOnce(url: string, { fetch: fetchImplementation, policy, signal, headers }: HubFetchOptions): Promise<Response> {
  signal?.throwIfAborted();
  const controller = new AbortController();
  const forwardAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', forwardAbort, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, policy.connectTimeoutMs);
  let response: Response;
  try {
    response = await fetchImplementation(url, headers === undefined ? { signal: controller.signal } : { signal: controller.signal, headers: { ...headers } });
  } catch (error) {
    signal?.removeEventListener('abort', forwardAbort);
    if (timedOut) throw noAnswer(url, policy.connectTimeoutMs);
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return withIdleTimeout(response, url, policy.idleTimeoutMs, controller, () => signal?.removeEventListener('abort', forwardAbort));
}

/** The response with a body that errors, and cuts the connection, after `idleMs` without a byte. */
function withIdleTimeout(response: Response, url: string, idleMs: number, connection: AbortController, done: () => void): Response {
  const body = response.body;
  if (body === null) {
    done();
    return response;
  }
  const reader = body.getReader();
  let received = 0;
  const timed = new ReadableStream<Uint8Array>({
    async pull(stream) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const idle = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(stalled(url, received, idleMs)), idleMs);
      });
      try {
        const chunk = await Promise.race([reader.read(), idle]);
        if (chunk.done) {
          done();
          stream.close();
          return;
        }
        received += chunk.value.length;
        stream.enqueue(chunk.value);
      } catch (error) {
        done();
        connection.abort(error);
        throw error;
      } finally {
        clearTimeout(timer);
      }
    },
    cancel(reason) {
      done();
      return reader.cancel(reason);
    },
  });
  return new Response(timed, { status: response.status, statusText: response.statusText, headers: response.headers });
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function describe(url: string): { host: string; file: string } {
  const parsed = new URL(url);
  const file = decodeURIComponent(parsed.pathname.slice(parsed.pathname.lastIndexOf('/') + 1));
  return { host: parsed.host, file: file === '' ? parsed.pathname : file };
}

const seconds = (ms: number) => `${+(ms / 1000).toFixed(1)} s`;

function noAnswer(url: string, ms: number): HubError {
  const { host, file } = describe(url);
  return new HubError('timed-out', `${host} did not answer the request for ${file} within ${seconds(ms)}: it took the connection but sent nothing back. Try again later, or load a local copy instead.`);
}

function stalled(url: string, received: number, ms: number): HubError {
  const { host, file } = describe(url);
  return new HubError('timed-out', `${host} stopped sending ${file} after ${received} bytes: nothing arrived for ${seconds(ms)}. Try again later, or load a local copy instead.`);
}
