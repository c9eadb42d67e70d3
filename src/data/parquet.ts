/**
 * Parquet datasets (what `datasets`' to_parquet and the Hub's dataset viewer produce) read into
 * the same Table the text formats give, so column guessing and validation work unchanged.
 */
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';
import { cellText } from './cells.ts';
import { DatasetError } from './dataset-error.ts';
import type { Table } from './parse.ts';

export async function parquetTable(fileName: string, bytes: Uint8Array): Promise<Table> {
  // hyparquet reads from an ArrayBuffer; a view of part of a buffer is copied out first.
  const file = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer ? bytes.buffer : bytes.slice().buffer;
  let columns: string[];
  let objects: Record<string, unknown>[];
  try {
    const metadata = parquetMetadata(file);
    columns = parquetSchema(metadata).children.map((child) => child.element.name);
    objects = await parquetReadObjects({ file, metadata });
  } catch (error) {
    throw new DatasetError(
      { file: fileName },
      `could not be read as Parquet (${error instanceof Error ? error.message : String(error)}). ` +
        'Save it again with pandas or 🤗 datasets (snappy or no compression), or as CSV.',
    );
  }
  if (objects.length === 0) throw new DatasetError({ file: fileName }, 'no data rows: the Parquet file has no rows.');
  return {
    fileName,
    columns,
    rows: objects.map((object) => Object.fromEntries(columns.map((c) => [c, cellText(object[c])]))),
    // Parquet has no lines: errors then name the row, which is what a Parquet viewer shows.
    lines: [],
  };
}
