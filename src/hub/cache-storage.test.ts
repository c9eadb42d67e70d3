import { afterEach, describe, expect, it, vi } from 'vitest';
import { startHubServer } from '../../e2e/support/hub-server.ts';
import { cacheStorageFileCache } from './cache-storage.ts';
import { fetchModelFiles } from './hub-client.ts';

/** The part of the browser's CacheStorage the file cache uses, in memory. */
class MemoryCacheStorage {
  readonly stores = new Map<string, Map<string, Response>>();

  async open(name: string) {
    const store = this.stores.get(name) ?? new Map<string, Response>();
    this.stores.set(name, store);
    return {
      match: async (url: string) => store.get(url)?.clone(),
      put: async (url: string, response: Response) => {
        // Cache Storage keeps the body; the caller's Response is consumed.
        store.set(url, new Response(await response.arrayBuffer()));
      },
    };
  }
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('cacheStorageFileCache', () => {
  it('keeps files by URL in the named cache', async () => {
    const storage = new MemoryCacheStorage();
    vi.stubGlobal('caches', storage);
    const cache = cacheStorageFileCache();
    const url = 'https://huggingface.co/org/model/resolve/main/config.json';

    expect(await cache.get(url)).toBeNull();
    await cache.put(url, new Uint8Array([1, 2, 3]));
    expect(await cache.get(url)).toEqual(new Uint8Array([1, 2, 3]));
    expect([...storage.stores.keys()]).toEqual(['finetune-studio-models']);

    const other = cacheStorageFileCache('other-models');
    expect(await other.get(url)).toBeNull();
  });

  it('stores only the bytes of a view, and views of shared memory too', async () => {
    vi.stubGlobal('caches', new MemoryCacheStorage());
    const cache = cacheStorageFileCache();
    const whole = new Uint8Array([9, 1, 2, 9]);
    await cache.put('https://h/a', whole.subarray(1, 3));
    expect(await cache.get('https://h/a')).toEqual(new Uint8Array([1, 2]));

    const shared = new Uint8Array(new SharedArrayBuffer(2));
    shared.set([4, 5]);
    await cache.put('https://h/b', shared);
    expect(await cache.get('https://h/b')).toEqual(new Uint8Array([4, 5]));
  });

  it('says why it cannot work where there is no Cache Storage', () => {
    vi.stubGlobal('caches', undefined);
    expect(() => cacheStorageFileCache()).toThrow(
      'Cache Storage is not available here (browsers offer it only on https:// or localhost pages), so downloaded models cannot be kept between loads.',
    );
  });

  it('lets a model load the second time without a request', async () => {
    vi.stubGlobal('caches', new MemoryCacheStorage());
    const server = await startHubServer({ repos: { 'org/m': { 'config.json': '{}', 'model.safetensors': 'weights', 'vocab.txt': 'v' } } });
    try {
      const cache = cacheStorageFileCache();
      await fetchModelFiles('org/m', { endpoint: server.url, cache });
      const requests = server.requests.length;
      const again = await fetchModelFiles('org/m', { endpoint: server.url, cache });
      expect(server.requests.length).toBe(requests);
      expect(new TextDecoder().decode(again.files.get('model.safetensors'))).toBe('weights');
    } finally {
      await server.close();
    }
  });
});
