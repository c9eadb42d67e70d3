/**
 * Which separator a delimited text file uses: comma, semicolon (what Excel writes into .csv in
 * many European locales), tab or pipe. The header row decides: the candidate that splits it into
 * the most fields and splits the following rows the same way wins. Quoted text is skipped, so a
 * comma inside "…" does not count. Excel's `sep=;` first line is honoured.
 */
import type { Delimiter } from './parse-delimited.ts';

const CANDIDATES: readonly Delimiter[] = [',', ';', '\t', '|'];
/** Rows looked at after the header: enough to see a pattern, few enough to cost nothing. */
const SAMPLE_ROWS = 50;

export interface DetectedDelimiter {
  readonly delimiter: Delimiter;
  /** True when the file named its separator on an Excel `sep=` first line (blanked for parsing). */
  readonly declared: boolean;
  /** The text to parse: the same, with a `sep=` line replaced by an empty one so line numbers stay. */
  readonly text: string;
}

export function detectDelimiter(text: string, fallback: Delimiter): DetectedDelimiter {
  const declared = /^sep=([,;\t|])[ \t]*\r?\n/.exec(text);
  if (declared) return { delimiter: declared[1] as Delimiter, declared: true, text: `\n${text.slice(declared[0].length)}` };
  const rows = sampleRows(text);
  let best: { delimiter: Delimiter; agreeing: number; fields: number } | null = null;
  for (const delimiter of CANDIDATES) {
    const counts = rows.map((row) => countOutsideQuotes(row, delimiter));
    const header = counts[0] ?? 0;
    if (header === 0) continue;
    const agreeing = counts.slice(1).filter((count) => count === header).length;
    const better = best === null || agreeing > best.agreeing || (agreeing === best.agreeing && header > best.fields);
    if (better) best = { delimiter, agreeing, fields: header };
  }
  return { delimiter: best?.delimiter ?? fallback, declared: false, text };
}

/** The header and the next rows, each as one string even when a quoted field spans lines. */
function sampleRows(text: string): string[] {
  const rows: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length && rows.length <= SAMPLE_ROWS; i += 1) {
    const code = text.charCodeAt(i);
    if (code === 0x22) quoted = !quoted;
    else if (code === 0x0a && !quoted) {
      const row = text.slice(start, i);
      if (row.trim() !== '') rows.push(row);
      start = i + 1;
    }
  }
  if (rows.length <= SAMPLE_ROWS && start < text.length && text.slice(start).trim() !== '') rows.push(text.slice(start));
  return rows;
}

function countOutsideQuotes(row: string, delimiter: Delimiter): number {
  let count = 0;
  let quoted = false;
  for (const char of row) {
    if (char === '"') quoted = !quoted;
    else if (char === delimiter && !quoted) count += 1;
  }
  return count;
}
