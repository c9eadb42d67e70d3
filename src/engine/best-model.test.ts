import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import type { TokenizedExample } from './batching.ts';
import { BestModelKeeper, type BestModelSettings, initialBestModelState, metricValue, observeEvaluation, replayEvaluations } from './best-model.ts';
import { type EvalRecord, parseCheckpoint, serializeCheckpoint } from './checkpoint.ts';
import type { ClassificationMetrics } from './metrics.ts';
import { startingPoint } from './pretrained.ts';
import { Rng } from './random.ts';
import { defaultSettings } from './settings.ts';
import type { TaskId } from './tasks/index.ts';
import { Trainer } from './trainer.ts';

/**
 * What transformers' Trainer does with a metric sequence, step by step, as its source reads
 * (trainer_callback.py EarlyStoppingCallback.check_metric_value / on_evaluate, and
 * Trainer._maybe_log_save_evaluate → _evaluate (callbacks' on_evaluate) → _determine_best_metric):
 * each row is [value, patience counter after it, best_metric after it, stop?].
 */
function scripted(values: readonly number[], settings: BestModelSettings) {
  let state = initialBestModelState;
  return values.map((value, i) => {
    const next = observeEvaluation(state, value, (i + 1) * 10, settings);
    state = next.state;
    return [value, state.patienceCounter, state.bestMetric, state.shouldStop, next.isNewBest] as const;
  });
}

const settings = (overrides: Partial<BestModelSettings>): BestModelSettings => ({ loadBestModelAtEnd: true, metricForBestModel: 'accuracy', earlyStoppingPatience: 0, earlyStoppingThreshold: 0, ...overrides });

function evalRecord(step: number, metrics: Partial<ClassificationMetrics>): EvalRecord {
  return { step, epoch: step / 10, trainLoss: null, metrics: { task: 'single-label', loss: 1, accuracy: 0, macroF1: 0, perClass: [], confusion: [], examples: 1, ...metrics } };
}

describe('best model and early stopping, as transformers Trainer', () => {
  it('accuracy with patience 2 and threshold 0.005: a gain under the threshold counts as no improvement, yet becomes the best model', () => {
    expect(scripted([0.7, 0.75, 0.75, 0.751], settings({ earlyStoppingPatience: 2, earlyStoppingThreshold: 0.005 }))).toEqual([
      // First evaluation: best_metric is None, so the counter resets; -inf < 0.70 makes it the best.
      [0.7, 0, 0.7, false, true],
      [0.75, 0, 0.75, false, true],
      // Equal is not greater: counter 1, best unchanged (np.greater is strict in both places).
      [0.75, 1, 0.75, false, false],
      // 0.751 > 0.75 but by 0.001 ≤ 0.005: counter 2 = patience, stop. _determine_best_metric has no threshold: new best.
      [0.751, 2, 0.751, true, true],
    ]);
  });

  it('loss is better when lower (greater_is_better = False for a name ending in "loss"), and an improvement resets the count', () => {
    expect(scripted([0.9, 0.8, 0.85, 0.79, 0.81, 0.82], settings({ metricForBestModel: 'loss', earlyStoppingPatience: 2 }))).toEqual([
      [0.9, 0, 0.9, false, true],
      [0.8, 0, 0.8, false, true],
      [0.85, 1, 0.8, false, false],
      [0.79, 0, 0.79, false, true],
      [0.81, 1, 0.79, false, false],
      [0.82, 2, 0.79, true, false],
    ]);
  });

  it('without the callback (patience 0) nothing stops, and the best is still tracked', () => {
    const rows = scripted([0.5, 0.4, 0.3, 0.2], settings({}));
    expect(rows.map((r) => r[3])).toEqual([false, false, false, false]);
    expect(rows.map((r) => r[2])).toEqual([0.5, 0.5, 0.5, 0.5]);
  });

  it('replays a history to the same state, so a resumed run decides as an unbroken one', () => {
    const s = settings({ metricForBestModel: 'macroF1', earlyStoppingPatience: 3 });
    const history = [0.2, 0.4, 0.35, 0.39].map((f, i) => evalRecord((i + 1) * 10, { macroF1: f }));
    expect(replayEvaluations(history, s)).toEqual({ bestMetric: 0.4, bestStep: 20, patienceCounter: 2, shouldStop: false });
  });

  it('keeps weights only at a new best, and only when the run loads the best model at the end', async () => {
    const read = (tag: number) => async () => new Map([['w', Float32Array.of(tag)]]);
    const keeper = new BestModelKeeper(settings({}));
    await keeper.afterEvaluation(evalRecord(10, { accuracy: 0.6 }), read(1));
    await keeper.afterEvaluation(evalRecord(20, { accuracy: 0.5 }), read(2));
    expect(keeper.bestWeights?.get('w')).toEqual(Float32Array.of(1));
    const notKept = new BestModelKeeper(settings({ loadBestModelAtEnd: false }));
    await notKept.afterEvaluation(evalRecord(10, { accuracy: 0.6 }), read(1));
    expect(notKept.bestWeights).toBeNull();
  });

  it('says which evaluation the model is and why the run stopped with the score as the task names it, and that lower is better for the loss', async () => {
    const ended = async (task: TaskId, overrides: Partial<BestModelSettings>) => {
      const keeper = new BestModelKeeper(settings({ earlyStoppingPatience: 1, ...overrides }));
      for (const [step, value] of [[10, 0.6], [20, 0.5]] as const) await keeper.afterEvaluation(evalRecord(step, { accuracy: value, macroF1: value, loss: value }), async () => new Map());
      return keeper.describe(task);
    };
    expect(await ended('single-label', { metricForBestModel: 'macroF1' })).toBe('stopped early: macro-F1 did not improve for 1 evaluation; kept the best model, from step 10 (macro-F1 0.6000, the highest)');
    expect(await ended('multi-label', { metricForBestModel: 'accuracy' })).toBe('stopped early: subset accuracy did not improve for 1 evaluation; kept the best model, from step 10 (subset accuracy 0.6000, the highest)');
    expect(await ended('token-classification', { metricForBestModel: 'macroF1', earlyStoppingPatience: 0 })).toBe('kept the best model, from step 10 (entity F1 0.6000, the highest)');
    // Regression's one score stands for both of its settings; its loss is the mean squared error.
    expect(await ended('regression', { metricForBestModel: 'accuracy', earlyStoppingPatience: 0 })).toBe('kept the best model, from step 10 (Pearson’s r 0.6000, the highest)');
    expect(await ended('regression', { metricForBestModel: 'loss', earlyStoppingPatience: 0 })).toBe('kept the best model, from step 20 (validation MSE 0.5000, the lowest)');
    expect(await ended('regression', { metricForBestModel: 'loss', earlyStoppingPatience: 0, loadBestModelAtEnd: false })).toBeNull();
  });
});

describe('Trainer with the best-model keeper', () => {
  const backend = { name: 'cpu' as const, ort };
  const configJson = { model_type: 'bert', vocab_size: 40, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 32 };
  const rows = (n: number, seed: number): TokenizedExample[] => {
    const rng = new Rng(seed);
    return Array.from({ length: n }, () => {
      const label = rng.nextFloat() < 0.5 ? 0 : 1;
      const ids = Int32Array.from({ length: 4 + rng.nextInt(6) }, (_, i) => (i === 0 ? 2 : (label ? 10 : 20) + rng.nextInt(10)));
      return { inputIds: ids, tokenTypeIds: null, target: Int32Array.of(label) };
    });
  };

  it('stops early as finished, and ends with the weights of the best evaluation', async () => {
    // A threshold of 1 on accuracy can never be beaten: the second evaluation always counts as no improvement.
    const s = { ...defaultSettings, epochs: 6, batchSize: 8, learningRate: 3e-3, maxLength: 16, seed: 5, loadBestModelAtEnd: true, earlyStoppingPatience: 1, earlyStoppingThreshold: 1 };
    const checkpoint = startingPoint({ name: 'scratch', configJson, weights: new Map() }, ['neg', 'pos'], s).checkpoint;
    const validation = rows(24, 2);
    const keeper = new BestModelKeeper(s);
    let trainer: Trainer | null = null;
    trainer = await Trainer.create({ backend, checkpoint, train: rows(40, 1), validation, afterEvaluation: (record) => keeper.afterEvaluation(record, () => trainer!.weights()) });
    expect(await trainer.train()).toBe('finished');
    const last = await trainer.snapshot();
    expect(last.progress).toMatchObject({ step: 10, epoch: 2, finished: true });
    expect(last.history.evals.map((e) => e.step)).toEqual([5, 10]);
    const best = last.history.evals.reduce((a, b) => (metricValue(b.metrics, 'accuracy') > metricValue(a.metrics, 'accuracy') ? b : a));
    expect(keeper.state).toMatchObject({ bestStep: best.step, shouldStop: true });
    // The best weights travel in the checkpoint, so a reloaded run still ends with them.
    const saved = parseCheckpoint(serializeCheckpoint({ ...last, bestWeights: keeper.bestWeights }));
    expect(saved.bestWeights).toEqual(keeper.bestWeights);
    expect(new BestModelKeeper(saved.settings, saved.history.evals, saved.bestWeights).state).toEqual(keeper.state);
    trainer.loadWeights(keeper.bestWeights!);
    const again = await trainer.evaluate(validation);
    await trainer.release();
    expect(metricValue(again, 'accuracy')).toBe(metricValue(best.metrics, 'accuracy'));
    expect(again.loss).toBeCloseTo(best.metrics.loss, 5);
  });
});
