import { describe, expect, it } from 'vitest';
import type { EvalRecord } from '../engine/checkpoint.ts';
import { defaultSettings } from '../engine/settings.ts';
import { bestEvaluation, differingSettings, headlineScoreAxis, headlineScores, type RunRecord, runsCsv, runsJson, timePerEpoch } from './run-record.ts';

const evalAt = (epoch: number, accuracy: number, loss: number): EvalRecord => ({
  step: epoch * 10,
  epoch,
  trainLoss: null,
  metrics: { task: 'single-label', loss, accuracy, macroF1: accuracy - 0.1, perClass: [], confusion: [], examples: 10 },
});

function run(id: string, overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    id,
    name: `run ${id}`,
    createdAt: `2026-01-0${id}T10:00:00.000Z`,
    updatedAt: `2026-01-0${id}T10:05:00.000Z`,
    model: { name: 'prajjwal1/bert-tiny', className: 'BertForSequenceClassification', parameters: 4_000_000 },
    dataset: { name: 'imdb · train', fingerprint: '0123456789abcdef', trainRows: 240, validationRows: 60 },
    labels: ['neg', 'pos'],
    settings: defaultSettings,
    backend: { name: 'wasm', description: '4 threads' },
    status: 'finished',
    steps: [10, 20, 30].map((step) => ({ step, epoch: step / 10, loss: 1 / step, learningRate: 5e-5, gradNorm: 1 })),
    evals: [evalAt(1, 0.6, 0.7), evalAt(2, 0.8, 0.5), evalAt(3, 0.7, 0.45)],
    trainingMs: 90_000,
    pinned: false,
    ...overrides,
  };
}

describe('run records', () => {
  it('finds the best evaluation by the run’s own metric, and the time per epoch', () => {
    expect(bestEvaluation(run('1'))).toEqual({ metric: 'accuracy', value: 0.8, kind: 'share', epoch: 2 });
    expect(bestEvaluation(run('1', { settings: { ...defaultSettings, metricForBestModel: 'loss' } }))).toEqual({ metric: 'validation loss', value: 0.45, kind: 'loss', epoch: 3 });
    expect(bestEvaluation(run('1', { evals: [] }))).toBeNull();
    // Named as the run's task calls it: a regression run's best is its Pearson's r, whichever of the two scores the setting names.
    const pearson = (epoch: number, r: number): EvalRecord => ({ step: epoch * 10, epoch, trainLoss: null, metrics: { task: 'regression', loss: 1 - r, mse: 1 - r, pearson: r, spearman: r, examples: 10 } });
    expect(bestEvaluation(run('1', { evals: [pearson(1, 0.5), pearson(2, 0.75)] }))).toEqual({ metric: 'Pearson’s r', value: 0.75, kind: 'correlation', epoch: 2 });
    expect(timePerEpoch(run('1'))).toBe(30_000);
    expect(timePerEpoch(run('1', { steps: [] }))).toBeNull();
  });

  it('draws every run’s headline score whatever its best-model setting, named per task, on a correlation’s axis when one is a regression', () => {
    const byLoss = run('1', { settings: { ...defaultSettings, metricForBestModel: 'loss' } });
    const byAccuracy = run('2', { settings: { ...defaultSettings, metricForBestModel: 'accuracy' } });
    // The macro-F1 of each evaluation (accuracy - 0.1 here), not the accuracy nor the loss.
    const macroF1 = [0.5, 0.7, 0.6].map((f, i) => ({ epoch: i + 1, score: expect.closeTo(f, 10) }));
    expect(headlineScores(byLoss)).toEqual(macroF1);
    expect(headlineScores(byAccuracy)).toEqual(macroF1);
    expect(headlineScoreAxis([byLoss, byAccuracy])).toEqual({ name: 'macro-F1', scale: 'share' });
    const regression = run('3', { settings: { ...defaultSettings, metricForBestModel: 'loss' }, evals: [{ step: 10, epoch: 1, trainLoss: null, metrics: { task: 'regression', loss: 2.5, mse: 2.5, pearson: -0.25, spearman: 0, examples: 10 } }] });
    expect(headlineScores(regression)).toEqual([{ epoch: 1, score: -0.25 }]);
    expect(headlineScoreAxis([byLoss, regression])).toEqual({ name: 'macro-F1 / Pearson’s r', scale: 'correlation' });
    const ner = run('4', { evals: [{ step: 10, epoch: 1, trainLoss: null, metrics: { task: 'token-classification', precision: 0.5, recall: 1, f1: 2 / 3, accuracy: 0.75, words: 4, loss: 0.3, examples: 1, perType: [] } }] });
    expect(headlineScores(ner)).toEqual([{ epoch: 1, score: 2 / 3 }]);
    expect(headlineScoreAxis([ner])).toEqual({ name: 'entity F1', scale: 'share' });
    expect(headlineScoreAxis([run('5', { evals: [] })])).toEqual({ name: 'validation score', scale: 'share' });
  });

  it('names only the settings that differ among the compared runs', () => {
    const a = run('1');
    const b = run('2', { settings: { ...defaultSettings, learningRate: 3e-5, epochs: 2 } });
    expect(differingSettings([a, b])).toEqual(['epochs', 'learningRate']);
    expect(differingSettings([a, run('3')])).toEqual([]);
    expect(differingSettings([a])).toEqual([]);
  });

  it('exports one CSV row per run with every setting, and JSON with the histories', () => {
    const csv = runsCsv([run('1', { name: 'tiny, first' }), run('2', { model: { name: 'google/bert_uncased_L-4_H-256_A-4', className: 'BertForSequenceClassification', parameters: 11e6 } })]);
    const lines = csv.trimEnd().split('\r\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^id,name,created,model,dataset,dataset_fingerprint,train_rows,validation_rows,backend,status,steps,epochs,best_metric,best_value,best_epoch,seconds_per_epoch,epochs,batchSize,learningRate/);
    expect(lines[1]).toMatch(/^1,"tiny, first",2026-01-01T10:00:00.000Z,prajjwal1\/bert-tiny,imdb · train,0123456789abcdef,240,60,wasm,finished,30,3,accuracy,0.8,2,30,3,16,0.00005,/);
    expect(lines[2]).toContain('google/bert_uncased_L-4_H-256_A-4');
    const json = JSON.parse(runsJson([run('1')])) as { format: string; runs: RunRecord[] };
    expect(json.format).toBe('finetune-studio-runs/1');
    expect(json.runs[0]!.evals).toHaveLength(3);
  });
});
