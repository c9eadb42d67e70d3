import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type HubServer, type HubServerOptions, startHubServer } from '../../e2e/support/hub-server.ts';
import { defaultHubHttpPolicy, type DownloadProgress, type FileCache, fetchModelFiles, HubError, resolveUrl } from './hub-client.ts';
import { type ModelFiles, ModelFilesError } from './model-files.ts';

const text = (s: string) => new TextEncoder().encode(s);
const bytesOf = (length: number, seed: number) => Uint8Array.from({ length }, (_, i) => (i * seed) & 0xff);

const TINY_BERT = {
  'config.json': '{"model_type":"bert"}',
  'model.safetensors': bytesOf(300_000, 7),
  'tokenizer.json': '{"version":"1.0"}',
  'tokenizer_config.json': '{"do_lower_case":true}',
  'vocab.txt': '[PAD]\n[UNK]\n',
  'README.md': '# not needed',
};

// Deep equality walks a large array element by element, which takes seconds.
function expectSameBytes(actual: Uint8Array | undefined, expected: Uint8Array): void {
  expect(actual !== undefined && Buffer.from(actual).equals(expected)).toBe(true);
}

function expectSameModel(actual: ModelFiles, expected: ModelFiles): void {
  expect(actual.source).toBe(expected.source);
  expect([...actual.files.keys()]).toEqual([...expected.files.keys()]);
  for (const [name, bytes] of expected.files) expectSameBytes(actual.files.get(name), bytes);
}

const servers: HubServer[] = [];
async function start(options: HubServerOptions): Promise<HubServer> {
  const server = await startHubServer(options);
  servers.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

function memoryCache(): FileCache & { entries: Map<string, Uint8Array> } {
  const entries = new Map<string, Uint8Array>();
  return {
    entries,
    get: async (url) => entries.get(url) ?? null,
    put: async (url, bytes) => {
      entries.set(url, bytes);
    },
  };
}

describe('resolveUrl', () => {
  it('builds the Hub download URL, keeping the revision one path segment', () => {
    expect(resolveUrl('https://huggingface.co', 'org/model', 'main', 'config.json')).toBe('https://huggingface.co/org/model/resolve/main/config.json');
    expect(resolveUrl('http://127.0.0.1:9/', 'bert-base-uncased', 'refs/pr/1', 'onnx/model file.onnx')).toBe(
      'http://127.0.0.1:9/bert-base-uncased/resolve/refs%2Fpr%2F1/onnx/model%20file.onnx',
    );
  });
});

describe('fetchModelFiles', () => {
  it('downloads config, weights and the tokenizer files the repo has, in that order', async () => {
    const server = await start({ repos: { 'org/tiny-bert': TINY_BERT } });
    const model = await fetchModelFiles('org/tiny-bert', { endpoint: server.url });

    expect(model.source).toBe('org/tiny-bert');
    expect([...model.files.keys()].sort()).toEqual(['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'vocab.txt']);
    expect(model.files.get('config.json')).toEqual(text(TINY_BERT['config.json']));
    expectSameBytes(model.files.get('model.safetensors'), TINY_BERT['model.safetensors']);
    expect(model.files.get('vocab.txt')).toEqual(text(TINY_BERT['vocab.txt']));
    expect(server.requests).toEqual(
      ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt', 'vocab.json', 'merges.txt'].map(
        (file) => `GET /org/tiny-bert/resolve/main/${file}`,
      ),
    );
  });

  it('asks for the revision given, and takes legacy single-name ids', async () => {
    const server = await start({ repos: { 'bert-base-uncased': TINY_BERT } });
    const model = await fetchModelFiles('bert-base-uncased', { endpoint: `${server.url}/`, revision: 'refs/pr/1' });
    expect(model.source).toBe('bert-base-uncased');
    expect(server.requests[0]).toBe('GET /bert-base-uncased/resolve/refs%2Fpr%2F1/config.json');
  });

  it('falls back to pytorch_model.bin when the repo has no model.safetensors', async () => {
    const { 'model.safetensors': _, ...classic } = TINY_BERT;
    const weights = bytesOf(5000, 3);
    const server = await start({ repos: { 'org/classic': { ...classic, 'pytorch_model.bin': weights } } });
    const model = await fetchModelFiles('org/classic', { endpoint: server.url });

    expectSameBytes(model.files.get('pytorch_model.bin'), weights);
    expect(model.files.has('model.safetensors')).toBe(false);
    expect(server.requests.slice(0, 3)).toEqual([
      'GET /org/classic/resolve/main/config.json',
      'GET /org/classic/resolve/main/model.safetensors',
      'GET /org/classic/resolve/main/pytorch_model.bin',
    ]);
  });

  it('reports progress that adds up to every file, and overall once all sizes are known', async () => {
    const server = await start({ repos: { 'org/tiny-bert': TINY_BERT } });
    const events: DownloadProgress[] = [];
    const model = await fetchModelFiles('org/tiny-bert', { endpoint: server.url, onProgress: (p) => events.push(p) });

    for (const [file, bytes] of model.files) {
      const ofFile = events.filter((event) => event.file === file);
      expect(ofFile.every((event) => event.total === bytes.length)).toBe(true);
      expect(ofFile.map((event) => event.loaded)).toEqual([...ofFile.map((event) => event.loaded)].sort((a, b) => a - b));
      expect(ofFile.at(-1)?.loaded).toBe(bytes.length);
    }
    const weightEvents = events.filter((event) => event.file === 'model.safetensors');
    expect(weightEvents.length).toBeGreaterThan(2);

    // The weights are read last, once every file has answered: overall is known from then on.
    const firstOverall = events.findIndex((event) => event.overall !== null);
    expect(events.slice(0, firstOverall).every((event) => event.file !== 'model.safetensors' || event.loaded === 0)).toBe(true);
    const overall = events.slice(firstOverall).map((event) => event.overall);
    expect(overall.every((value) => value !== null)).toBe(true);
    expect(overall).toEqual([...overall].sort((a, b) => a! - b!));
    const totalBytes = [...model.files.values()].reduce((sum, bytes) => sum + bytes.length, 0);
    const otherBytes = totalBytes - TINY_BERT['model.safetensors'].length;
    expect(overall[0]).toBeGreaterThan(otherBytes / totalBytes);
    expect(overall.at(-1)).toBe(1);
  });

  it('rejects an invalid id before any request, saying what ids look like', async () => {
    const server = await start({ repos: {} });
    const cases: [string, RegExp][] = [
      ['', /^Enter a model id, like "google-bert\/bert-base-uncased"\.$/],
      ['https://huggingface.co/org/model', /is a web address: enter the model id instead/],
      ['org/model/extra', /has more than one "\/"/],
      ['org/my model', /is not a valid model id: ids use letters, digits, "-", "_" and "."/],
      ['-org/model', /is not a valid model id/],
      ['org/model--x', /is not a valid model id/],
      ['org/model.', /is not a valid model id/],
      [`org/${'a'.repeat(97)}`, /is not a valid model id/],
    ];
    for (const [id, message] of cases) {
      const error = await rejectionOf(fetchModelFiles(id, { endpoint: server.url }));
      expect(error).toBeInstanceOf(HubError);
      expect((error as HubError).reason).toBe('invalid-repo-id');
      expect(error.message).toMatch(message);
    }
    expect(server.requests).toEqual([]);
  });

  describe('explains what went wrong', () => {
    it('a repo that does not exist', async () => {
      const server = await start({ repos: {} });
      const error = await rejectionOf(fetchModelFiles('org/missing', { endpoint: server.url }));
      expect(error).toMatchObject({ name: 'HubError', reason: 'repo-not-found' });
      expect(error.message).toBe(
        `Model "org/missing" on ${server.url} was not found. Check the id (it looks like "google-bert/bert-base-uncased"); a private or gated model needs a Hugging Face login, which the studio does not support; download the folder and load it locally.`,
      );
    });

    it('a gated repo', async () => {
      const server = await start({ repos: { 'org/gated': TINY_BERT }, failures: { 'org/gated/config.json': 401 } });
      const error = await rejectionOf(fetchModelFiles('org/gated', { endpoint: server.url }));
      expect(error).toMatchObject({ name: 'HubError', reason: 'needs-login' });
      expect(error.message).toBe(
        `Model "org/gated" on ${server.url} is gated or private: it needs a Hugging Face login, which the studio does not support; download the folder and load it locally.`,
      );
    });

    it('a server error, after trying again', async () => {
      const server = await start({ repos: { 'org/tiny-bert': TINY_BERT }, failures: { 'org/tiny-bert/model.safetensors': 500 } });
      const error = await rejectionOf(fetchModelFiles('org/tiny-bert', { endpoint: server.url, http: { ...defaultHubHttpPolicy, retryDelayMs: 1 } }));
      expect(error).toMatchObject({ name: 'HubError', reason: 'server-error' });
      expect(error.message).toBe(
        `${server.url} answered HTTP 500 Internal Server Error 4 times for model.safetensors of "org/tiny-bert": the server has a problem. Try again in a few minutes, or load a local model folder.`,
      );
      expect(server.requests.filter((r) => r.endsWith('/model.safetensors'))).toHaveLength(4);
    });

    it('a host that stops answering, for models as for every Hub request', async () => {
      const server = await start({ repos: { 'org/tiny-bert': TINY_BERT }, failures: { 'org/tiny-bert/tokenizer.json': 'hang' } });
      const http = { ...defaultHubHttpPolicy, connectTimeoutMs: 200 };
      const error = await rejectionOf(fetchModelFiles('org/tiny-bert', { endpoint: server.url, http }));
      expect(error).toMatchObject({ name: 'HubError', reason: 'timed-out' });
      expect(error.message).toContain(`${new URL(server.url).host} did not answer the request for tokenizer.json within 0.2 s`);
    });

    it('a download cut short', async () => {
      const server = await start({ repos: { 'org/tiny-bert': TINY_BERT }, failures: { 'org/tiny-bert/model.safetensors': 'drop' } });
      const error = await rejectionOf(fetchModelFiles('org/tiny-bert', { endpoint: server.url }));
      expect(error).toMatchObject({ name: 'HubError', reason: 'truncated' });
      expect(error.message).toMatch(
        new RegExp(`^The download of model\\.safetensors from ${server.url} stopped after \\d+ of 300000 bytes: the connection was interrupted\\. Try again, or load a local model folder\\.$`),
      );
    });

    it('an endpoint that cannot be reached', async () => {
      const endpoint = await closedPortUrl();
      const error = await rejectionOf(fetchModelFiles('org/tiny-bert', { endpoint }));
      expect(error).toMatchObject({ name: 'HubError', reason: 'unreachable' });
      expect(error.message).toBe(`Cannot reach ${endpoint}: you may be offline. Load a local model folder or start from scratch instead.`);
    });

    it('a repo without config.json, weights or tokenizer', async () => {
      const { 'model.safetensors': _, ...noWeights } = TINY_BERT;
      const { 'tokenizer.json': _t, 'vocab.txt': _v, ...noTokenizer } = TINY_BERT;
      const server = await start({
        repos: { 'org/no-config': { 'model.safetensors': 'w', 'vocab.txt': 'v' }, 'org/no-weights': noWeights, 'org/no-tokenizer': noTokenizer },
      });
      const where = (id: string) => `Model "${id}" on ${server.url}`;
      const noConfigError = await rejectionOf(fetchModelFiles('org/no-config', { endpoint: server.url }));
      expect(noConfigError).toBeInstanceOf(ModelFilesError);
      expect(noConfigError.message).toBe(`${where('org/no-config')} has no config.json, so it is not a Transformers model the studio can fine-tune.`);
      await expect(fetchModelFiles('org/no-weights', { endpoint: server.url })).rejects.toThrow(
        `${where('org/no-weights')} has no weights: it needs model.safetensors or pytorch_model.bin (PyTorch weights; TensorFlow, Flax and ONNX weights cannot be fine-tuned here). Found: config.json.`,
      );
      await expect(fetchModelFiles('org/no-tokenizer', { endpoint: server.url })).rejects.toThrow(
        `${where('org/no-tokenizer')} has no tokenizer: it needs tokenizer.json, vocab.txt, or vocab.json with merges.txt. Found: config.json, model.safetensors, tokenizer_config.json.`,
      );
    });

    it('a revision that does not exist, and a private repo as the Hub answers them', async () => {
      const hubAnswer = (status: number, errorCode: string) => async () => new Response('{}', { status, headers: { 'x-error-code': errorCode } });
      const revision = await rejectionOf(fetchModelFiles('org/model', { revision: 'v9', fetch: hubAnswer(404, 'RevisionNotFound') }));
      expect(revision).toMatchObject({ reason: 'revision-not-found', message: 'Model "org/model" on https://huggingface.co has no branch, tag or commit "v9".' });
      const hidden = await rejectionOf(fetchModelFiles('org/private', { fetch: hubAnswer(401, 'RepoNotFound') }));
      expect(hidden).toMatchObject({ reason: 'repo-not-found' });
    });

    it('an unexpected answer', async () => {
      const server = await start({ repos: { 'org/tiny-bert': TINY_BERT }, failures: { 'org/tiny-bert/config.json': 429 } });
      await expect(fetchModelFiles('org/tiny-bert', { endpoint: server.url })).rejects.toMatchObject({
        reason: 'unexpected-response',
        message: `${server.url} answered HTTP 429 Too Many Requests for config.json of "org/tiny-bert".`,
      });
    });
  });

  it('rejects with the abort reason when aborted mid-download', async () => {
    const server = await start({ repos: { 'org/tiny-bert': TINY_BERT } });
    const controller = new AbortController();
    const reason = new Error('cancelled by the user');
    const download = fetchModelFiles('org/tiny-bert', {
      endpoint: server.url,
      signal: controller.signal,
      onProgress: ({ file, loaded }) => {
        if (file === 'model.safetensors' && loaded > 0) controller.abort(reason);
      },
    });
    await expect(download).rejects.toBe(reason);
  });

  it("passes on what onProgress throws, not as a network problem", async () => {
    const server = await start({ repos: { 'org/tiny-bert': TINY_BERT } });
    const bug = new Error('bug in the progress bar');
    const download = fetchModelFiles('org/tiny-bert', {
      endpoint: server.url,
      onProgress: ({ loaded }) => {
        if (loaded > 0) throw bug;
      },
    });
    await expect(download).rejects.toBe(bug);
  });

  it('leaves the total unknown when the body is compressed', async () => {
    const events: DownloadProgress[] = [];
    const compressed = async () => new Response('{"a":1}', { headers: { 'content-encoding': 'gzip', 'content-length': '3' } });
    await fetchModelFiles('org/model', { fetch: compressed, onProgress: (p) => events.push(p) });
    expect(events.find((event) => event.file === 'config.json')).toMatchObject({ total: null });
  });

  describe('with a cache', () => {
    it('loads the second time without a request', async () => {
      const server = await start({ repos: { 'org/tiny-bert': TINY_BERT } });
      const cache = memoryCache();
      const first = await fetchModelFiles('org/tiny-bert', { endpoint: server.url, cache });
      const requestsAfterFirst = server.requests.length;

      const events: DownloadProgress[] = [];
      const second = await fetchModelFiles('org/tiny-bert', { endpoint: server.url, cache, onProgress: (p) => events.push(p) });
      expect(server.requests.length).toBe(requestsAfterFirst);
      expectSameModel(second, first);
      expect(events.at(-1)?.overall).toBe(1);
    });

    it('loads offline once downloaded', async () => {
      const server = await start({ repos: { 'org/tiny-bert': TINY_BERT } });
      const cache = memoryCache();
      const online = await fetchModelFiles('org/tiny-bert', { endpoint: server.url, cache });
      await server.close();
      expectSameModel(await fetchModelFiles('org/tiny-bert', { endpoint: server.url, cache }), online);
    });

    it('keeps what an interrupted download got, and fetches the rest', async () => {
      const failures: HubServerOptions['failures'] = { 'org/tiny-bert/model.safetensors': 'drop' };
      const server = await start({ repos: { 'org/tiny-bert': TINY_BERT }, failures });
      const cache = memoryCache();
      await rejectionOf(fetchModelFiles('org/tiny-bert', { endpoint: server.url, cache }));
      const url = (file: string) => resolveUrl(server.url, 'org/tiny-bert', 'main', file);
      expect([...cache.entries.keys()].sort()).toEqual(['config.json', 'tokenizer.json', 'tokenizer_config.json', 'vocab.txt'].map(url));

      delete failures['org/tiny-bert/model.safetensors'];
      server.requests.length = 0;
      const model = await fetchModelFiles('org/tiny-bert', { endpoint: server.url, cache });
      expectSameBytes(model.files.get('model.safetensors'), TINY_BERT['model.safetensors']);
      expect(server.requests).toEqual(
        ['model.safetensors', 'special_tokens_map.json', 'vocab.json', 'merges.txt'].map((file) => `GET /org/tiny-bert/resolve/main/${file}`),
      );
    });

    it('keeps revisions apart', async () => {
      const server = await start({ repos: { 'org/tiny-bert': TINY_BERT } });
      const cache = memoryCache();
      await fetchModelFiles('org/tiny-bert', { endpoint: server.url, cache });
      const before = server.requests.length;
      await fetchModelFiles('org/tiny-bert', { endpoint: server.url, cache, revision: 'v2' });
      expect(server.requests.length).toBeGreaterThan(before);
    });

    it('still succeeds when the cache cannot store', async () => {
      const server = await start({ repos: { 'org/tiny-bert': TINY_BERT } });
      const full: FileCache = {
        get: async () => null,
        put: async () => {
          throw new DOMException('quota exceeded', 'QuotaExceededError');
        },
      };
      const model = await fetchModelFiles('org/tiny-bert', { endpoint: server.url, cache: full });
      expectSameBytes(model.files.get('model.safetensors'), TINY_BERT['model.safetensors']);
    });
  });
});

// A port nothing listens on: bound, then released.
async function closedPortUrl(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
