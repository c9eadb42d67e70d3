// Hub datasets by id against the local stand-in Hub, serving real rows of ../shared/data as the
// Hub serves its Parquet conversion (listing, redirects, range requests, ClassLabel metadata).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardDatasetInfo, classLabelShards } from '../../e2e/support/hub-dataset-fixture.ts';
import { type HubServer, startHubServer } from '../../e2e/support/hub-server.ts';
import type { FileCache } from './hub-client.ts';
import { HubDatasetSession } from './hub-dataset-table.ts';
import { describeConfig, listHubDataset, type OpenedShard, openShard, pickRows, readSplit } from './hub-datasets.ts';
import { HubError } from './hub-error.ts';

const sharedData = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/data');
const imdbCsv = path.join(sharedData, 'imdb/train.csv');
const emotionCsv = path.join(sharedData, 'emotion/train.csv');
const missing = existsSync(imdbCsv) && existsSync(emotionCsv) ? null : `${imdbCsv} or ${emotionCsv} is absent`;
/** dair-ai/emotion's ClassLabel order. */
const EMOTIONS = ['sadness', 'joy', 'love', 'anger', 'fear', 'surprise'];

/** Counts the bytes of every answer and records each Range header, around the real fetch. */
function countingFetch() {
  const log = { bytes: 0, ranges: [] as string[] };
  const wrapped: typeof fetch = async (input, init) => {
    const range = new Headers(init?.headers).get('range');
    if (range) log.ranges.push(range);
    const response = await fetch(input, init);
    const body = new Uint8Array(await response.arrayBuffer());
    log.bytes += body.length;
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
  return { log, fetch: wrapped };
}

function memoryCache(): FileCache & { entries: Map<string, Uint8Array> } {
  const entries = new Map<string, Uint8Array>();
  return { entries, get: async (key) => entries.get(key) ?? null, put: async (key, bytes) => void entries.set(key, bytes) };
}

const quick = { connectTimeoutMs: 5_000, idleTimeoutMs: 5_000, retries: 0, retryDelayMs: 0 };

describe.skipIf(missing !== null)(`Hub datasets by id${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let hub: HubServer;
  let trainShards: Uint8Array[];
  beforeAll(async () => {
    // 1,200 training rows in two shards of three row groups each; 200 test rows in one.
    trainShards = classLabelShards({ csvPath: imdbCsv, names: ['neg', 'pos'], rows: 1200, rowsPerShard: 600, rowGroupSize: 200 });
    const test = classLabelShards({ csvPath: imdbCsv, names: ['neg', 'pos'], rows: 200 });
    hub = await startHubServer({
      repos: {},
      datasets: {
        imdb: { files: { 'plain_text/train': trainShards, 'plain_text/test': test } },
        'someone/gated': { files: { 'default/train': test }, token: 'hf_secret' },
        // Files without the huggingface metadata: the class names are only in the card's dataset_info.
        'dair-ai/emotion': {
          files: { 'split/train': classLabelShards({ csvPath: emotionCsv, names: EMOTIONS, rows: 120, metadata: false }) },
          cardData: cardDatasetInfo('split', EMOTIONS),
        },
      },
    });
  });
  afterAll(() => hub?.close());

  const opts = () => ({ endpoint: hub.url, http: quick });

  it('lists configs and splits, with row counts and ClassLabel names from the shards’ footers', async () => {
    const listing = await listHubDataset('imdb', opts());
    expect(listing.configs.map((c) => [c.name, c.splits.map((s) => [s.name, s.urls.length])])).toEqual([['plain_text', [['train', 2], ['test', 1]]]]);
    expect(listing.configs[0]!.splits[0]!.urls[1]).toBe(`${hub.url}/api/datasets/imdb/parquet/plain_text/train/1.parquet`);
    const info = await describeConfig(listing, 'plain_text', opts());
    expect(info.splits).toEqual([
      { name: 'train', rows: 1200, shards: 2 },
      { name: 'test', rows: 200, shards: 1 },
    ]);
    expect(info.columns).toEqual([
      { name: 'text', kind: 'text', classNames: null },
      { name: 'label', kind: 'class-label', classNames: ['neg', 'pos'] },
    ]);
    // The shard URLs redirect to the refs/convert/parquet branch, as on the Hub.
    expect(hub.requests).toContain('GET /datasets/imdb/resolve/refs%2Fconvert%2Fparquet/plain_text/train/0001.parquet');
  });

  it('reads only the asked columns of the first N rows, with range requests and progress', async () => {
    const listing = await listHubDataset('imdb', opts());
    const opened = new Map<string, OpenedShard>();
    await describeConfig(listing, 'plain_text', opts(), opened);
    const shards = listing.configs[0]!.splits[0]!.urls.map((u) => opened.get(u)!);
    const counted = countingFetch();
    const progress: [number, number][] = [];
    const labels = await readSplit('imdb', shards, ['label'], { kind: 'first', rows: 300 }, { ...opts(), fetch: counted.fetch, onProgress: (l, t) => progress.push([l, t]) });
    expect(labels.rows).toHaveLength(300);
    expect(new Set(labels.rows.map((r) => r.label))).toEqual(new Set(['neg', 'pos']));
    expect(Object.keys(labels.rows[0]!)).toEqual(['label']);
    // 300 rows lie in the first shard's first two row groups: two label chunks, a few hundred bytes, no text.
    expect(counted.log.ranges.length).toBeGreaterThan(0);
    expect(counted.log.ranges.every((r) => /^bytes=\d+-\d+$/.test(r))).toBe(true);
    expect(counted.log.bytes).toBeLessThan(trainShards[0]!.length / 20);
    expect(progress.at(-1)![0]).toBe(progress.at(-1)![1]);

    const both = await readSplit('imdb', shards, ['text', 'label'], { kind: 'first', rows: 300 }, opts());
    expect(both.rows[0]!.text.length).toBeGreaterThan(20);
    expect(both.rows.map((r) => r.label)).toEqual(labels.rows.map((r) => r.label));
  });

  it('takes the class names from the dataset card when the files lack the huggingface metadata', async () => {
    const session = new HubDatasetSession();
    const { table, mapping } = await session.table({ id: 'dair-ai/emotion', config: null, split: 'train', mapping: null, sample: { kind: 'first', rows: 50 } }, opts());
    expect(mapping).toEqual({ text: 'text', label: 'label' });
    expect(table.fileName).toBe('dair-ai/emotion · train');
    expect(new Set(table.rows.map((r) => r.label)).size).toBeGreaterThan(2);
    expect(table.rows.every((r) => EMOTIONS.includes(r.label!))).toBe(true);
    expect(hub.requests).toContain('GET /api/datasets/dair-ai/emotion');
  });

  it('samples N rows at random with a seed: the same rows each time, across shards and row groups', async () => {
    expect(pickRows(10, { kind: 'random', rows: 20, seed: 1 })).toBeNull();
    const a = pickRows(1200, { kind: 'random', rows: 300, seed: 7 })!;
    expect(new Set(a).size).toBe(300);
    expect(a).toEqual([...a].sort((x, y) => x - y));
    expect(pickRows(1200, { kind: 'random', rows: 300, seed: 7 })).toEqual(a);
    expect(pickRows(1200, { kind: 'random', rows: 300, seed: 8 })).not.toEqual(a);
    expect(a.some((i) => i >= 600)).toBe(true);

    const listing = await listHubDataset('imdb', opts());
    const urls = listing.configs[0]!.splits[0]!.urls;
    const shards = await Promise.all(urls.map((u) => openShard('imdb', u, opts())));
    const all = await readSplit('imdb', shards, ['text', 'label'], { kind: 'all' }, opts());
    const sampled = await readSplit('imdb', shards, ['text', 'label'], { kind: 'random', rows: 300, seed: 7 }, opts());
    expect(sampled.rows).toEqual(a.map((i) => all.rows[i]));
  });

  it('keeps fetched ranges in the cache: a second read of the same rows asks the Hub for nothing', async () => {
    const cache = memoryCache();
    const listing = await listHubDataset('imdb', opts());
    const shards = await Promise.all(listing.configs[0]!.splits[0]!.urls.map((u) => openShard('imdb', u, opts())));
    const first = await readSplit('imdb', shards, ['text', 'label'], { kind: 'all' }, { ...opts(), cache });
    expect(cache.entries.size).toBeGreaterThan(1);
    // Cache Storage matches URLs without their fragment: each range needs its own URL.
    const urls = [...cache.entries.keys()].map((key) => new URL(key));
    expect(urls.every((u) => u.hash === '')).toBe(true);
    expect(new Set(urls.map((u) => u.href)).size).toBe(urls.length);
    const counted = countingFetch();
    const again = await readSplit('imdb', shards, ['text', 'label'], { kind: 'all' }, { ...opts(), cache, fetch: counted.fetch });
    expect(again).toEqual(first);
    expect(counted.log.ranges).toEqual([]);
  });

  it('a gated dataset needs the access token, sent as a Bearer token', async () => {
    const error = await listHubDataset('someone/gated', opts()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubError);
    expect((error as HubError).reason).toBe('needs-login');
    expect((error as Error).message).toBe(`Dataset "someone/gated" on ${hub.url} is gated or private: enter a Hugging Face access token (from your account’s settings) to load it.`);
    await expect(listHubDataset('someone/gated', { ...opts(), token: 'hf_wrong' })).rejects.toThrow('the access token you entered does not give access to it');
    // Never to another host, whatever a listing names.
    const sentTo: [string, string | null][] = [];
    const recording: typeof fetch = async (input, init) => {
      sentTo.push([String(input), new Headers(init?.headers).get('authorization')]);
      return new Response('{}', { status: 404 });
    };
    await openShard('someone/gated', 'https://elsewhere.example/x/0.parquet', { ...opts(), token: 'hf_secret', fetch: recording }).catch(() => undefined);
    await listHubDataset('someone/gated', { ...opts(), token: 'hf_secret', fetch: recording }).catch(() => undefined);
    expect(sentTo).toEqual([
      ['https://elsewhere.example/x/0.parquet', null],
      [`${hub.url}/api/datasets/someone/gated/parquet`, 'Bearer hf_secret'],
    ]);
    const listing = await listHubDataset('someone/gated', { ...opts(), token: 'hf_secret' });
    const info = await describeConfig(listing, 'default', { ...opts(), token: 'hf_secret' });
    expect(info.splits).toEqual([{ name: 'train', rows: 200, shards: 1 }]);
  });

  it('names a missing dataset, a bad id, and a download cut halfway', async () => {
    await expect(listHubDataset('nobody/nothing', opts())).rejects.toThrow(`Dataset "nobody/nothing" on ${hub.url} was not found. Check the id`);
    await expect(listHubDataset('https://huggingface.co/datasets/imdb', opts())).rejects.toThrow('is not a dataset id');
    const listing = await listHubDataset('imdb', opts());
    const shard = await openShard('imdb', listing.configs[0]!.splits[0]!.urls[0]!, opts());
    const failures = { 'datasets/imdb/plain_text/train/0000.parquet': 'drop' as const };
    const broken = await startHubServer({ repos: {}, failures, datasets: { imdb: { files: { 'plain_text/train': trainShards } } } });
    try {
      const moved = { ...shard, url: shard.url.replace(hub.url, broken.url) };
      const error = await readSplit('imdb', [moved], ['text', 'label'], { kind: 'all' }, { endpoint: broken.url, http: quick }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HubError);
      expect((error as HubError).reason).toBe('truncated');
      expect((error as Error).message).toMatch(/^The download of plain_text\/train\/0\.parquet of dataset "imdb" from 127\.0\.0\.1:\d+ stopped after \d+ of \d+ bytes: the connection was interrupted/);
    } finally {
      await broken.close();
    }
  });
});
