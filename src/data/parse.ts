import { DatasetError } from './dataset-error.ts';
import { parseDelimited } from './parse-delimited.ts';
import { parseJson, parseJsonLines } from './parse-json.ts';

/** A dataset file read into named string columns, before any meaning is given to them. */
export interface Table {
  fileName: string;
  columns: string[];
  /** Every row has every column; missing values are ''. */
  rows: Record<string, string>[];
  /** 1-based source line of each row, for error messages. */
  lines: number[];
}

type Format = 'csv' | 'tsv' | 'json' | 'jsonl';

/**
 * Reads a CSV, TSV, JSON or JSON Lines dataset. The format comes from the file
 * extension; content decides when the extension is ambiguous or unknown.
 * Throws DatasetError for anything the user must fix in the file.
 */
export function parseTable(fileName: string, content: string): Table {
  const text = content.charCodeAt(0) === 0xfeff ? content.slice(1) : content;
  if (!/\S/.test(text)) {
    throw new DatasetError({ file: fileName }, 'no data rows: the file is empty.');
  }
  const format = formatOf(fileName, text);
  const table = parseAs(format, fileName, text);
  if (table.rows.length === 0) {
    const where = format === 'csv' || format === 'tsv' ? ' below the header row' : '';
    throw new DatasetError({ file: fileName }, `no data rows. The file needs at least one row of data${where}.`);
  }
  return table;
}

function parseAs(format: Format, fileName: string, text: string): Table {
  switch (format) {
    case 'csv':
      return parseDelimited(fileName, text, ',');
    case 'tsv':
      return parseDelimited(fileName, text, '\t');
    case 'json':
      return parseJson(fileName, text);
    case 'jsonl':
      return parseJsonLines(fileName, text);
  }
}

function formatOf(fileName: string, text: string): Format {
  switch (extensionOf(fileName)) {
    case 'csv':
      return 'csv';
    case 'tsv':
      return 'tsv';
    case 'jsonl':
    case 'ndjson':
      return 'jsonl';
    // pandas and Hugging Face `to_json` write JSON Lines into .json files by default.
    case 'json':
      return jsonFlavourOf(text);
    case 'txt':
      return delimiterFormatOf(text);
    default:
      return /^\s*[[{]/.test(text) ? jsonFlavourOf(text) : delimiterFormatOf(text);
  }
}

function extensionOf(fileName: string): string {
  const baseName = fileName.slice(Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\')) + 1);
  const dot = baseName.lastIndexOf('.');
  return dot > 0 ? baseName.slice(dot + 1).toLowerCase() : '';
}

/** A header row with more tabs than commas is tab-separated. */
function delimiterFormatOf(text: string): 'csv' | 'tsv' {
  const headerEnd = text.indexOf('\n');
  const header = headerEnd === -1 ? text : text.slice(0, headerEnd);
  return header.split('\t').length > header.split(',').length ? 'tsv' : 'csv';
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
