/**
 * JSON Lines of tagged sentences, as Hugging Face token-classification datasets are written
 * (`{"tokens": ["EU", "rejects"], "ner_tags": ["B-ORG", "O"]}`): one sentence per line, its words
 * and one tag per word, the tags as names or as ids into a tag list given alongside. Read into a
 * table with one row per sentence whose word and tag cells hold JSON lists (tagged-cells.ts), the
 * same table a CoNLL file gives. Other columns with scalar values are kept; other lists
 * (`pos_tags`, `chunk_tags`) are left out, as a token tagger reads only one tag per word.
 */
import { DatasetError, type DatasetLocation } from './dataset-error.ts';
import type { Table } from './parse.ts';
import { encodeTaggedCell, TAG_COLUMNS, WORDS_COLUMN } from './tagged-cells.ts';

const ROW_EXAMPLE = '{"tokens": ["EU", "rejects", "German"], "ner_tags": ["B-ORG", "O", "B-MISC"]}';

export interface TaggedReadOptions {
  /** The tag names of ids 0, 1, …, for files whose tags are ids. */
  readonly tagNames?: readonly string[];
}

/**
 * Tags written as ids with no tag list to name them. The CLI takes the list as a flag and the
 * studio in a field of its Data screen, so each says where with `withTagNamesAt`.
 */
export class UnnamedTagIdsError extends DatasetError {
  constructor(
    private readonly at: DatasetLocation,
    private readonly found: string,
    /** Where the tag names are given, as it reads after "Give the tag names in id order"; empty when it is not known. */
    where = '',
  ) {
    super(at, `${found} Give the tag names in id order${where === '' ? '' : ` ${where}`} (the dataset's ClassLabel names, such as O,B-PER,I-PER), or write the tags as names.`);
  }

  withTagNamesAt(where: string): UnnamedTagIdsError {
    return new UnnamedTagIdsError(this.at, this.found, where);
  }
}

/** Whether JSON text is tagged sentences: its first row has a list of words under "tokens". */
export function looksLikeTaggedJsonLines(text: string): boolean {
  const start = text.search(/\S/);
  const end = text.indexOf('\n', start);
  try {
    const first: unknown = JSON.parse(text.slice(start, end === -1 ? text.length : end));
    return isObject(first) && Array.isArray(first[WORDS_COLUMN]);
  } catch {
    return false;
  }
}

export function parseTaggedJsonLines(fileName: string, text: string, options: TaggedReadOptions = {}): Table {
  const rows: Record<string, string>[] = [];
  const lines: number[] = [];
  const scalarColumns = new Set<string>();
  let tagColumn: string | undefined;
  text.split('\n').forEach((lineText, index) => {
    if (lineText.trim() === '') return;
    const location: DatasetLocation = { file: fileName, line: index + 1 };
    const item = parseLine(lineText, location);
    tagColumn ??= TAG_COLUMNS.find((column) => column in item);
    const words = wordsOf(item, location);
    const tags = tagsOf(item, tagColumn, words.length, options.tagNames, location);
    const row: Record<string, string> = { [WORDS_COLUMN]: encodeTaggedCell(words), [tagColumn!]: encodeTaggedCell(tags) };
    for (const [key, value] of Object.entries(item)) {
      if (key === WORDS_COLUMN || key === tagColumn || Array.isArray(value) || isObject(value)) continue;
      scalarColumns.add(key);
      row[key] = value === null || value === undefined ? '' : String(value as string | number | boolean);
    }
    rows.push(row);
    lines.push(index + 1);
  });
  const columns = [WORDS_COLUMN, tagColumn!, ...scalarColumns];
  return { fileName, columns, rows: rows.map((row) => Object.fromEntries(columns.map((c) => [c, row[c] ?? '']))), lines };
}

function parseLine(lineText: string, location: DatasetLocation): Record<string, unknown> {
  let item: unknown;
  try {
    item = JSON.parse(lineText);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DatasetError(location, `this line is not valid JSON (${reason}). Each line must hold one sentence, like ${ROW_EXAMPLE}.`);
  }
  if (!isObject(item)) throw new DatasetError(location, `expected one sentence as an object, like ${ROW_EXAMPLE}.`);
  return item;
}

function wordsOf(item: Record<string, unknown>, location: DatasetLocation): string[] {
  const words = item[WORDS_COLUMN];
  if (!Array.isArray(words)) {
    throw new DatasetError({ ...location, column: WORDS_COLUMN }, `has no "tokens" list. Each line holds a sentence's words under "tokens", like ${ROW_EXAMPLE}.`);
  }
  words.forEach((word: unknown, position) => {
    if (typeof word !== 'string' || word.trim() === '') {
      throw new DatasetError(
        { ...location, column: WORDS_COLUMN },
        `word ${position + 1} of "tokens" is ${JSON.stringify(word)}; each word must be non-empty text.`,
      );
    }
  });
  return words as string[];
}

function tagsOf(
  item: Record<string, unknown>,
  tagColumn: string | undefined,
  wordCount: number,
  tagNames: readonly string[] | undefined,
  location: DatasetLocation,
): string[] {
  const tags = tagColumn === undefined ? undefined : item[tagColumn];
  if (tagColumn === undefined || !Array.isArray(tags)) {
    const name = tagColumn ?? 'ner_tags';
    throw new DatasetError(
      { ...location, column: name },
      `has no "${name}" list. Each line needs one tag per word (such as "O" or "B-PER") under "${name}", like ${ROW_EXAMPLE}.`,
    );
  }
  const at = { ...location, column: tagColumn };
  if (tags.length !== wordCount) {
    throw new DatasetError(at, `has ${wordCount} word${wordCount === 1 ? '' : 's'} in "tokens" but ${tags.length} tag${tags.length === 1 ? '' : 's'} in "${tagColumn}"; each word needs exactly one tag.`);
  }
  return tags.map((tag: unknown, position) => {
    if (typeof tag === 'string' && tag.trim() !== '' && !/\s/.test(tag.trim())) return tag.trim();
    if (typeof tag === 'number' && Number.isInteger(tag)) {
      if (tagNames === undefined) {
        throw new UnnamedTagIdsError(at, `"${tagColumn}" holds tag ids (${JSON.stringify(tag)} for word ${position + 1}) but no tag list was given to name them.`);
      }
      const name = tagNames[tag];
      if (name === undefined) {
        throw new DatasetError(at, `tag id ${tag} (word ${position + 1}) is not in the tag list, which names ids 0 to ${tagNames.length - 1}.`);
      }
      return name;
    }
    throw new DatasetError(at, `tag ${position + 1} of "${tagColumn}" is ${JSON.stringify(tag)}; a tag is a name without spaces (such as "O" or "B-PER") or an id into the tag list.`);
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
