import { defaultSettings } from '../src/engine/settings.ts';
import { describe, expect, it } from 'vitest';
import { packRows } from './packed-rows.ts';
import { type TokenizedDataset, transferablesOf } from './protocol.ts';

const rows = (n: number, withTypes: boolean) =>
  packRows(Array.from({ length: n }, (_, i) => ({ inputIds: Int32Array.of(101, i, 102), tokenTypeIds: withTypes ? Int32Array.of(0, 0, 0) : null, target: Int32Array.of(i % 2) })));

const dataset = (withTypes: boolean): TokenizedDataset => ({
  task: 'single-label',
  labelOptions: { labelSeparator: ';' },
  labels: ['a', 'b'],
  maxLength: 16,
  train: rows(3, withTypes),
  validation: rows(2, withTypes),
  validationTexts: ['x', 'y'],
  fingerprint: '0123456789abcdef',
  truncated: 0,
});

describe('transferablesOf', () => {
  it('hands over every buffer of tokenized rows, in both directions they travel', () => {
    const data = dataset(true);
    const expected = [
      ...[data.train.ids, data.train.offsets, data.train.labels, data.train.labelOffsets, data.train.typeIds!],
      ...[data.validation.ids, data.validation.offsets, data.validation.labels, data.validation.labelOffsets, data.validation.typeIds!],
    ].map(
      (a) => a.buffer,
    );
    expect(transferablesOf({ type: 'tokenized', data })).toEqual(expected);
    const train = transferablesOf({
      type: 'train',
      runId: 'run-1',
      settings: { ...defaultSettings, epochs: 1, batchSize: 1, learningRate: 1e-3 },
      configOverrides: {},
      data,
      backend: 'auto',
      dataset: {} as never,
    });
    expect(train).toHaveLength(10);
  });

  it('leaves out missing segment ids and lists a shared buffer once', () => {
    expect(transferablesOf({ type: 'tokenized', data: dataset(false) })).toHaveLength(8);
    const buffer = new ArrayBuffer(32);
    const ids = new Int32Array(buffer, 0, 4);
    const typeIds = new Int32Array(buffer, 16, 4);
    expect(transferablesOf({ type: 'encoded', requestId: 1, ids, typeIds, words: null, wordIds: null })).toEqual([buffer]);
  });

  it('never transfers a SharedArrayBuffer, which is shared rather than moved', () => {
    const bytes = new Uint8Array(new SharedArrayBuffer(8));
    expect(transferablesOf({ type: 'exported', fileName: 'm.zip', bytes })).toEqual([]);
  });

  it('transfers nothing for messages without binary payloads', () => {
    expect(transferablesOf({ type: 'pause' })).toEqual([]);
    expect(transferablesOf({ type: 'token-stats', maxLength: 128, previewRow: 0 })).toEqual([]);
  });
});
