/**
 * The cells of a tagged-sentence table (one row per sentence): a sentence's words, and its tags,
 * one per word. JSON Lines files are read into JSON lists (a word may hold a space there), CoNLL
 * files into words separated by spaces (a CoNLL word cannot hold one), and a Parquet list column
 * arrives as a JSON list too; all of them read back here.
 */
import { DatasetError, type DatasetLocation } from './dataset-error.ts';
import type { Table } from './parse.ts';

export function encodeTaggedCell(items: readonly string[]): string {
  return JSON.stringify(items);
}

/** The items of a word or tag cell; throws naming the place when a JSON list is malformed. */
export function decodeTaggedCell(cell: string, location: DatasetLocation): string[] {
  const trimmed = cell.trim();
  if (!trimmed.startsWith('[')) return trimmed === '' ? [] : trimmed.split(/\s+/);
  let items: unknown;
  try {
    items = JSON.parse(trimmed);
  } catch {
    throw new DatasetError(location, `expected a list like ["EU", "rejects"] but found ${JSON.stringify(cell.slice(0, 60))}.`);
  }
  if (!Array.isArray(items) || !items.every((item) => typeof item === 'string' || typeof item === 'number')) {
    throw new DatasetError(location, `expected a list of words or tags like ["EU", "rejects"] but found ${JSON.stringify(cell.slice(0, 60))}.`);
  }
  return items.map(String);
}

/** Where a table of tagged sentences keeps its words and its tags; null for any other table. */
export function taggedColumnsOf(table: Pick<Table, 'columns'>): { words: string; tags: string } | null {
  if (!table.columns.includes(WORDS_COLUMN)) return null;
  const tags = TAG_COLUMNS.find((column) => table.columns.includes(column));
  return tags === undefined ? null : { words: WORDS_COLUMN, tags };
}

export const WORDS_COLUMN = 'tokens';
/** Columns holding the tags, in order of preference: `ner_tags` is the Hugging Face datasets' name, `tags` CoNLL's. */
export const TAG_COLUMNS = ['ner_tags', 'tags', 'labels', 'ner'] as const;
