import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { completeTokenizerFiles } from '../src/tokenize/tokenizer-files.ts';
import { createTokenizer } from '../src/tokenize/tokenizer.ts';
import { DataService } from './data-service.ts';
import { unpackRows } from './packed-rows.ts';
import type { DataReply } from './protocol.ts';

const vocabTxt = readFileSync(new URL('../public/tokenizers/bert-base-uncased/vocab.txt', import.meta.url), 'utf8');
const tokenizerFiles = completeTokenizerFiles({ vocabTxt, tokenizerConfig: { do_lower_case: true } }, { model_type: 'bert' });

function service() {
  const replies: DataReply[] = [];
  const configured: string[] = [];
  const s = new DataService({
    send: (r) => replies.push(r),
    createTokenizer,
    configure: async (endpoint) => void configured.push(endpoint),
    fetch: async (url) => new Response(url === 'http://app/demo.csv' ? demoCsv : 'missing', { status: url === 'http://app/demo.csv' ? 200 : 404 }),
    now: () => 0,
  });
  const last = <T extends DataReply['type']>(type: T) => replies.filter((r): r is Extract<DataReply, { type: T }> => r.type === type).at(-1);
  return { s, replies, configured, last };
}

const file = (name: string, text: string) => new File([text], name);
const demoCsv = ['review,sentiment', ...Array.from({ length: 20 }, (_, i) => `"review number ${i}, ${i % 2 ? 'lovely' : 'awful'}",${i % 2 ? 'pos' : 'neg'}`)].join('\n');

describe('DataService', () => {
  it('loads a file, guesses the columns and splits it stratified', async () => {
    const { s, last } = service();
    await s.handle({ type: 'load-dataset', role: 'main', source: { kind: 'file', file: file('reviews.csv', demoCsv) } });
    const summary = last('dataset')!.summary;
    expect(summary).toMatchObject({ fileName: 'reviews.csv', rowCount: 20, columns: ['review', 'sentiment'], labels: ['neg', 'pos'], validationFile: null });
    expect(summary.mapping).toEqual({ text: 'review', label: 'sentiment' });
    expect(summary.trainCounts).toEqual([8, 8]);
    expect(summary.validationCounts).toEqual([2, 2]);
    expect(summary.preview[0]).toEqual(['review number 0, awful', 'neg']);
  });

  it('fetches the demo dataset from the app with progress', async () => {
    const { s, replies, last } = service();
    await s.handle({ type: 'load-dataset', role: 'main', source: { kind: 'url', url: 'http://app/demo.csv', fileName: 'demo.csv' } });
    expect(replies.some((r) => r.type === 'dataset-progress' && r.phase === 'parsing')).toBe(true);
    expect(last('dataset')!.summary.rowCount).toBe(20);
    await s.handle({ type: 'load-dataset', role: 'main', source: { kind: 'url', url: 'http://app/gone.csv', fileName: 'gone.csv' } });
    expect(last('dataset-error')!.message).toMatch(/^gone\.csv: could not be downloaded .*HTTP 404/);
  });

  it('keeps the good dataset when a bad file comes, and names the file and line', async () => {
    const { s, replies, last } = service();
    await s.handle({ type: 'load-dataset', role: 'main', source: { kind: 'file', file: file('good.csv', demoCsv) } });
    const before = replies.length;
    await s.handle({ type: 'load-dataset', role: 'main', source: { kind: 'file', file: file('bad.csv', 'text,label\n"unclosed quote,pos\nfine,neg\n') } });
    expect(last('dataset-error')).toMatchObject({ role: 'main' });
    expect(last('dataset-error')!.message).toMatch(/^bad\.csv, line 2/);
    expect(replies.slice(before).some((r) => r.type === 'dataset')).toBe(false);
    expect(s.summary().fileName).toBe('good.csv');
    await s.handle({ type: 'load-dataset', role: 'main', source: { kind: 'file', file: file('one-label.csv', 'text,label\na,x\nb,x\n') } });
    expect(last('dataset-error')!.message).toMatch(/^one-label\.csv: the label column "label" has only one value/);
    expect(s.summary().fileName).toBe('good.csv');
  });

  it('reads a file whose text and label columns are swapped the other way round, saying so, and refuses the swapped choice', async () => {
    const { s, last } = service();
    const swapped = ['text,label', ...Array.from({ length: 12 }, (_, i) => `${i % 2 ? 'pos' : 'neg'},"review ${i}, ${i % 2 ? 'lovely' : 'awful'} from start to end"`)].join('\n');
    await s.handle({ type: 'load-dataset', role: 'main', source: { kind: 'file', file: file('swapped.csv', swapped) } });
    const summary = last('dataset')!.summary;
    expect(summary.mapping).toEqual({ text: 'label', label: 'text' });
    expect(summary.labels).toEqual(['neg', 'pos']);
    expect(summary.warnings[0]).toBe(
      'The column "text" holds what look like labels and "label" what look like texts, so "label" is read as the text and "text" as the label. Change the columns below if that is wrong.',
    );
    await s.handle({ type: 'set-mapping', mapping: { text: 'text', label: 'label' } });
    expect(last('dataset-error')!.message).toMatch(/^swapped\.csv: the label column "label" looks like text .*: are they swapped\? Use "label" as the text and "text" as the label\.$/);
    expect(s.summary().mapping).toEqual({ text: 'label', label: 'text' });
  });

  it('refuses text that is not UTF-8 with what to do about it', async () => {
    const { s, last } = service();
    const latin1 = new File([Uint8Array.of(0x74, 0x65, 0x78, 0x74, 0x2c, 0x6c, 0x0a, 0xe9, 0x2c, 0x61, 0x0a)], 'excel.csv');
    await s.handle({ type: 'load-dataset', role: 'main', source: { kind: 'file', file: latin1 } });
    expect(last('dataset-error')!.message).toBe(
      'excel.csv: is not UTF-8 text: line 2 has the byte 0xE9, which is "é" in Windows-1252/Latin-1 ("é,a"). ' +
        'Save the file as UTF-8 (in Excel: "CSV UTF-8"; on the command line: iconv -f WINDOWS-1252 -t UTF-8), then load it again.',
    );
  });

  it('changes columns and split, and keeps the old choice when the new one is impossible', async () => {
    const { s, last } = service();
    await s.handle({ type: 'load-dataset', role: 'main', source: { kind: 'file', file: file('d.csv', 'a,b,c\nx1,p,q\nx2,n,q\nx3,p,q\nx4,n,q\n') } });
    await s.handle({ type: 'set-mapping', mapping: { text: 'a', label: 'c' } });
    expect(last('dataset-error')!.message).toMatch(/only one value \("q"\)/);
    expect(s.summary().mapping.label).toBe('b');
    await s.handle({ type: 'set-split', split: { kind: 'fraction', fraction: 0.5, seed: 1 } });
    expect(last('dataset')!.summary.validationCounts).toEqual([1, 1]);
    await expect(s.handle({ type: 'set-split', split: { kind: 'fraction', fraction: 1, seed: 1 } })).rejects.toThrow(/below 100%/);
    await s.handle({ type: 'set-split', split: { kind: 'file' } });
    expect(last('dataset-error')!.message).toMatch(/choose a validation file first/);
  });

  it('takes validation rows from a second file with the same columns', async () => {
    const { s, last } = service();
    await s.handle({ type: 'load-dataset', role: 'validation', source: { kind: 'file', file: file('val.csv', demoCsv) } });
    expect(last('dataset-error')!.message).toMatch(/load the training data first/);
    await s.handle({ type: 'load-dataset', role: 'main', source: { kind: 'file', file: file('train.csv', demoCsv) } });
    await s.handle({ type: 'load-dataset', role: 'validation', source: { kind: 'file', file: file('val.csv', 'text,label\nhello,pos\n') } });
    expect(last('dataset-error')!.message).toMatch(/^val\.csv: there is no column named "review"/);
    // A label the training rows never have could not be learnt: the file is refused, naming it.
    await s.handle({ type: 'load-dataset', role: 'validation', source: { kind: 'file', file: file('val.csv', 'review,sentiment\nhello,pos\nbye,new\n') } });
    expect(last('dataset-error')!.message).toBe(
      'val.csv: has label "new" (1 row) that the training data (train.csv) never has, so the model could not learn it. Add training rows with that label, or remove them from the validation file.',
    );
    await s.handle({ type: 'load-dataset', role: 'validation', source: { kind: 'file', file: file('val.csv', 'review,sentiment\nhello,pos\n ,neg\nbye,neg\n') } });
    const summary = last('dataset')!.summary;
    expect(summary.split).toEqual({ kind: 'file' });
    expect(summary.validationFile).toEqual({ fileName: 'val.csv', rowCount: 3 });
    expect(summary.trainCounts).toEqual([10, 10]);
    expect(summary.validationCounts).toEqual([1, 1]);
    expect(summary.warnings).toContain('val.csv: empty text on line 3; that row is left out of the validation rows.');
    await s.handle({ type: 'remove-validation-file' });
    expect(last('dataset')!.summary.split).toMatchObject({ kind: 'fraction' });
  });

  it('measures token lengths, previews a row, tokenizes for training and encodes try-it text', async () => {
    const { s, last } = service();
    await s.handle({ type: 'load-dataset', role: 'main', source: { kind: 'file', file: file('reviews.csv', demoCsv) } });
    await expect(s.handle({ type: 'token-stats', maxLength: 8, previewRow: 0 })).rejects.toThrow(/load a model first/);
    await s.handle({ type: 'set-tokenizer', files: tokenizerFiles });
    expect(last('tokenizer-ready')).toBeDefined();
    await s.handle({ type: 'token-stats', maxLength: 6, previewRow: 21 });
    const stats = last('token-stats')!.stats;
    // Every row is 7 ids with [CLS] and [SEP]: all are longer than 6.
    expect(stats).toMatchObject({ sampled: 20, total: 20, maxLength: 6, truncatedShare: 1 });
    expect(stats.bins.find((b) => b.from <= 7 && 7 <= b.to)!.count).toBe(20);
    expect(stats.preview).toMatchObject({ row: 1, tokens: ['review', 'number', '1', ',', 'lovely'] });
    expect(stats.preview!.ids).toHaveLength(6);

    await s.handle({ type: 'tokenize', maxLength: 6 });
    const data = last('tokenized')!.data;
    expect(data.labels).toEqual(['neg', 'pos']);
    expect(data.truncated).toBe(16);
    expect(unpackRows(data.train)).toHaveLength(16);
    expect(unpackRows(data.validation).every((r) => r.inputIds.length <= 6 && r.inputIds[0] === 101)).toBe(true);
    expect(data.validationTexts).toHaveLength(4);

    await s.handle({ type: 'encode', requestId: 7, text: 'Lovely!', textPair: null, maxLength: 16, asWords: false });
    expect(last('encoded')).toMatchObject({ requestId: 7, words: null, wordIds: null });
    expect(Array.from(last('encoded')!.ids)).toEqual([101, 8403, 999, 102]);

    // A token classifier's sentence: split at whitespace, each word's tokens marked with its index.
    await s.handle({ type: 'encode', requestId: 8, text: ' Lovely!  day ', textPair: null, maxLength: 16, asWords: true });
    expect(last('encoded')).toMatchObject({ requestId: 8, words: ['Lovely!', 'day'], wordIds: [null, 0, 0, 1, null] });
    expect(Array.from(last('encoded')!.ids)).toEqual([101, 8403, 999, 2154, 102]);

    // A pair model's two texts, as the tokenizer encodes a pair: [SEP] between them, segment 1 for the second.
    await s.handle({ type: 'encode', requestId: 9, text: 'Lovely!', textPair: 'day', maxLength: 16, asWords: false });
    expect(Array.from(last('encoded')!.ids)).toEqual([101, 8403, 999, 102, 2154, 102]);
    expect(Array.from(last('encoded')!.typeIds!)).toEqual([0, 0, 0, 0, 1, 1]);
  });

  it('hands over the mapped rows of the current split, saying how they were split', async () => {
    const { s, last } = service();
    await expect(s.handle({ type: 'split-rows' })).rejects.toThrow(/no dataset is loaded/);
    await s.handle({ type: 'load-dataset', role: 'main', source: { kind: 'file', file: file('reviews.csv', demoCsv) } });
    await s.handle({ type: 'set-split', split: { kind: 'fraction', fraction: 0.3, seed: 5 } });
    await s.handle({ type: 'split-rows' });
    const rows = last('split-rows')!.rows;
    expect(rows).toEqual({ ...s.splitExamples(), description: 'a stratified 30% share of reviews.csv held out, seed 5' });
    expect(rows.train.length + rows.validation.length).toBe(20);
    expect(rows.validation.map((r) => r.label).sort()).toEqual(['neg', 'neg', 'neg', 'pos', 'pos', 'pos']);
    expect(rows.train[0]).toEqual({ text: expect.stringMatching(/^review number \d+, (awful|lovely)$/), label: expect.stringMatching(/^(neg|pos)$/) });
  });

  it('passes the Hub address on to transformers.js', async () => {
    const { s, configured } = service();
    await s.handle({ type: 'configure', hubEndpoint: 'http://127.0.0.1:9' });
    expect(configured).toEqual(['http://127.0.0.1:9']);
  });
});
