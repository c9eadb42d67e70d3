import { DatasetError } from './dataset-error.ts';
import type { Table } from './parse.ts';

const QUOTE = 0x22;
const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const END_OF_TEXT = -1;

interface SourceRecord {
  fields: string[];
  /** Line on which the record starts; quoted fields may carry it over several lines. */
  line: number;
}

/** The separators a delimited file may use: comma, semicolon (Excel in many European locales), tab, pipe. */
export type Delimiter = ',' | ';' | '\t' | '|';

export const DELIMITER_NAMES: Record<Delimiter, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'pipe' };

/**
 * Parses CSV (RFC 4180) or TSV with a required header row, fields separated by
 * `delimiter`. Blank lines are skipped. Runs in a single pass so that files of
 * hundreds of megabytes stay fast: unquoted fields are scanned by character
 * code, quoted ones with indexOf.
 */
export function parseDelimited(fileName: string, text: string, delimiter: Delimiter): Table {
  const reader = new RecordReader(fileName, text, delimiter);
  const header = reader.next();
  if (header === undefined) return { fileName, columns: [], rows: [], lines: [] };
  const columns = checkedColumnNames(fileName, header);

  const rows: Record<string, string>[] = [];
  const lines: number[] = [];
  for (let record = reader.next(); record !== undefined; record = reader.next()) {
    if (record.fields.length !== columns.length) {
      throw fieldCountError(fileName, record, columns, delimiter);
    }
    rows.push(rowOf(columns, record.fields));
    lines.push(record.line);
  }
  return { fileName, columns, rows, lines };
}

// A plain loop instead of Object.fromEntries: for millions of rows the
// intermediate [name, value] pairs are a noticeable share of parsing time.
function rowOf(columns: readonly string[], fields: readonly string[]): Record<string, string> {
  const row: Record<string, string> = {};
  for (let index = 0; index < columns.length; index += 1) {
    const column = columns[index];
    // Assigning to "__proto__" would replace the prototype instead of adding a field.
    if (column === '__proto__') {
      Object.defineProperty(row, column, { value: fields[index], enumerable: true, writable: true, configurable: true });
    } else {
      row[column] = fields[index];
    }
  }
  return row;
}

function checkedColumnNames(fileName: string, header: SourceRecord): string[] {
  // Spaces around names ("text, label") are a typing accident, not part of the name.
  const names = header.fields.map((name) => name.trim());
  const firstPosition = new Map<string, number>();
  names.forEach((name, index) => {
    const location = { file: fileName, line: header.line };
    if (name === '') {
      throw new DatasetError(
        location,
        `column ${index + 1} of the header row has no name. Every column needs a name, such as "text" or "label".`,
      );
    }
    const earlier = firstPosition.get(name);
    if (earlier !== undefined) {
      throw new DatasetError(
        { ...location, column: name },
        `the header row has two columns named "${name}" (columns ${earlier + 1} and ${index + 1}). Each column needs a different name.`,
      );
    }
    firstPosition.set(name, index);
  });
  return names;
}

function fieldCountError(fileName: string, record: SourceRecord, columns: string[], delimiter: Delimiter): DatasetError {
  const found = record.fields.length;
  const expected = `expected ${columns.length} field${columns.length === 1 ? '' : 's'} (${columns.join(', ')}) but found ${found}.`;
  const hint =
    found > columns.length
      ? delimiter === '\t'
        ? 'Is there a tab character inside the text?'
        : `Is there an unquoted ${DELIMITER_NAMES[delimiter]} in the text?`
      : 'Is a value missing, or does the text contain a line break without being in double quotes?';
  return new DatasetError({ file: fileName, line: record.line }, `${expected} ${hint}`);
}

/**
 * Reads one record at a time, tracking line numbers for error messages.
 * In TSV quoting is optional, so a field that merely starts with a quote
 * (`"Great" film`) is read literally instead of being an error.
 */
class RecordReader {
  private position = 0;
  private line = 1;
  private readonly fileName: string;
  private readonly text: string;
  private readonly delimiterCode: number;
  private readonly delimiterName: string;
  private readonly quotingOptional: boolean;

  constructor(fileName: string, text: string, delimiter: Delimiter) {
    this.fileName = fileName;
    this.text = text;
    this.delimiterCode = delimiter.charCodeAt(0);
    this.delimiterName = DELIMITER_NAMES[delimiter];
    this.quotingOptional = delimiter === '\t';
  }

  next(): SourceRecord | undefined {
    this.skipBlankLines();
    if (this.position >= this.text.length) return undefined;
    const line = this.line;
    const fields: string[] = [];
    for (;;) {
      fields.push(this.readField());
      const code = this.codeAt(this.position);
      if (code === this.delimiterCode) {
        this.position += 1;
        continue;
      }
      this.consumeLineBreak(code);
      return { fields, line };
    }
  }

  private codeAt(index: number): number {
    return index < this.text.length ? this.text.charCodeAt(index) : END_OF_TEXT;
  }

  private skipBlankLines(): void {
    for (;;) {
      const code = this.codeAt(this.position);
      if (code !== LINE_FEED && code !== CARRIAGE_RETURN) return;
      this.consumeLineBreak(code);
    }
  }

  /** Accepts LF, CRLF and a lone CR as one line break; does nothing at the end of the text. */
  private consumeLineBreak(code: number): void {
    if (code === END_OF_TEXT) return;
    const crlf = code === CARRIAGE_RETURN && this.codeAt(this.position + 1) === LINE_FEED;
    this.position += crlf ? 2 : 1;
    this.line += 1;
  }

  private readField(): string {
    if (this.codeAt(this.position) === QUOTE) {
      const quoted = this.readQuotedField();
      if (quoted !== undefined) return quoted;
    }
    const start = this.position;
    const { text, delimiterCode } = this;
    let index = start;
    while (index < text.length) {
      const code = text.charCodeAt(index);
      if (code === delimiterCode || code === LINE_FEED || code === CARRIAGE_RETURN) break;
      index += 1;
    }
    this.position = index;
    return text.slice(start, index);
  }

  /**
   * Reads a field that starts with a quote. Returns undefined (leaving the
   * position untouched) when the field is not well-formed and quoting is optional.
   */
  private readQuotedField(): string | undefined {
    const { text } = this;
    const openedAt = this.position;
    let value = '';
    let chunkStart = openedAt + 1;
    for (;;) {
      const quote = text.indexOf('"', chunkStart);
      if (quote === -1) {
        if (this.quotingOptional) return undefined;
        throw new DatasetError(
          { file: this.fileName, line: this.line },
          'a quoted field starts on this line but its closing quote (") is missing, so the rest of the file would become part of it. ' +
            'Add the closing quote, and double any quote that belongs to the text ("").',
        );
      }
      if (this.codeAt(quote + 1) === QUOTE) {
        value += text.slice(chunkStart, quote + 1);
        chunkStart = quote + 2;
        continue;
      }
      value += text.slice(chunkStart, quote);
      const following = this.codeAt(quote + 1);
      const closesField =
        following === END_OF_TEXT ||
        following === this.delimiterCode ||
        following === LINE_FEED ||
        following === CARRIAGE_RETURN;
      if (!closesField && this.quotingOptional) return undefined;
      const closingLine = this.line + countLineBreaks(text, openedAt, quote);
      if (!closesField) throw this.textAfterClosingQuoteError(value, closingLine, excerpt(text, quote + 1));
      this.line = closingLine;
      this.position = quote + 1;
      return value;
    }
  }

  private textAfterClosingQuoteError(quotedValue: string, closingLine: number, following: string): DatasetError {
    const quoted = excerpt(quotedValue, 0);
    const problem =
      closingLine === this.line
        ? `the quoted text "${quoted}" is followed by '${following}' instead of a ${this.delimiterName} or the end of the line.`
        : `the quoted text "${quoted}" starts on this line and seems to end on line ${closingLine}, followed by '${following}'. ` +
          'Probably a quote is missing or not doubled.';
    return new DatasetError(
      { file: this.fileName, line: this.line },
      `${problem} Quotes that belong to the text must be doubled inside a quoted field, e.g. "She said ""hi""".`,
    );
  }
}

/** The start of a line of text, for quoting in a message; long text is cut short with "…". */
function excerpt(text: string, from: number): string {
  const maxLength = 20;
  let end = from;
  while (end < text.length && end - from <= maxLength) {
    const code = text.charCodeAt(end);
    if (code === LINE_FEED || code === CARRIAGE_RETURN) break;
    end += 1;
  }
  return end - from > maxLength ? `${text.slice(from, from + maxLength)}…` : text.slice(from, end);
}

function countLineBreaks(text: string, from: number, to: number): number {
  let count = 0;
  for (let index = from; index < to; index += 1) {
    const code = text.charCodeAt(index);
    if (code === LINE_FEED || (code === CARRIAGE_RETURN && text.charCodeAt(index + 1) !== LINE_FEED)) count += 1;
  }
  return count;
}
