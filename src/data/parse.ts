import { DatasetError } from './dataset-error.ts';
import { detectDelimiter } from './delimiter.ts';
import { looksLikeConll, parseConll } from './parse-conll.ts';
import { type Delimiter, DELIMITER_NAMES, parseDelimited } from './parse-delimited.ts';
import { parseJson, parseJsonLines } from './parse-json.ts';
import { looksLikeTaggedJsonLines, parseTaggedJsonLines, type TaggedReadOptions } from './tagged-jsonl.ts';

/** A dataset file read into named string columns, before any meaning is given to them. */
export interface Table {
  fileName: string;
  columns: string[];
  /** Every row has every column; missing values are ''. */
  rows: Record<string, string>[];
  /** 1-based source line of each row, for error messages. */
  lines: number[];
}

/** How a text file was read; `declared` when an Excel `sep=` line named the separator. */
export type TextFormat =
  | { readonly kind: 'delimited'; readonly delimiter: Delimiter; readonly declared: boolean }
  | { readonly kind: 'json' }
  | { readonly kind: 'jsonl' }
  | { readonly kind: 'tagged-jsonl' }
  | { readonly kind: 'conll' };

/**
 * Reads a CSV (any of the separators of delimiter.ts), TSV, JSON, JSON Lines, JSON Lines of tagged
 * sentences (tagged-jsonl.ts) or CoNLL dataset.
 * The extension says which family a file belongs to and its content decides the rest (which
 * separator, JSON or JSON Lines); files without a telling extension are read by content.
 * Throws DatasetError for anything the user must fix in the file.
 */
export function parseText(fileName: string, content: string, options: TaggedReadOptions = {}): { table: Table; format: TextFormat } {
  const text = content.charCodeAt(0) === 0xfeff ? content.slice(1) : content;
  if (!/\S/.test(text)) {
    throw new DatasetError({ file: fileName }, 'no data rows: the file is empty.');
  }
  const { format, table } = parseAs(fileName, text, options);
  if (table.rows.length === 0) {
    const where = format.kind === 'delimited' ? ' below the header row' : '';
    throw new DatasetError({ file: fileName }, `no data rows. The file needs at least one row of data${where}.`);
  }
  return { table, format };
}

/** parseText's table alone. */
export function parseTable(fileName: string, content: string): Table {
  return parseText(fileName, content).table;
}

function parseAs(fileName: string, text: string, options: TaggedReadOptions): { table: Table; format: TextFormat } {
  const extension = extensionOf(fileName);
  const json = extension === 'json' || extension === 'jsonl' || extension === 'ndjson' || (!DELIMITED_EXTENSIONS.has(extension) && /^\s*[[{]/.test(text));
  if (json && looksLikeTaggedJsonLines(text)) {
    return { format: { kind: 'tagged-jsonl' }, table: parseTaggedJsonLines(fileName, text, options) };
  }
  if (json) {
    // pandas and Hugging Face `to_json` write JSON Lines into .json files by default.
    const kind = extension === 'jsonl' || extension === 'ndjson' ? 'jsonl' : jsonFlavourOf(text);
    return { format: { kind }, table: kind === 'json' ? parseJson(fileName, text) : parseJsonLines(fileName, text) };
  }
  if (CONLL_EXTENSIONS.has(extension) || (!TABLE_EXTENSIONS.has(extension) && looksLikeConll(text))) {
    return { format: { kind: 'conll' }, table: parseConll(fileName, text) };
  }
  const detected = detectDelimiter(text, extension === 'tsv' ? '\t' : ',');
  return {
    format: { kind: 'delimited', delimiter: detected.delimiter, declared: detected.declared },
    table: parseDelimited(fileName, detected.text, detected.delimiter),
  };
}

/** Extensions of delimited tables; .txt may also be CoNLL. */
const TABLE_EXTENSIONS = new Set(['csv', 'tsv', 'psv']);
const DELIMITED_EXTENSIONS = new Set([...TABLE_EXTENSIONS, 'txt']);
const CONLL_EXTENSIONS = new Set(['conll', 'iob', 'bio']);

export function extensionOf(fileName: string): string {
  const baseName = fileName.slice(Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\')) + 1);
  const dot = baseName.lastIndexOf('.');
  return dot > 0 ? baseName.slice(dot + 1).toLowerCase() : '';
}

/** How the file was read, in words, e.g. "CSV separated by semicolons (;)". */
export function describeTextFormat(format: TextFormat): string {
  switch (format.kind) {
    case 'delimited': {
      const { delimiter } = format;
      const how = delimiter === ',' ? 'CSV (comma-separated)' : delimiter === '\t' ? 'TSV (tab-separated)' : `CSV separated by ${DELIMITER_NAMES[delimiter]}s (${delimiter})`;
      return format.declared ? `${how}, as its sep= line says` : how;
    }
    case 'json':
      return 'JSON (a list of rows)';
    case 'jsonl':
      return 'JSON Lines (one row per line)';
    case 'tagged-jsonl':
      return 'JSON Lines of tagged sentences (words and a tag per word)';
    case 'conll':
      return 'CoNLL (a word and its tag per line)';
  }
}

/**
 * JSON Lines when the file has several non-blank lines and the first one is a
 * complete object on its own (and not a `{ "data": [...] }` wrapper).
 */
function jsonFlavourOf(text: string): 'json' | 'jsonl' {
  const start = text.search(/\S/);
  if (text.charCodeAt(start) !== 0x7b /* { */) return 'json';
  const firstLineEnd = text.indexOf('\n', start);
  if (firstLineEnd === -1 || !/\S/.test(text.slice(firstLineEnd))) return 'json';
  try {
    const first: unknown = JSON.parse(text.slice(start, firstLineEnd));
    const isDataWrapper = typeof first === 'object' && first !== null && Array.isArray((first as { data?: unknown }).data);
    return isDataWrapper ? 'json' : 'jsonl';
  } catch {
    return 'json';
  }
}
