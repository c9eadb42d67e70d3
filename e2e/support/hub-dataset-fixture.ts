/**
 * Parquet shards laid out as the Hub's dataset viewer writes them, for the stand-in Hub: a
 * string text column, an int64 label column holding ClassLabel ids, several row groups, snappy
 * pages, and the `huggingface` key-value metadata whose `info.features` names the classes
 * (`{"label": {"names": [...], "_type": "ClassLabel"}}`), which is where `datasets` keeps them.
 * Written from the real CSVs in ../shared/data. Node only.
 */
import { readFileSync } from 'node:fs';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { parseTable } from '../../src/data/parse.ts';

export interface ClassLabelShardOptions {
  /** A `text,label` CSV from ../shared/data. */
  readonly csvPath: string;
  /** Class names in id order; the CSV's label is either the id or the name. */
  readonly names: readonly string[];
  /** Rows taken from the start of the CSV. */
  readonly rows: number;
  /** Rows per shard (the Hub splits large splits into several files). */
  readonly rowsPerShard?: number;
  readonly rowGroupSize?: number;
  /** False: no `huggingface` metadata, as files written by other tools; the names are then only in the card. */
  readonly metadata?: boolean;
}

/** The `huggingface` metadata `datasets` writes into every Parquet file. */
export function huggingfaceMetadata(names: readonly string[]): string {
  return JSON.stringify({
    info: {
      features: {
        text: { dtype: 'string', _type: 'Value' },
        label: { names, _type: 'ClassLabel' },
      },
    },
  });
}

/** A dataset card's `dataset_info` for one config, as the Hub returns it in `cardData`: ClassLabel names by id. */
export function cardDatasetInfo(config: string, names: readonly string[]): Record<string, unknown> {
  return {
    dataset_info: {
      config_name: config,
      features: [
        { name: 'text', dtype: 'string' },
        { name: 'label', dtype: { class_label: { names: Object.fromEntries(names.map((n, i) => [String(i), n])) } } },
      ],
    },
  };
}

export function classLabelShards(options: ClassLabelShardOptions): Uint8Array[] {
  const table = parseTable(options.csvPath, readFileSync(options.csvPath, 'utf8'));
  const rows = table.rows.slice(0, options.rows);
  const ids = rows.map((row, i) => {
    const raw = row.label ?? '';
    const id = /^\d+$/.test(raw) ? Number(raw) : options.names.indexOf(raw);
    if (!(id >= 0 && id < options.names.length)) throw new Error(`${options.csvPath} row ${i + 1}: label "${raw}" is not one of ${options.names.join(', ')}`);
    return id;
  });
  const perShard = options.rowsPerShard ?? rows.length;
  const shards: Uint8Array[] = [];
  for (let from = 0; from < rows.length; from += perShard) {
    const to = Math.min(rows.length, from + perShard);
    const buffer = parquetWriteBuffer({
      columnData: [
        { name: 'text', data: rows.slice(from, to).map((r) => r.text ?? ''), type: 'STRING', nullable: false },
        { name: 'label', data: BigInt64Array.from(ids.slice(from, to), BigInt), type: 'INT64', nullable: false },
      ],
      rowGroupSize: options.rowGroupSize ?? 1000,
      kvMetadata: options.metadata === false ? [] : [{ key: 'huggingface', value: huggingfaceMetadata(options.names) }],
    });
    shards.push(new Uint8Array(buffer));
  }
  return shards;
}
