/**
 * The browser's Cache Storage as the studio's FileCache, so a model downloaded once loads again
 * without the network (and survives reloads), as transformers.js keeps its models.
 */
import type { FileCache } from './hub-client.ts';

export function cacheStorageFileCache(cacheName = 'finetune-studio-models'): FileCache {
  if (typeof caches === 'undefined') {
    throw new Error(
      'Cache Storage is not available here (browsers offer it only on https:// or localhost pages), so downloaded models cannot be kept between loads.',
    );
  }
  const opened = caches.open(cacheName);
  return {
    async get(url) {
      const response = await (await opened).match(url);
      return response === undefined ? null : new Uint8Array(await response.arrayBuffer());
    },
    async put(url, bytes) {
      await (await opened).put(url, new Response(arrayBufferBacked(bytes)));
    },
  };
}

// A Response body must not be a view of a SharedArrayBuffer (which cross-origin isolated pages
// have): such bytes are copied, others are passed as they are.
function arrayBufferBacked(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const { buffer } = bytes;
  return buffer instanceof ArrayBuffer ? new Uint8Array(buffer, bytes.byteOffset, bytes.length) : bytes.slice();
}
