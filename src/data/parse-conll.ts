/**
 * CoNLL-style token tagging files (CoNLL-2003, WNUT-17): one word per line with its tag in the
 * last column, a blank line between sentences, `-DOCSTART-` lines between documents. Read into
 * a table with one row per sentence: its words and its tags, each separated by spaces.
 */
import { DatasetError } from './dataset-error.ts';
import type { Table } from './parse.ts';

const TAG = /^(O|[BIESLU]-\S+)$/;
const DOCSTART = /^-DOCSTART-(\s|$)/;

/** Whether text with no other format looks like CoNLL: word-and-tag lines, sentences apart. */
export function looksLikeConll(text: string): boolean {
  const lines = text.split(/\r?\n/, 400);
  const filled = lines.filter((line) => line.trim() !== '' && !DOCSTART.test(line));
  if (filled.length < 2 || !lines.some((line) => line.trim() === '')) return false;
  const tags = filled.map((line) => line.trim().split(/\s+/)).filter((fields) => fields.length >= 2 && fields.length <= 4 && TAG.test(fields.at(-1)!)).map((fields) => fields.at(-1)!);
  // Lines that happen to end in "O" are not tags; a tagged file names some entity.
  return tags.length >= 0.9 * filled.length && tags.some((tag) => tag !== 'O');
}

export function parseConll(fileName: string, text: string): Table {
  const rows: Record<string, string>[] = [];
  const lines: number[] = [];
  let words: string[] = [];
  let tags: string[] = [];
  let startLine = 0;
  const endSentence = () => {
    if (words.length > 0) {
      rows.push({ tokens: words.join(' '), tags: tags.join(' ') });
      lines.push(startLine);
    }
    words = [];
    tags = [];
  };
  text.split(/\r?\n/).forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === '' || DOCSTART.test(trimmed)) return endSentence();
    const fields = trimmed.split(/\s+/);
    if (fields.length < 2) {
      throw new DatasetError(
        { file: fileName, line: index + 1 },
        `has only "${fields[0]}". In a CoNLL file each line holds a word and its tag (such as O or B-PER), separated by a space or a tab.`,
      );
    }
    if (words.length === 0) startLine = index + 1;
    words.push(fields[0]!);
    tags.push(fields.at(-1)!);
  });
  endSentence();
  return { fileName, columns: ['tokens', 'tags'], rows, lines };
}
