/** Where in a dataset file a problem was found. `line` and `row` are 1-based. */
export interface DatasetLocation {
  file: string;
  /** Line in the file, for text formats; what a user sees in an editor. */
  line?: number;
  /** Data row (1 = first row after the header, or first object in a JSON list). */
  row?: number;
  column?: string;
}

/**
 * A problem with the user's dataset (as opposed to a bug in this program).
 * The message is shown to people who may not be programmers, so it names the
 * file and the place, says what was expected, and where possible how to fix it.
 */
export class DatasetError extends Error {
  readonly file: string;
  readonly line?: number;
  readonly row?: number;
  readonly column?: string;

  /** `problem` is a full sentence (or more) without the location prefix. */
  constructor(location: DatasetLocation, problem: string) {
    super(`${describeLocation(location)}: ${problem}`);
    this.name = 'DatasetError';
    this.file = location.file;
    this.line = location.line;
    this.row = location.row;
    this.column = location.column;
  }
}

// Only one of line/row is shown: a line number is what an editor shows, and
// printing both ("line 14, row 13") reads like a contradiction.
function describeLocation({ file, line, row }: DatasetLocation): string {
  if (line !== undefined) return `${file}, line ${line}`;
  if (row !== undefined) return `${file}, row ${row}`;
  return file;
}
