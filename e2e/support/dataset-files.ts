/**
 * Dataset files both faces are tested with, and what each must say about them, word for word:
 * the CLI's Vitest tests pass them as --data, the studio's Playwright tests drop them on the
 * Data screen. Bad files must be refused with `message`; good ones in an unusual format must be
 * read and say how (`readAs`). The messages are written out here, not computed by the code
 * under test, so a changed message fails both faces. Node only.
 */
import { zipSync } from 'fflate';
import { gzipSync } from 'node:zlib';
import { parquetFile } from '../../src/data/parquet-fixture.ts';

export interface BadDatasetFile {
  /** What the row of docs/RELIABILITY.md calls it. */
  readonly what: string;
  readonly name: string;
  readonly bytes: Uint8Array;
  /** The whole message, file name first, as both faces show it. */
  readonly message: string;
  /**
   * Bad only for a text classifier: the studio reads it as token classification data (the task
   * of tagged sentences), so only the CLI's `--task single-label` and the parser see the message.
   */
  readonly taggedSentences?: true;
}

export interface ReadableDatasetFile {
  readonly what: string;
  readonly name: string;
  readonly bytes: Uint8Array;
  /** How the file was read, as the CLI logs it ("read as …") and the studio shows it ("Read as"). */
  readonly readAs: string;
  readonly rows: number;
}

const utf8 = (text: string) => new TextEncoder().encode(text);
const latin1 = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const utf16le = (text: string) => Uint8Array.from([...text].flatMap((c) => [c.charCodeAt(0) & 0xff, c.charCodeAt(0) >> 8]));
const concat = (...parts: (Uint8Array | readonly number[])[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

const READS = 'The studio reads CSV, TSV, JSON, JSON Lines, CoNLL and Parquet files with a text and a label on each row.';
const SAVE_AS_CSV = 'Put the texts and their labels in a spreadsheet and save it as CSV UTF-8.';
const NOT_PICTURES = 'The studio fine-tunes text classifiers: it needs texts, not pictures.';
const SPREADSHEET = 'In Excel use File › Save As › "CSV UTF-8 (Comma delimited)", in LibreOffice File › Save As › "Text CSV" with UTF-8, and load that file.';
const UTF16 = 'Save it as UTF-8 instead (in Excel: "CSV UTF-8"; on the command line: iconv -f UTF-16 -t UTF-8).';

/** Six reviews, two labels: enough for every check a loaded dataset passes. */
const REVIEWS: readonly [string, string][] = [
  ['A moving, funny film', 'pos'],
  ['Dull and far too long', 'neg'],
  ['Lovely acting throughout', 'pos'],
  ['The plot made no sense', 'neg'],
  ['Brilliant from start to end', 'pos'],
  ['Clumsy, tedious, forgettable', 'neg'],
];

function delimited(separator: string): string {
  return `text${separator}label\n${REVIEWS.map(([text, label]) => `${text.includes(separator) ? `"${text}"` : text}${separator}${label}`).join('\n')}\n`;
}

export function badDatasetFiles(): BadDatasetFile[] {
  const csv = 'text,label\nA moving film,pos\nDull and long,neg\n';
  const zip = (entries: Record<string, string>) => zipSync(Object.fromEntries(Object.entries(entries).map(([name, text]) => [name, utf8(text)])));
  const safetensorsHeader = utf8('{"__metadata__":{"format":"pt"}}');
  const headerLength = new Uint8Array(8);
  new DataView(headerLength.buffer).setBigUint64(0, BigInt(safetensorsHeader.length), true);
  return [
    {
      what: 'UTF-16 text with a byte-order mark (Excel "Unicode Text")',
      name: 'unicode-text.csv',
      bytes: concat([0xff, 0xfe], utf16le(csv)),
      message: `unicode-text.csv: is UTF-16 text (Excel's "Unicode Text" and Windows Notepad's "Unicode" save it so), which the studio does not read. ${UTF16}`,
    },
    {
      what: 'UTF-16 text without a byte-order mark',
      name: 'utf16-no-bom.tsv',
      bytes: utf16le(csv),
      message: `utf16-no-bom.tsv: looks like UTF-16 text (little-endian) without a byte-order mark, which the studio does not read. ${UTF16}`,
    },
    {
      what: 'Windows-1252 / Latin-1 text (Excel\'s plain "CSV")',
      name: 'excel-latin1.csv',
      bytes: latin1('text,label\nA fine day,pos\nCafé au lait was cold,neg\n'),
      message:
        'excel-latin1.csv: is not UTF-8 text: line 3 has the byte 0xE9, which is "é" in Windows-1252/Latin-1 ("Café au lait was cold,neg"). ' +
        'Save the file as UTF-8 (in Excel: "CSV UTF-8"; on the command line: iconv -f WINDOWS-1252 -t UTF-8), then load it again.',
    },
    {
      what: 'binary data under a .csv name',
      name: 'random.csv',
      bytes: concat(utf8('text,label\n'), [0x00, 0x13, 0x88, 0x07], utf8('more')),
      message: `random.csv: is not a text file: it holds binary data (byte 0x00 at position 11). ${READS}`,
    },
    {
      what: 'a PDF',
      name: 'reviews.pdf',
      bytes: utf8('%PDF-1.7\n%âãÏÓ\n1 0 obj\n<< /Type /Catalog >>\nendobj\n'),
      message: `reviews.pdf: is a PDF document, not a table of texts and labels. ${SAVE_AS_CSV} ${READS}`,
    },
    {
      what: 'a PNG image',
      name: 'screenshot.png',
      bytes: concat([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13], utf8('IHDR')),
      message: `screenshot.png: is a PNG image, not a table of texts and labels. ${NOT_PICTURES} ${READS}`,
    },
    {
      what: 'a JPEG image',
      name: 'photo.jpg',
      bytes: concat([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10], utf8('JFIF')),
      message: `photo.jpg: is a JPEG image, not a table of texts and labels. ${NOT_PICTURES} ${READS}`,
    },
    {
      what: 'a GIF image',
      name: 'animation.gif',
      bytes: concat(utf8('GIF89a'), [1, 0, 1, 0, 0x80, 0, 0]),
      message: `animation.gif: is a GIF image, not a table of texts and labels. ${NOT_PICTURES} ${READS}`,
    },
    {
      what: 'an Excel workbook (.xlsx)',
      name: 'reviews.xlsx',
      bytes: zip({ '[Content_Types].xml': '<Types/>', 'xl/workbook.xml': '<workbook/>', 'xl/worksheets/sheet1.xml': '<worksheet/>' }),
      message: `reviews.xlsx: is an Excel workbook (.xlsx), not a table of texts and labels. ${SPREADSHEET} ${READS}`,
    },
    {
      what: 'a Word document (.docx)',
      name: 'reviews.docx',
      bytes: zip({ '[Content_Types].xml': '<Types/>', 'word/document.xml': '<document/>' }),
      message: `reviews.docx: is a Word document (.docx), not a table of texts and labels. ${SAVE_AS_CSV} ${READS}`,
    },
    {
      what: 'a zip archive',
      name: 'dataset.zip',
      bytes: zip({ 'train.csv': csv }),
      message: `dataset.zip: is a zip archive, not a table of texts and labels. Extract it and load the CSV, JSON or Parquet file inside. ${READS}`,
    },
    {
      what: 'model weights (safetensors) dropped as data',
      name: 'model.safetensors',
      bytes: concat(headerLength, safetensorsHeader),
      message:
        'model.safetensors: is model weights (safetensors), not a table of texts and labels. ' +
        `That belongs on the Model step, with its config.json and tokenizer; the Data step needs the texts to train on. ${READS}`,
    },
    {
      what: 'CoNLL token tags (one tag per word)',
      name: 'entities.conll',
      taggedSentences: true,
      bytes: utf8('-DOCSTART- O\n\nEU B-ORG\nrejects O\nGerman B-MISC\ncall O\n\nPeter B-PER\nBlackburn I-PER\n'),
      message:
        'entities.conll: is CoNLL (a word and its tag per line): 2 sentences with a tag for every word. That trains a token tagger; ' +
        'the studio trains text classifiers, which need one label per text. Load a CSV, TSV, JSON or Parquet file with a text column and a label column.',
    },
    {
      what: 'an empty file',
      name: 'empty.csv',
      bytes: new Uint8Array(0),
      message: 'empty.csv: no data rows: the file is empty.',
    },
    {
      what: 'a header and no rows',
      name: 'header-only.csv',
      bytes: utf8('text,label\n'),
      message: 'header-only.csv: no data rows. The file needs at least one row of data below the header row.',
    },
  ];
}

export function readableDatasetFiles(): ReadableDatasetFile[] {
  const rows = REVIEWS.length;
  const jsonl = REVIEWS.map(([text, label]) => JSON.stringify({ text, label })).join('\n');
  return [
    { what: 'semicolon-separated .csv (Excel in European locales)', name: 'semicolons.csv', bytes: utf8(delimited(';')), readAs: 'CSV separated by semicolons (;)', rows },
    { what: 'tab-separated text in a .csv', name: 'tabs.csv', bytes: utf8(delimited('\t')), readAs: 'TSV (tab-separated)', rows },
    { what: 'pipe-separated .txt', name: 'pipes.txt', bytes: utf8(delimited('|')), readAs: 'CSV separated by pipes (|)', rows },
    { what: "Excel's sep=; first line", name: 'excel-sep.csv', bytes: utf8(`sep=;\n${delimited(';')}`), readAs: 'CSV separated by semicolons (;), as its sep= line says', rows },
    { what: 'UTF-8 with a byte-order mark', name: 'bom.csv', bytes: concat([0xef, 0xbb, 0xbf], utf8(delimited(','))), readAs: 'CSV (comma-separated)', rows },
    {
      what: 'Parquet',
      name: 'reviews.parquet',
      bytes: parquetFile([
        { name: 'text', values: REVIEWS.map(([text]) => text) },
        { name: 'label', values: REVIEWS.map(([, label]) => label) },
      ]),
      readAs: 'Parquet',
      rows,
    },
    { what: 'gzip-compressed JSON Lines', name: 'reviews.jsonl.gz', bytes: new Uint8Array(gzipSync(utf8(jsonl))), readAs: 'gzip-compressed JSON Lines (one row per line)', rows },
  ];
}
