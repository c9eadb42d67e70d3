/**
 * What a dataset file's bytes are, before any parsing: Parquet, gzip-compressed data, text in
 * UTF-8 (with or without a byte-order mark), or something the studio cannot train on. Files are
 * recognised by their first bytes, whatever their name: a PDF, an image, a spreadsheet or an
 * archive dropped as data gets a message saying what it is and what the studio needs instead,
 * and text in another encoding says where its first non-UTF-8 character is and how to save it.
 */
import { DatasetError } from './dataset-error.ts';

export type SniffedBytes = { readonly kind: 'parquet' } | { readonly kind: 'gzip' } | { readonly kind: 'text'; readonly text: string };

/** The formats the studio reads, for the end of every refusal. */
export const READABLE_FORMATS = 'The studio reads CSV, TSV, JSON, JSON Lines, CoNLL and Parquet files with a text and a label on each row.';

const SAVE_AS_CSV = 'Put the texts and their labels in a spreadsheet and save it as CSV UTF-8.';
const SPREADSHEET = 'In Excel use File › Save As › "CSV UTF-8 (Comma delimited)", in LibreOffice File › Save As › "Text CSV" with UTF-8, and load that file.';
const MODEL_FILE = 'That belongs on the Model step, with its config.json and tokenizer; the Data step needs the texts to train on.';
const EXTRACT = 'Extract it and load the CSV, JSON or Parquet file inside.';

interface KnownBinary {
  readonly what: string;
  readonly advice: string;
  readonly matches: (bytes: Uint8Array) => boolean;
}

const startsWith = (bytes: Uint8Array, at: number, signature: readonly number[] | string) => {
  const codes = typeof signature === 'string' ? [...signature].map((c) => c.charCodeAt(0)) : signature;
  return bytes.length >= at + codes.length && codes.every((code, i) => bytes[at + i] === code);
};

/** Whether the bytes hold `text` (ASCII) anywhere: zip entry names are stored as plain text. */
function holdsAscii(bytes: Uint8Array, text: string): boolean {
  const first = text.charCodeAt(0);
  for (let at = bytes.indexOf(first); at !== -1 && at + text.length <= bytes.length; at = bytes.indexOf(first, at + 1)) {
    if (startsWith(bytes, at, text)) return true;
  }
  return false;
}

const isZip = (bytes: Uint8Array) => startsWith(bytes, 0, [0x50, 0x4b, 0x03, 0x04]) || startsWith(bytes, 0, [0x50, 0x4b, 0x05, 0x06]);
const zipHolding = (...names: string[]) => (bytes: Uint8Array) => isZip(bytes) && names.some((name) => holdsAscii(bytes, name));

/** Most specific first: an .xlsx is also a zip archive. */
const KNOWN_BINARIES: readonly KnownBinary[] = [
  { what: 'a PDF document', advice: SAVE_AS_CSV, matches: (b) => startsWith(b, 0, '%PDF-') },
  { what: 'a PNG image', advice: 'The studio fine-tunes text classifiers: it needs texts, not pictures.', matches: (b) => startsWith(b, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { what: 'a JPEG image', advice: 'The studio fine-tunes text classifiers: it needs texts, not pictures.', matches: (b) => startsWith(b, 0, [0xff, 0xd8, 0xff]) },
  { what: 'a GIF image', advice: 'The studio fine-tunes text classifiers: it needs texts, not pictures.', matches: (b) => startsWith(b, 0, 'GIF87a') || startsWith(b, 0, 'GIF89a') },
  { what: 'a WebP image', advice: 'The studio fine-tunes text classifiers: it needs texts, not pictures.', matches: (b) => startsWith(b, 0, 'RIFF') && startsWith(b, 8, 'WEBP') },
  { what: 'an Excel workbook (.xlsx)', advice: SPREADSHEET, matches: zipHolding('xl/workbook', 'xl/worksheets/') },
  { what: 'a Word document (.docx)', advice: SAVE_AS_CSV, matches: zipHolding('word/document') },
  { what: 'a PowerPoint presentation (.pptx)', advice: SAVE_AS_CSV, matches: zipHolding('ppt/presentation') },
  { what: 'an OpenDocument spreadsheet (.ods)', advice: SPREADSHEET, matches: zipHolding('application/vnd.oasis.opendocument.spreadsheet') },
  { what: 'an OpenDocument text (.odt)', advice: SAVE_AS_CSV, matches: zipHolding('application/vnd.oasis.opendocument.text') },
  { what: 'PyTorch model weights', advice: MODEL_FILE, matches: zipHolding('data.pkl') },
  { what: 'a zip archive', advice: EXTRACT, matches: isZip },
  { what: 'an Excel 97-2003 workbook or another old Office file (.xls, .doc)', advice: SPREADSHEET, matches: (b) => startsWith(b, 0, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]) },
  { what: 'a bzip2-compressed file', advice: EXTRACT, matches: (b) => startsWith(b, 0, 'BZh') && startsWith(b, 4, [0x31, 0x41, 0x59, 0x26, 0x53, 0x59]) },
  { what: 'an xz-compressed file', advice: EXTRACT, matches: (b) => startsWith(b, 0, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) },
  { what: 'a 7-Zip archive', advice: EXTRACT, matches: (b) => startsWith(b, 0, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]) },
  { what: 'a RAR archive', advice: EXTRACT, matches: (b) => startsWith(b, 0, 'Rar!\x1a\x07') },
  { what: 'an SQLite database', advice: 'Export the table as CSV (sqlite3 -header -csv data.db "select text, label from …" > data.csv) and load that.', matches: (b) => startsWith(b, 0, 'SQLite format 3\0') },
  { what: 'an Apache Arrow file', advice: 'Save it as Parquet instead (🤗 datasets: ds.to_parquet("data.parquet")).', matches: (b) => startsWith(b, 0, 'ARROW1') },
  { what: 'model weights (safetensors)', advice: MODEL_FILE, matches: looksLikeSafetensors },
  { what: 'a program', advice: 'It cannot be read as data.', matches: (b) => startsWith(b, 0, [0x7f, 0x45, 0x4c, 0x46]) },
];

/** An 8-byte little-endian header length, then a JSON header that fits in the file. */
function looksLikeSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 10 || bytes[8] !== 0x7b || (bytes[9] !== 0x22 && bytes[9] !== 0x7d)) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, 8);
  const headerLength = view.getBigUint64(0, true);
  return headerLength >= 2n && headerLength <= BigInt(bytes.length - 8);
}

/** What the bytes are; throws a DatasetError naming the file for anything the studio cannot read. */
export function sniffBytes(fileName: string, bytes: Uint8Array): SniffedBytes {
  if (startsWith(bytes, 0, 'PAR1')) return { kind: 'parquet' };
  if (startsWith(bytes, 0, [0x1f, 0x8b])) return { kind: 'gzip' };
  const known = KNOWN_BINARIES.find((binary) => binary.matches(bytes));
  if (known) throw new DatasetError({ file: fileName }, `is ${known.what}, not a table of texts and labels. ${known.advice} ${READABLE_FORMATS}`);
  return { kind: 'text', text: decodeText(fileName, bytes) };
}

const UTF16_ADVICE = 'Save it as UTF-8 instead (in Excel: "CSV UTF-8"; on the command line: iconv -f UTF-16 -t UTF-8).';

/** UTF-8 text without its byte-order mark; UTF-16, other encodings and binary data are refused. */
function decodeText(fileName: string, bytes: Uint8Array): string {
  const refuse = (problem: string) => new DatasetError({ file: fileName }, problem);
  if (startsWith(bytes, 0, [0xff, 0xfe, 0x00, 0x00]) || startsWith(bytes, 0, [0x00, 0x00, 0xfe, 0xff])) {
    throw refuse(`is UTF-32 text, which the studio does not read. ${UTF16_ADVICE.replace('UTF-16', 'UTF-32')}`);
  }
  if (startsWith(bytes, 0, [0xff, 0xfe]) || startsWith(bytes, 0, [0xfe, 0xff])) {
    throw refuse(`is UTF-16 text (Excel's "Unicode Text" and Windows Notepad's "Unicode" save it so), which the studio does not read. ${UTF16_ADVICE}`);
  }
  const utf16 = utf16WithoutMark(bytes);
  if (utf16 !== null) throw refuse(`looks like UTF-16 text (${utf16}) without a byte-order mark, which the studio does not read. ${UTF16_ADVICE}`);
  const control = firstBinaryByte(bytes);
  if (control !== -1) {
    const byte = `0x${bytes[control]!.toString(16).toUpperCase().padStart(2, '0')}`;
    throw refuse(`is not a text file: it holds binary data (byte ${byte} at position ${control.toLocaleString('en-US')}). ${READABLE_FORMATS}`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw refuse(notUtf8Problem(bytes));
  }
}

/**
 * A zero byte anywhere, or in the first 64 KiB a share of control characters no text file has
 * (tabs, line breaks and form feeds aside): the position of the first, or -1.
 */
function firstBinaryByte(bytes: Uint8Array): number {
  const zero = bytes.indexOf(0);
  if (zero !== -1) return zero;
  const sample = bytes.subarray(0, 65536);
  let first = -1;
  let count = 0;
  sample.forEach((byte, i) => {
    if ((byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0c && byte !== 0x0d) || byte === 0x7f) {
      if (first === -1) first = i;
      count += 1;
    }
  });
  return count > Math.max(2, sample.length / 100) ? first : -1;
}

/** "little-endian" or "big-endian" when most sampled characters have a zero high byte on one side. */
function utf16WithoutMark(bytes: Uint8Array): string | null {
  const sample = bytes.subarray(0, Math.min(bytes.length, 4096) & ~1);
  if (sample.length < 8) return null;
  let zeroEven = 0;
  let zeroOdd = 0;
  for (let i = 0; i < sample.length; i += 2) {
    if (sample[i] === 0) zeroEven += 1;
    if (sample[i + 1] === 0) zeroOdd += 1;
  }
  const pairs = sample.length / 2;
  if (zeroOdd > 0.4 * pairs && zeroEven < 0.05 * pairs) return 'little-endian';
  if (zeroEven > 0.4 * pairs && zeroOdd < 0.05 * pairs) return 'big-endian';
  return null;
}

/**
 * Where the text stops being UTF-8, what that byte is in Windows-1252 (the usual culprit: Excel's
 * plain "CSV" on Windows), in the words around it, and how to save the file as UTF-8.
 */
function notUtf8Problem(bytes: Uint8Array): string {
  const at = firstInvalidUtf8(bytes);
  let lineStart = at;
  while (lineStart > 0 && bytes[lineStart - 1] !== 0x0a) lineStart -= 1;
  let line = 1;
  for (let i = 0; i < lineStart; i += 1) if (bytes[i] === 0x0a) line += 1;
  let lineEnd = at;
  while (lineEnd < bytes.length && bytes[lineEnd] !== 0x0a && bytes[lineEnd] !== 0x0d) lineEnd += 1;
  const legacy = new TextDecoder('windows-1252');
  const character = legacy.decode(bytes.subarray(at, at + 1));
  const from = Math.max(lineStart, at - 30);
  const to = Math.min(lineEnd, at + 30);
  const context = `${from > lineStart ? '…' : ''}${legacy.decode(bytes.subarray(from, to)).trim()}${to < lineEnd ? '…' : ''}`;
  const byte = `0x${bytes[at]!.toString(16).toUpperCase().padStart(2, '0')}`;
  return (
    `is not UTF-8 text: line ${line} has the byte ${byte}, which is "${character}" in Windows-1252/Latin-1 ("${context}"). ` +
    'Save the file as UTF-8 (in Excel: "CSV UTF-8"; on the command line: iconv -f WINDOWS-1252 -t UTF-8), then load it again.'
  );
}

/** Index of the first byte that does not belong to a well-formed UTF-8 sequence; -1 when there is none. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i += 1;
      continue;
    }
    let length: number;
    let min: number;
    if (lead >= 0xc2 && lead <= 0xdf) [length, min] = [2, 0x80];
    else if (lead >= 0xe0 && lead <= 0xef) [length, min] = [3, 0x800];
    else if (lead >= 0xf0 && lead <= 0xf4) [length, min] = [4, 0x10000];
    else return i;
    if (i + length > bytes.length) return i;
    let codePoint = lead & (0xff >> (length + 1));
    for (let k = 1; k < length; k += 1) {
      const next = bytes[i + k]!;
      if ((next & 0xc0) !== 0x80) return i;
      codePoint = (codePoint << 6) | (next & 0x3f);
    }
    if (codePoint < min || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) return i;
    i += length;
  }
  return -1;
}
