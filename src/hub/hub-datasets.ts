/**
 * Datasets from the Hugging Face Hub by id, as the dataset viewer's Parquet conversion: the
 * configs and splits from `/api/datasets/{id}/parquet`, each split's row count, columns and
 * ClassLabel names from its shards' footers (the `huggingface` key-value metadata `datasets`
 * writes), then only the chosen columns of the chosen rows, fetched with HTTP range requests
 * through hubFetch (timeouts, retries). Fetched ranges are kept in a FileCache. Browser and Node.
 */
import { type AsyncBuffer, type FileMetaData, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';
import { cellText } from '../data/cells.ts';
import { Rng } from '../engine/random.ts';
import type { FileCache } from './hub-client.ts';
import { HubError } from './hub-error.ts';
import { defaultHubHttpPolicy, hubFetch, type HubHttpPolicy } from './hub-fetch.ts';

export interface HubDatasetOptions {
  /** Defaults to https://huggingface.co. */
  readonly endpoint?: string;
  /** A Hugging Face access token for gated or private datasets; sent as a Bearer token, never stored. */
  readonly token?: string | null;
  readonly fetch?: typeof fetch;
  readonly http?: HubHttpPolicy;
  readonly signal?: AbortSignal;
  readonly cache?: FileCache;
}

export interface HubDatasetListing {
  readonly id: string;
  readonly configs: readonly { readonly name: string; readonly splits: readonly { readonly name: string; readonly urls: readonly string[] }[] }[];
}

export type ColumnKind = 'text' | 'class-label' | 'number' | 'other';

export interface DatasetColumn {
  readonly name: string;
  readonly kind: ColumnKind;
  /** ClassLabel names in id order; null for other columns. */
  readonly classNames: readonly string[] | null;
}

export interface DatasetSplitInfo {
  readonly name: string;
  readonly rows: number;
  readonly shards: number;
}

export interface DatasetConfigInfo {
  readonly name: string;
  readonly splits: readonly DatasetSplitInfo[];
  readonly columns: readonly DatasetColumn[];
}

/** Which rows of a split to read: all, the first N, or N chosen at random with a seed. */
export type RowSample = { readonly kind: 'all' } | { readonly kind: 'first'; readonly rows: number } | { readonly kind: 'random'; readonly rows: number; readonly seed: number };

export interface SplitRows {
  readonly columns: readonly string[];
  /** Cells as text; ClassLabel ids as their names. */
  readonly rows: Record<string, string>[];
}

/** Bytes of the chosen column chunks received so far, of all to fetch. */
export type ReadProgress = (loaded: number, total: number) => void;

/** A Parquet file of a split, opened: its size and footer, read with one suffix-range request. */
export interface OpenedShard {
  readonly url: string;
  readonly byteLength: number;
  readonly metadata: FileMetaData;
  readonly tail: Uint8Array;
}

const DEFAULT_ENDPOINT = 'https://huggingface.co';
/** The footer and, for small files, everything: one request instead of two. */
const TAIL_BYTES = 64 * 1024;
const EXAMPLE = '"stanfordnlp/imdb"';

export function datasetWhere(id: string, endpoint: string): string {
  return `Dataset "${id}" on ${endpoint}`;
}

/** The configs and splits the Hub has converted to Parquet, with each split's shard URLs. */
export async function listHubDataset(id: string, options: HubDatasetOptions = {}): Promise<HubDatasetListing> {
  const datasetId = id.trim();
  if (!/^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/.test(datasetId)) {
    throw new HubError('invalid-repo-id', `"${id}" is not a dataset id: ids look like "name" or "owner/name", as in ${EXAMPLE}.`);
  }
  const endpoint = endpointOf(options);
  const response = await request(`${endpoint}/api/datasets/${datasetId}/parquet`, datasetId, 'its list of Parquet files', options);
  let body: unknown;
  try {
    body = await response.json();
  } catch (error) {
    throw new HubError('unexpected-response', `${datasetWhere(datasetId, endpoint)}: the list of Parquet files is not JSON.`, { cause: error });
  }
  const configs = Object.entries(isRecord(body) ? body : {}).flatMap(([name, splits]) =>
    isRecord(splits)
      ? [{ name, splits: Object.entries(splits).flatMap(([split, urls]) => (Array.isArray(urls) && urls.every((u) => typeof u === 'string') ? [{ name: split, urls: urls.map((u: string) => new URL(u, endpoint).href) }] : [])) }]
      : [],
  );
  if (configs.every((c) => c.splits.length === 0)) {
    throw new HubError('unexpected-response', `${datasetWhere(datasetId, endpoint)} has no Parquet version: the Hub converts public datasets to Parquet, which this one lacks. Download it as CSV or Parquet and load the file instead.`);
  }
  return { id: datasetId, configs };
}

/** One config's splits with their row counts, and its columns, from the shards' footers. */
export async function describeConfig(listing: HubDatasetListing, config: string, options: HubDatasetOptions = {}, opened = new Map<string, OpenedShard>()): Promise<DatasetConfigInfo> {
  const found = listing.configs.find((c) => c.name === config);
  if (!found) throw new HubError('unexpected-response', `${datasetWhere(listing.id, endpointOf(options))} has no config "${config}"; it has ${listing.configs.map((c) => c.name).join(', ')}.`);
  const splits: DatasetSplitInfo[] = [];
  let columns: DatasetColumn[] = [];
  for (const split of found.splits) {
    let rows = 0;
    for (const url of split.urls) {
      const shard = await openShard(listing.id, url, options, opened);
      rows += Number(shard.metadata.num_rows);
      if (columns.length === 0) columns = columnsOf(shard.metadata);
    }
    splits.push({ name: split.name, rows, shards: split.urls.length });
  }
  // Files written without the huggingface metadata keep their class names only in the dataset card.
  if (!columns.some((c) => c.kind === 'class-label') && columns.some((c) => c.kind === 'number')) {
    const names = await cardClassNames(listing.id, config, options);
    columns = columns.map((c) => (c.kind === 'number' && names.has(c.name) ? { ...c, kind: 'class-label', classNames: names.get(c.name)! } : c));
  }
  return { name: config, splits, columns };
}

/**
 * ClassLabel names by column from the dataset card's `dataset_info` (`/api/datasets/{id}`, its
 * `cardData`), for the config; empty when the card has none or cannot be had.
 */
export async function cardClassNames(id: string, config: string, options: HubDatasetOptions): Promise<Map<string, string[]>> {
  const names = new Map<string, string[]>();
  let body: unknown;
  try {
    body = await (await request(`${endpointOf(options)}/api/datasets/${id}`, id, 'its dataset card', options)).json();
  } catch {
    // The card only adds names; the ids still train.
    return names;
  }
  const card = isRecord(body) ? body.cardData : undefined;
  const raw = isRecord(card) ? card.dataset_info : undefined;
  const infos = (Array.isArray(raw) ? raw : [raw]).filter(isRecord);
  const info = infos.find((i) => i.config_name === config) ?? (infos.length === 1 ? infos[0] : undefined);
  for (const feature of Array.isArray(info?.features) ? info.features : []) {
    if (!isRecord(feature) || typeof feature.name !== 'string' || !isRecord(feature.dtype) || !isRecord(feature.dtype.class_label)) continue;
    const listed = feature.dtype.class_label.names;
    if (Array.isArray(listed)) names.set(feature.name, listed.map(String));
    else if (isRecord(listed)) names.set(feature.name, Object.entries(listed).sort(([a], [b]) => Number(a) - Number(b)).map(([, n]) => String(n)));
  }
  return names;
}

/** Opens a shard (or takes it from `opened`): its size, footer and metadata. */
export async function openShard(id: string, url: string, options: HubDatasetOptions, opened = new Map<string, OpenedShard>()): Promise<OpenedShard> {
  const known = opened.get(url);
  if (known) return known;
  const response = await request(url, id, fileOf(url), options, { Range: `bytes=-${TAIL_BYTES}` });
  const body = await readBody(response, id, url, null, () => undefined);
  const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(response.headers.get('content-range') ?? '');
  const byteLength = response.status === 206 && range ? Number(range[3]) : body.length;
  const tailStart = byteLength - body.length;
  const tailBuffer: AsyncBuffer = {
    byteLength,
    slice: async (start, end = byteLength) => {
      if (start >= tailStart) return arrayBufferOf(body.subarray(start - tailStart, end - tailStart));
      return arrayBufferOf(await fetchRange(id, url, byteLength, start, end, options, () => undefined));
    },
  };
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(tailBuffer);
  } catch (error) {
    throw new HubError('unexpected-response', `${fileOf(url)} of dataset "${id}" is not a Parquet file this studio can read (${error instanceof Error ? error.message : String(error)}).`, { cause: error });
  }
  const shard = { url, byteLength, metadata, tail: body };
  opened.set(url, shard);
  return shard;
}

/**
 * Reads `columns` of the rows `sample` picks from a split's shards, fetching only their column
 * chunks in the row groups that hold those rows.
 */
export async function readSplit(
  id: string,
  shards: readonly OpenedShard[],
  columns: readonly string[],
  sample: RowSample,
  options: HubDatasetOptions & { readonly onProgress?: ReadProgress; readonly classNames?: ReadonlyMap<string, readonly string[]> } = {},
): Promise<SplitRows> {
  const total = shards.reduce((n, s) => n + Number(s.metadata.num_rows), 0);
  const wanted = pickRows(total, sample);
  const available = columnsOf(shards[0]!.metadata);
  for (const column of columns) {
    if (!available.some((c) => c.name === column)) throw new HubError('unexpected-response', `dataset "${id}" has no column "${column}"; it has ${available.map((c) => c.name).join(', ')}.`);
  }
  const names = options.classNames ?? new Map(available.filter((c) => columns.includes(c.name) && c.classNames).map((c) => [c.name, c.classNames!]));
  // Which row groups to read, and their byte total for the progress bar.
  const plan: { shard: OpenedShard; start: number; end: number; rows: number[] }[] = [];
  let first = 0;
  let planned = 0;
  for (const shard of shards) {
    for (const group of shard.metadata.row_groups) {
      const size = Number(group.num_rows);
      const local = wanted === null ? null : wanted.filter((r) => r >= first && r < first + size).map((r) => r - first);
      if (local === null || local.length > 0) {
        const start = first - shardStart(shards, shard);
        plan.push({ shard, start, end: start + size, rows: local ?? [] });
        for (const chunk of group.columns) if (columns.includes(chunk.meta_data?.path_in_schema[0] ?? '')) planned += Number(chunk.meta_data!.total_compressed_size);
      }
      first += size;
    }
  }
  let loaded = 0;
  const report = (bytes: number) => {
    loaded += bytes;
    options.onProgress?.(Math.min(loaded, planned), planned);
  };
  options.onProgress?.(0, planned);
  const rows: Record<string, string>[] = [];
  for (const part of plan) {
    const file: AsyncBuffer = {
      byteLength: part.shard.byteLength,
      slice: async (start, end = part.shard.byteLength) => {
        const tailStart = part.shard.byteLength - part.shard.tail.length;
        if (start >= tailStart) return arrayBufferOf(part.shard.tail.subarray(start - tailStart, end - tailStart));
        return arrayBufferOf(await fetchRange(id, part.shard.url, part.shard.byteLength, start, end, options, report));
      },
    };
    let objects: Record<string, unknown>[];
    try {
      objects = await parquetReadObjects({ file, metadata: part.shard.metadata, columns: [...columns], rowStart: part.start, rowEnd: part.end });
    } catch (error) {
      if (error instanceof HubError || options.signal?.aborted) throw error;
      throw new HubError('unexpected-response', `${fileOf(part.shard.url)} of dataset "${id}" could not be decoded (${error instanceof Error ? error.message : String(error)}).`, { cause: error });
    }
    const picked = wanted === null ? objects : part.rows.map((r) => objects[r]!);
    for (const object of picked) rows.push(Object.fromEntries(columns.map((c) => [c, cellOf(object[c], names.get(c))])));
  }
  return { columns: [...columns], rows };
}

/** Row indices in ascending order; null for every row. Random rows are a seeded sample without repeats. */
export function pickRows(total: number, sample: RowSample): number[] | null {
  if (sample.kind === 'all' || sample.rows >= total) return null;
  if (sample.kind === 'first') return Array.from({ length: sample.rows }, (_, i) => i);
  // Floyd's algorithm: `rows` distinct indices in `rows` draws, whatever the split's size.
  const rng = new Rng(sample.seed);
  const chosen = new Set<number>();
  for (let j = total - sample.rows; j < total; j++) {
    const t = rng.nextInt(j + 1);
    chosen.add(chosen.has(t) ? j : t);
  }
  return [...chosen].sort((a, b) => a - b);
}

/** Columns from the footer: ClassLabel names from the `huggingface` metadata's info.features. */
export function columnsOf(metadata: FileMetaData): DatasetColumn[] {
  const features = featuresOf(metadata);
  return parquetSchema(metadata).children.map((child) => {
    const { name, type, converted_type: converted, logical_type: logical } = child.element;
    const feature = features[name];
    const classNames = isRecord(feature) && feature._type === 'ClassLabel' && Array.isArray(feature.names) ? feature.names.map(String) : null;
    let kind: ColumnKind = 'other';
    if (classNames) kind = 'class-label';
    else if (child.children.length === 0 && type === 'BYTE_ARRAY' && (converted === 'UTF8' || logical?.type === 'STRING')) kind = 'text';
    else if (child.children.length === 0 && (type === 'INT32' || type === 'INT64' || type === 'FLOAT' || type === 'DOUBLE')) kind = 'number';
    return { name, kind, classNames };
  });
}

function featuresOf(metadata: FileMetaData): Record<string, unknown> {
  const raw = metadata.key_value_metadata?.find((kv) => kv.key === 'huggingface')?.value;
  if (raw === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    const info = isRecord(parsed) ? parsed.info : undefined;
    const features = isRecord(info) ? info.features : undefined;
    return isRecord(features) ? features : {};
  } catch {
    // Metadata another writer left: the columns still read, with ids for labels.
    return {};
  }
}

function cellOf(value: unknown, classNames: readonly string[] | undefined): string {
  const name = classNames && (typeof value === 'bigint' || typeof value === 'number') ? classNames[Number(value)] : undefined;
  return name ?? cellText(value);
}

function shardStart(shards: readonly OpenedShard[], shard: OpenedShard): number {
  let start = 0;
  for (const s of shards) {
    if (s === shard) return start;
    start += Number(s.metadata.num_rows);
  }
  return start;
}

/** A byte range of a shard, from the cache when an earlier read fetched it. */
async function fetchRange(id: string, url: string, byteLength: number, start: number, end: number, options: HubDatasetOptions, report: (bytes: number) => void): Promise<Uint8Array> {
  // The size pins the file's version: a new conversion of the dataset is a new key. A query, not a
  // fragment: Cache Storage matches URLs without their fragment.
  const key = `${url}${url.includes('?') ? '&' : '?'}studio-bytes=${byteLength}:${start}-${end}`;
  const cached = await options.cache?.get(key);
  if (cached) {
    report(cached.length);
    return cached;
  }
  const response = await request(url, id, fileOf(url), options, { Range: `bytes=${start}-${end - 1}` });
  let bytes = await readBody(response, id, url, response.status === 206 ? end - start : byteLength, report);
  // A server that ignores Range sends the whole file.
  if (response.status === 200) bytes = bytes.slice(start, end);
  try {
    await options.cache?.put(key, bytes);
  } catch {
    // The cache only saves time; a full disk does not fail the read.
  }
  return bytes;
}

async function request(url: string, id: string, what: string, options: HubDatasetOptions, headers: Record<string, string> = {}): Promise<Response> {
  const endpoint = endpointOf(options);
  const fetchImplementation = options.fetch ?? globalThis.fetch;
  const plainFetch: typeof fetch = (input, init) => fetchImplementation(input, init);
  // The token goes to the Hub's own host only, never to a host a listing or a redirect names.
  const token = new URL(url).origin === new URL(endpoint).origin ? options.token?.trim() : undefined;
  let response: Response;
  try {
    response = await hubFetch(url, {
      fetch: plainFetch,
      policy: options.http ?? defaultHubHttpPolicy,
      signal: options.signal,
      headers: token ? { ...headers, Authorization: `Bearer ${token}` } : headers,
    });
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    if (error instanceof TypeError) throw new HubError('unreachable', `Cannot reach ${endpoint}: you may be offline. Load the dataset as a file instead.`, { cause: error });
    throw error;
  }
  if (response.ok) return response;
  response.body?.cancel().catch(() => undefined);
  const where = datasetWhere(id, endpoint);
  const tokenHint = token ? 'the access token you entered does not give access to it (check it, and accept the dataset’s conditions on its page)' : 'enter a Hugging Face access token (from your account’s settings) to load it';
  if (response.status === 401 || response.status === 403) throw new HubError('needs-login', `${where} is gated or private: ${tokenHint}.`);
  if (response.status === 404) throw new HubError('repo-not-found', `${where} was not found. Check the id (it looks like ${EXAMPLE}); if it is private or gated, ${tokenHint}.`);
  if (response.status >= 500) throw new HubError('server-error', `${endpoint} answered HTTP ${response.status} for ${what} of "${id}": the server has a problem. Try again in a few minutes.`);
  throw new HubError('unexpected-response', `${endpoint} answered HTTP ${response.status} for ${what} of "${id}".`);
}

async function readBody(response: Response, id: string, url: string, expected: number | null, report: (bytes: number) => void): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let received = 0;
  const reader = response.body?.getReader();
  try {
    for (;;) {
      const chunk = await reader?.read();
      if (!chunk || chunk.done) break;
      chunks.push(chunk.value);
      received += chunk.value.length;
      report(chunk.value.length);
    }
  } catch (error) {
    if (error instanceof HubError) throw error;
    throw truncated(id, url, received, expected, error);
  }
  if (expected !== null && received < expected) throw truncated(id, url, received, expected);
  const bytes = new Uint8Array(received);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}

function truncated(id: string, url: string, received: number, expected: number | null, cause?: unknown): HubError {
  const of = expected === null ? '' : ` of ${expected}`;
  return new HubError(
    'truncated',
    `The download of ${fileOf(url)} of dataset "${id}" from ${new URL(url).host} stopped after ${received}${of} bytes: the connection was interrupted. Try again; the dataset loaded before is kept.`,
    { cause },
  );
}

function fileOf(url: string): string {
  const path = new URL(url).pathname.split('/').map(decodeURIComponent);
  const parquet = path.lastIndexOf('parquet');
  // .../parquet/{config}/{split}/{n}.parquet reads as config/split/n.parquet.
  return parquet >= 0 && parquet < path.length - 1 ? path.slice(parquet + 1).join('/') : (path.at(-1) ?? url);
}

function endpointOf(options: HubDatasetOptions): string {
  return (options.endpoint ?? DEFAULT_ENDPOINT).replace(/\/+$/, '');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function arrayBufferOf(bytes: Uint8Array): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer ? bytes.buffer : bytes.slice().buffer;
}
