// The Data screen's tasks through the data worker: the task guessed from the labels with its
// reason, changed without losing the dataset, tagged sentences read for token classification,
// and rows tokenized for the task. The shared GoEmotions, STS-B and WNUT-17 files are read by path.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTable } from '../src/data/parse.ts';
import { completeTokenizerFiles } from '../src/tokenize/tokenizer-files.ts';
import { createTokenizer } from '../src/tokenize/tokenizer.ts';
import { DataService } from './data-service.ts';
import { unpackRows } from './packed-rows.ts';
import type { DataReply, DataRequest } from './protocol.ts';

const SHARED = path.resolve(import.meta.dirname, '../../shared/data');
const missing = ['goemotions/train.csv', 'stsb/train.csv', 'wnut17/train.jsonl', 'wnut17/validation.jsonl'].find((f) => !existsSync(path.join(SHARED, f)));

const vocabTxt = readFileSync(new URL('../public/tokenizers/bert-base-uncased/vocab.txt', import.meta.url), 'utf8');
const tokenizerFiles = completeTokenizerFiles({ vocabTxt, tokenizerConfig: { do_lower_case: true } }, { model_type: 'bert' });

function service() {
  const replies: DataReply[] = [];
  const s = new DataService({ send: (r) => replies.push(r), createTokenizer, configure: async () => {}, fetch, now: () => 0 });
  const last = <T extends DataReply['type']>(type: T) => replies.filter((r): r is Extract<DataReply, { type: T }> => r.type === type).at(-1);
  const load = (name: string, text: string, role: 'main' | 'validation' = 'main') => s.handle({ type: 'load-dataset', role, source: { kind: 'file', file: new File([text], name) } });
  return { s, replies, last, load };
}

/** The first `rows` rows of a shared CSV file as CSV text (the shared data is only read). */
function csvSubset(from: string, rows: number): string {
  const table = parseTable(from, readFileSync(path.join(SHARED, from), 'utf8'));
  const quote = (cell: string) => (/[",\n\r]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell);
  return [table.columns.join(','), ...table.rows.slice(0, rows).map((row) => table.columns.map((c) => quote(row[c] ?? '')).join(','))].join('\n');
}

function linesSubset(from: string, rows: number): string {
  return readFileSync(path.join(SHARED, from), 'utf8').split('\n').slice(0, rows).join('\n');
}

const setTask = (task: Extract<DataRequest, { type: 'set-task' }>['task'], labelSeparator = ';'): DataRequest => ({ type: 'set-task', task, labelOptions: { labelSeparator } });

describe('DataService tasks, on small files', () => {
  const multi = ['text,labels', ...Array.from({ length: 12 }, (_, i) => `row ${i},${['joy', 'joy;love', 'anger', 'love|anger'][i % 4]}`)].join('\n');

  it('guesses multi-label with its reason, re-reads the labels for another task or separator, and keeps the dataset', async () => {
    const { s, last, load } = service();
    await load('feelings.csv', multi);
    let summary = last('dataset')!.summary;
    expect(summary.task).toEqual({ id: 'multi-label', guess: { id: 'multi-label', reason: 'some rows have several labels (such as "joy;love")' }, chosen: false, labelOptions: { labelSeparator: ';' } });
    expect(summary.labels).toEqual(['anger', 'joy', 'love', 'love|anger']);
    expect(summary.trainRows + summary.validationRows).toBe(12);

    await s.handle(setTask('multi-label', '|'));
    summary = last('dataset')!.summary;
    expect(summary.task).toMatchObject({ id: 'multi-label', chosen: true, labelOptions: { labelSeparator: '|' } });
    expect(summary.labels).toEqual(['anger', 'joy', 'joy;love', 'love']);
    // Each row counts once per label it has: "love|anger" is both.
    expect(summary.labels.map((_, i) => summary.trainCounts[i]! + summary.validationCounts[i]!)).toEqual([6, 3, 3, 3]);

    await s.handle(setTask('single-label'));
    summary = last('dataset')!.summary;
    expect(summary.task).toMatchObject({ id: 'single-label', chosen: true });
    expect(summary.labels).toEqual(['anger', 'joy', 'joy;love', 'love|anger']);
    expect(summary.scores).toBeNull();

    await s.handle(setTask(null));
    expect(last('dataset')!.summary.task).toMatchObject({ id: 'multi-label', chosen: false });
  });

  it('refuses a task the labels do not fit, naming the file, the row and what was expected, and keeps the good state', async () => {
    const { s, last, load } = service();
    await load('feelings.csv', multi);
    const before = s.summary();
    await s.handle(setTask('regression'));
    expect(last('dataset-error')!.message).toBe(
      'feelings.csv: row 1 has the score "joy", which is not a number: regression needs a number in every label cell (such as 3.8). (the labels read for regression; choose another task if that is not it)',
    );
    expect(s.summary()).toEqual(before);
    await s.handle(setTask('token-classification'));
    expect(last('dataset-error')!.message).toMatch(/^feelings\.csv: has one label per text; token classification needs a tag for every word/);
    await s.handle(setTask('multi-label', ' '));
    expect(last('dataset-error')!.message).toMatch(/the label separator is empty/);
    expect(s.summary()).toEqual(before);
  });

  it('reads a validation file for the task and refuses labels the training rows never have', async () => {
    const { last, load } = service();
    await load('feelings.csv', multi);
    await load('held.csv', 'text,labels\na,joy;fear\nb,love\n', 'validation');
    expect(last('dataset-error')!.message).toMatch(/^held\.csv: has label "fear" \(1 row\) that the training data \(feelings\.csv\) never has/);
    await load('held.csv', 'text,labels\na,joy;anger\nb,love\n', 'validation');
    const summary = last('dataset')!.summary;
    expect(summary.validationRows).toBe(2);
    expect(summary.validationCounts).toEqual([1, 1, 1, 0]);
  });

  it('asks for tag names when tagged JSON Lines hold tag ids, and reads the file again once they come', async () => {
    const { s, last, load } = service();
    const ids = '{"tokens": ["EU", "rejects", "Bonn"], "ner_tags": [3, 0, 1]}\n{"tokens": ["Anna", "Smith"], "ner_tags": [1, 2]}\n';
    await load('ids.jsonl', ids);
    // The message says where the Data screen takes the names, and the banner offers to go there.
    expect(last('dataset-error')).toMatchObject({
      message: expect.stringMatching(/^ids\.jsonl, line 1: "ner_tags" holds tag ids \(3 for word 1\) but no tag list was given to name them\. Give the tag names in id order under “Tagged sentences whose tags are numbers\?” below Choose a file… /),
      fix: { kind: 'tag-names' },
    });
    await s.handle({ type: 'set-tag-names', tagNames: ['O', 'B-PER', 'I-PER', 'B-ORG'] });
    const summary = last('dataset')!.summary;
    expect(summary).toMatchObject({ fileName: 'ids.jsonl', tagged: true, tagNames: ['O', 'B-PER', 'I-PER', 'B-ORG'], labels: ['O', 'B-ORG', 'B-PER', 'I-PER'] });
    expect(summary.task).toMatchObject({ id: 'token-classification', guess: { reason: 'the file holds tagged sentences (a tag per word)' } });
  });
});

describe.skipIf(missing)(`DataService tasks on the shared data sets${missing ? ` (skipped: ../shared/data/${missing} is absent)` : ''}`, () => {
  it('GoEmotions: multi-label guessed, tokenized as multi-hot rows with the separator', async () => {
    const { s, last, load } = service();
    await load('goemotions.csv', csvSubset('goemotions/train.csv', 400));
    const summary = last('dataset')!.summary;
    expect(summary.mapping).toMatchObject({ text: 'text', label: 'labels' });
    expect(summary.task).toMatchObject({ id: 'multi-label', chosen: false });
    expect(summary.task.guess.reason).toMatch(/^some rows have several labels \(such as "[a-z]+;[a-z]+"\)$/);
    expect(summary.labels.length).toBeGreaterThan(20);
    expect(summary.labels.every((l) => !l.includes(';'))).toBe(true);
    await s.handle({ type: 'set-tokenizer', files: tokenizerFiles });
    await s.handle({ type: 'tokenize', maxLength: 32 });
    const data = last('tokenized')!.data;
    expect(data).toMatchObject({ task: 'multi-label', labelOptions: { labelSeparator: ';' }, labels: summary.labels });
    const rows = unpackRows(data.train);
    expect(rows).toHaveLength(summary.trainRows);
    expect(rows.every((r) => r.target instanceof Float32Array && r.target.length === summary.labels.length && r.target.some((v) => v === 1))).toBe(true);
    expect(rows.some((r) => r.target.filter((v) => v === 1).length >= 2)).toBe(true);
  });

  it('STS-B: sentence pairs with a score are regression, with a score histogram in place of label counts', async () => {
    const { s, last, load } = service();
    await load('stsb.csv', csvSubset('stsb/train.csv', 300));
    const summary = last('dataset')!.summary;
    expect(summary.mapping).toEqual({ text: 'sentence1', textPair: 'sentence2', label: 'score' });
    expect(summary.task).toMatchObject({ id: 'regression', guess: { reason: 'every label is a number and some have decimals (such as "3.800")' } });
    expect(summary.labels).toEqual(['LABEL_0']);
    expect(summary.scores!.min).toBeGreaterThanOrEqual(0);
    expect(summary.scores!.max).toBeLessThanOrEqual(5);
    expect(summary.scores!.bins).toHaveLength(10);
    expect(summary.scores!.bins.reduce((n, b) => n + b.train + b.validation, 0)).toBe(300);
    expect(summary.split).toMatchObject({ kind: 'fraction' });
    await s.handle({ type: 'split-rows' });
    expect(last('split-rows')!.rows.description).toBe('a random 20% share of stsb.csv held out, seed 42');
    await s.handle({ type: 'set-tokenizer', files: tokenizerFiles });
    await s.handle({ type: 'tokenize', maxLength: 64 });
    const data = last('tokenized')!.data;
    expect(data.task).toBe('regression');
    const rows = unpackRows(data.validation);
    expect(rows.every((r) => r.target instanceof Float32Array && r.target.length === 1 && r.target[0]! >= 0 && r.target[0]! <= 5)).toBe(true);
    expect(data.validationTexts[0]).toContain(' ‖ ');
  });

  it('WNUT-17: tagged JSON Lines are token classification, with tag and entity counts, a validation file, and tags per token', async () => {
    const { s, last, load } = service();
    await load('wnut17-train.jsonl', linesSubset('wnut17/train.jsonl', 300));
    let summary = last('dataset')!.summary;
    expect(summary).toMatchObject({ tagged: true, mapping: { text: 'tokens', label: 'ner_tags' }, task: { id: 'token-classification', chosen: false } });
    expect(summary.labels[0]).toBe('O');
    expect(summary.labels).toContain('B-location');
    expect(summary.entities!.types).toContain('location');
    expect(summary.entities!.train.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    await s.handle(setTask('single-label'));
    expect(last('dataset-error')!.message).toMatch(/^wnut17-train\.jsonl: holds tagged sentences \(a tag per word\), which train a token classifier, not single-label classification/);

    await load('wnut17-validation.csv', 'text,label\nhello,O\n', 'validation');
    expect(last('dataset-error')!.message).toMatch(/^wnut17-validation\.csv: holds texts with a label column but the training file wnut17-train\.jsonl holds tagged sentences/);
    const validation = readFileSync(path.join(SHARED, 'wnut17/validation.jsonl'), 'utf8').split('\n').slice(0, 100);
    const known = new Set(summary.labels);
    const fits = validation.filter((line) => (JSON.parse(line) as { ner_tags: string[] }).ner_tags.every((t) => known.has(t))).join('\n');
    await load('wnut17-validation.jsonl', fits, 'validation');
    summary = last('dataset')!.summary;
    expect(summary.split).toEqual({ kind: 'file' });
    expect(summary.trainRows).toBe(300);

    await s.handle({ type: 'set-tokenizer', files: tokenizerFiles });
    await s.handle({ type: 'token-stats', maxLength: 64, previewRow: 0 });
    const preview = last('token-stats')!.stats.preview!;
    expect(preview.text.startsWith('@paulwalk It')).toBe(true);
    await s.handle({ type: 'tokenize', maxLength: 64 });
    const data = last('tokenized')!.data;
    expect(data.task).toBe('token-classification');
    const row = unpackRows(data.train)[0]!;
    expect(row.target).toBeInstanceOf(Int32Array);
    expect(row.target).toHaveLength(row.inputIds.length);
    expect(row.target[0]).toBe(-100);
    expect(data.validationTexts[0]).not.toContain('[');
  });
});
