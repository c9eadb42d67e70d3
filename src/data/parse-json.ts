import { DatasetError, type DatasetLocation } from './dataset-error.ts';
import type { Table } from './parse.ts';

const ROW_EXAMPLE = '{"text": "a great film", "label": "positive"}';

/** Parses a JSON list of objects, or an object whose "data" property is that list. */
export function parseJson(fileName: string, text: string): Table {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    const { reason, position } = syntaxErrorDetails(error);
    const line = position === undefined ? undefined : lineAt(text, position);
    throw new DatasetError(
      { file: fileName, line },
      `this is not valid JSON (${reason}). Look for a missing comma, quote or bracket.`,
    );
  }

  const { items, rowsUnderDataKey } = rowsOf(fileName, document);
  const lines = rowStartLines(text, rowsUnderDataKey);
  const records = items.map((item: unknown, index) =>
    cellsOf(item, { file: fileName, row: index + 1, line: lines[index] }),
  );
  return tableFromRecords(fileName, records, lines);
}

function rowsOf(fileName: string, document: unknown): { items: unknown[]; rowsUnderDataKey: boolean } {
  if (Array.isArray(document)) return { items: document, rowsUnderDataKey: false };
  if (isObject(document) && Array.isArray(document.data)) return { items: document.data, rowsUnderDataKey: true };
  throw new DatasetError(
    { file: fileName },
    `expected a list of rows like [${ROW_EXAMPLE}, ...] or {"data": [...]}, but the file holds ${describeValue(document)}.`,
  );
}

/** Parses JSON Lines: one object per line; blank lines are skipped. */
export function parseJsonLines(fileName: string, text: string): Table {
  const records: Map<string, string>[] = [];
  const lines: number[] = [];
  let lineNumber = 0;
  for (let start = 0; start <= text.length; ) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    lineNumber += 1;
    const lineText = text.slice(start, end);
    start = end + 1;
    if (lineText.trim() === '') continue;

    let item: unknown;
    try {
      item = JSON.parse(lineText);
    } catch (error) {
      const { reason, position } = syntaxErrorDetails(error);
      const column = position === undefined ? '' : `, at character ${position + 1}`;
      throw new DatasetError(
        { file: fileName, line: lineNumber },
        `this line is not valid JSON (${reason}${column}). Each line must hold one complete object, like ${ROW_EXAMPLE}.`,
      );
    }
    records.push(cellsOf(item, { file: fileName, row: records.length + 1, line: lineNumber }));
    lines.push(lineNumber);
  }
  return tableFromRecords(fileName, records, lines);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object without a "data" list';
  if (typeof value === 'string') return 'text';
  if (typeof value === 'boolean') return 'true/false';
  return `a ${typeof value}`;
}

/** One row's values as text; scalars are converted so a label 1 and "1" mean the same. */
function cellsOf(item: unknown, location: DatasetLocation): Map<string, string> {
  if (!isObject(item)) {
    throw new DatasetError(location, `expected an object like ${ROW_EXAMPLE} but found ${describeValue(item)}.`);
  }
  const cells = new Map<string, string>();
  for (const [key, value] of Object.entries(item)) {
    if (typeof value === 'string') cells.set(key, value);
    else if (typeof value === 'number' || typeof value === 'boolean') cells.set(key, String(value));
    else if (value === null) cells.set(key, '');
    else {
      const found = Array.isArray(value) ? 'a list' : 'an object';
      throw new DatasetError(
        { ...location, column: key },
        `"${key}" holds ${found}, but each value must be text, a number, true/false or null. Nested objects and lists are not supported.`,
      );
    }
  }
  return cells;
}

/** Columns in order of first appearance; a row without a column gets ''. */
function tableFromRecords(fileName: string, records: Map<string, string>[], lines: number[]): Table {
  const columnSet = new Set<string>();
  for (const record of records) for (const key of record.keys()) columnSet.add(key);
  const columns = [...columnSet];
  const rows = records.map((record) => Object.fromEntries(columns.map((column) => [column, record.get(column) ?? ''])));
  return { fileName, columns, rows, lines };
}

function syntaxErrorDetails(error: unknown): { reason: string; position?: number } {
  const message = error instanceof Error ? error.message : String(error);
  // V8 appends "in JSON at position N"; other engines word it differently, so keep their text as is.
  const match = / in JSON at position (\d+)/.exec(message);
  if (match === null) return { reason: message };
  return { reason: message.slice(0, match.index), position: Number(match[1]) };
}

function lineAt(text: string, position: number): number {
  let line = 1;
  for (let newline = text.indexOf('\n'); newline !== -1 && newline < position; newline = text.indexOf('\n', newline + 1)) {
    line += 1;
  }
  return line;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LINE_FEED = 0x0a;
const CLOSING_BRACKET = 0x5d;

/**
 * The line on which each element of the rows array starts, found by scanning
 * the already-validated JSON text. JSON.parse gives no positions, and without
 * them errors in a pretty-printed file could only say "row 812".
 */
function rowStartLines(text: string, rowsUnderDataKey: boolean): number[] {
  const rowsDepth = rowsUnderDataKey ? 2 : 1;
  let lines: number[] = [];
  let line = 1;
  let depth = 0;
  let insideRows = false;
  let awaitingRow = false;
  let lastString = '';
  let currentKey = '';
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code === LINE_FEED) {
      line += 1;
      continue;
    }
    if (code === 0x20 || code === 0x09 || code === 0x0d) continue;
    if (awaitingRow) {
      // Right after "[" a "]" means the list is empty, not that a row starts.
      if (code !== CLOSING_BRACKET) lines.push(line);
      awaitingRow = false;
    }
    switch (text[index]) {
      case '"': {
        const end = closingQuoteOf(text, index);
        if (depth === 1) lastString = text.slice(index + 1, end);
        index = end;
        break;
      }
      case ':':
        if (depth === 1) currentKey = lastString;
        break;
      case '[':
        if (rowsUnderDataKey ? depth === 1 && currentKey === 'data' : depth === 0) {
          // JSON.parse keeps the last of duplicate "data" keys, and so do we.
          lines = [];
          insideRows = true;
          awaitingRow = true;
        }
        depth += 1;
        break;
      case '{':
        depth += 1;
        break;
      case ']':
      case '}':
        depth -= 1;
        if (depth < rowsDepth) insideRows = false;
        break;
      case ',':
        if (insideRows && depth === rowsDepth) awaitingRow = true;
        break;
    }
  }
  return lines;
}

function closingQuoteOf(text: string, openingQuote: number): number {
  for (let index = openingQuote + 1; ; index += 1) {
    const code = text.charCodeAt(index);
    if (code === BACKSLASH) index += 1;
    else if (code === QUOTE) return index;
  }
}
