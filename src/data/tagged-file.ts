/**
 * A file of tagged sentences (CoNLL, or JSON Lines with "tokens" and "ner_tags") as examples for
 * a token classifier, after the checks the studio and the CLI both run before any work: the file
 * holds tagged sentences, each sentence has one tag per word, and a training file tags at least
 * one entity. An example's text is the sentence's words cell and its label the tags cell
 * (tagged-cells.ts); sentences without words are left out with a warning naming them.
 */
import { DatasetError } from './dataset-error.ts';
import { emptyTextsWarning, type LabelledExample } from './examples.ts';
import type { LabelledFile } from './labelled-file.ts';
import type { Table } from './parse.ts';
import { decodeTaggedCell, taggedColumnsOf } from './tagged-cells.ts';

export function taggedFile(table: Table, role: 'training' | 'validation'): LabelledFile {
  const columns = taggedColumnsOf(table);
  if (columns === null) {
    throw new DatasetError(
      { file: table.fileName },
      `holds no tagged sentences (its columns are ${table.columns.map((c) => `"${c}"`).join(', ')}). A token classifier learns from a CoNLL file (a word and its tag per line, a blank line between sentences) or JSON Lines like {"tokens": ["EU", "rejects"], "ner_tags": ["B-ORG", "O"]}.`,
    );
  }
  const examples: LabelledExample[] = [];
  const emptyTexts: number[] = [];
  let entityTags = 0;
  table.rows.forEach((row, index) => {
    const location = { file: table.fileName, line: table.lines[index], row: index + 1 };
    const words = decodeTaggedCell(row[columns.words]!, { ...location, column: columns.words });
    const tags = decodeTaggedCell(row[columns.tags]!, { ...location, column: columns.tags });
    if (words.length === 0) {
      emptyTexts.push(index);
      return;
    }
    if (tags.length !== words.length) {
      throw new DatasetError({ ...location, column: columns.tags }, `has ${words.length} word${words.length === 1 ? '' : 's'} but ${tags.length} tag${tags.length === 1 ? '' : 's'}; each word needs exactly one tag.`);
    }
    entityTags += tags.filter((tag) => tag !== 'O').length;
    examples.push({ text: row[columns.words]!, label: row[columns.tags]! });
  });
  if (examples.length === 0) throw new DatasetError({ file: table.fileName }, 'every sentence is empty: there is nothing to learn from.');
  if (role === 'training' && entityTags === 0) {
    throw new DatasetError({ file: table.fileName }, `every word is tagged O: there is no entity to learn. Tag entities with B- and I- tags (such as B-PER, I-PER).`);
  }
  const consequence = role === 'training' ? 'left out of training' : 'left out of the validation rows';
  const warning = emptyTextsWarning(table, emptyTexts, consequence);
  return { fileName: table.fileName, examples, warnings: warning === null ? [] : [warning] };
}
