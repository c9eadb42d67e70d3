/**
 * The one way a dataset file becomes a table, for the studio's data worker and the CLI alike:
 * its bytes are sniffed (sniff.ts), gzip is unpacked, Parquet read, text decoded and parsed
 * (parse.ts), and the result says how the file was read. The same file gives the same table,
 * or the same message, in both.
 */
import { gunzipSync } from 'fflate';
import { DatasetError } from './dataset-error.ts';
import { parquetTable } from './parquet.ts';
import { describeTextFormat, parseText, type Table, type TextFormat } from './parse.ts';
import { sniffBytes } from './sniff.ts';
import type { TaggedReadOptions } from './tagged-jsonl.ts';

export type DatasetFormat = TextFormat | { readonly kind: 'parquet' };

export interface ReadDataset {
  readonly table: Table;
  readonly format: DatasetFormat;
  /** How the file was read, for people: "CSV separated by semicolons (;)", "gzip-compressed JSON Lines…". */
  readonly readAs: string;
}

/** `options` name the tags of a tagged-sentence file whose tags are ids. */
export async function readDataset(fileName: string, bytes: Uint8Array, options: TaggedReadOptions = {}): Promise<ReadDataset> {
  const sniffed = sniffBytes(fileName, bytes);
  switch (sniffed.kind) {
    case 'parquet':
      return { table: await parquetTable(fileName, bytes), format: { kind: 'parquet' }, readAs: 'Parquet' };
    case 'gzip': {
      // The name ends in .gz, so the content alone says what the unpacked file is.
      const inner = await readDataset(fileName, gunzip(fileName, bytes), options);
      return { ...inner, readAs: `gzip-compressed ${inner.readAs}` };
    }
    case 'text': {
      const { table, format } = parseText(fileName, sniffed.text, options);
      return { table, format, readAs: describeTextFormat(format) };
    }
  }
}

function gunzip(fileName: string, bytes: Uint8Array): Uint8Array {
  try {
    return gunzipSync(bytes);
  } catch (error) {
    throw new DatasetError({ file: fileName }, `is gzip-compressed but could not be unpacked (${error instanceof Error ? error.message : String(error)}): the file may be cut short. Download it again, or unpack it yourself and load the file inside.`);
  }
}

/**
 * The table, for a text classifier: a CoNLL file or tagged JSON Lines tag each word, while a
 * classifier needs one label per text, so they are refused with what to load instead.
 */
export function classificationTable(read: ReadDataset): Table {
  if (read.format.kind === 'conll' || read.format.kind === 'tagged-jsonl') {
    throw new DatasetError(
      { file: read.table.fileName },
      `is ${read.readAs}: ${read.table.rows.length} sentence${read.table.rows.length === 1 ? '' : 's'} with a tag for every word. That trains a token tagger; ` +
        'the studio trains text classifiers, which need one label per text. Load a CSV, TSV, JSON or Parquet file with a text column and a label column.',
    );
  }
  return read.table;
}
