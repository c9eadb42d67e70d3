/**
 * One split of a Hub dataset as the Table a file gives, so column mapping, label checks and
 * splitting work unchanged for both the studio's data worker and the CLI.
 */
import type { ColumnMapping } from '../data/columns.ts';
import type { Table } from '../data/parse.ts';
import { HubError } from './hub-error.ts';
import { type DatasetColumn, describeConfig, type HubDatasetListing, type HubDatasetOptions, listHubDataset, type OpenedShard, type ReadProgress, readSplit, type RowSample } from './hub-datasets.ts';

export interface HubSplitRequest {
  readonly id: string;
  /** null: the dataset's first config. */
  readonly config: string | null;
  readonly split: string;
  /** null: guessed from the columns (the ClassLabel column is the label). */
  readonly mapping: ColumnMapping | null;
  readonly sample: RowSample;
}

/** What a session has learnt about datasets: listings and opened shards, so nothing is asked twice. */
export class HubDatasetSession {
  private readonly listings = new Map<string, HubDatasetListing>();
  readonly opened = new Map<string, OpenedShard>();

  async listing(id: string, options: HubDatasetOptions): Promise<HubDatasetListing> {
    const key = `${options.endpoint ?? ''} ${id}`;
    const known = this.listings.get(key);
    if (known) return known;
    const listing = await listHubDataset(id, options);
    this.listings.set(key, listing);
    return listing;
  }

  /** The split as a table of the mapped columns only: the other columns are never downloaded. */
  async table(request: HubSplitRequest, options: HubDatasetOptions & { readonly onProgress?: ReadProgress }): Promise<{ table: Table; mapping: ColumnMapping }> {
    const listing = await this.listing(request.id, options);
    const config = request.config ?? listing.configs[0]!.name;
    const info = await describeConfig(listing, config, options, this.opened);
    const urls = listing.configs.find((c) => c.name === config)!.splits.find((s) => s.name === request.split)?.urls;
    if (!urls) throw new HubError('unexpected-response', `dataset "${request.id}" (${config}) has no split "${request.split}"; it has ${info.splits.map((s) => s.name).join(', ')}.`);
    const mapping = request.mapping ?? guessHubColumns(request.id, info.columns);
    const columns = [...new Set([mapping.text, ...(mapping.textPair ? [mapping.textPair] : []), mapping.label])];
    const shards = urls.map((u) => this.opened.get(u)!);
    const classNames = new Map(info.columns.filter((c) => c.classNames && columns.includes(c.name)).map((c) => [c.name, c.classNames!]));
    const { rows } = await readSplit(request.id, shards, columns, request.sample, { ...options, classNames });
    return { table: { fileName: hubDatasetName(request.id, config, request.split, listing), columns, rows, lines: [] }, mapping };
  }
}

/** How the studio and the CLI name a Hub split: `imdb · train`, with the config when there are several. */
export function hubDatasetName(id: string, config: string, split: string, listing: HubDatasetListing): string {
  return listing.configs.length > 1 ? `${id} · ${config} · ${split}` : `${id} · ${split}`;
}

const PAIRS: readonly (readonly [string, string])[] = [
  ['sentence1', 'sentence2'],
  ['premise', 'hypothesis'],
  ['question1', 'question2'],
  ['question', 'sentence'],
];

/** The ClassLabel column (else one named like a label) and the first text column, or a known pair. */
export function guessHubColumns(id: string, columns: readonly DatasetColumn[]): ColumnMapping {
  const label = columns.find((c) => c.kind === 'class-label') ?? columns.find((c) => /^(label|labels|class|category|target)$/i.test(c.name));
  const texts = columns.filter((c) => c.kind === 'text' && c !== label).map((c) => c.name);
  if (!label || texts.length === 0) {
    throw new HubError('unexpected-response', `dataset "${id}" has no text column and label column to train on (its columns: ${columns.map((c) => `${c.name} (${c.kind})`).join(', ')}).`);
  }
  const pair = PAIRS.find(([a, b]) => texts.includes(a) && texts.includes(b));
  return pair ? { text: pair[0], textPair: pair[1], label: label.name } : { text: texts[0]!, label: label.name };
}
