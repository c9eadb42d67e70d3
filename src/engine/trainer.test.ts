import * as ort from 'onnxruntime-node';
import { metricValue } from './best-model.ts';
import { describe, expect, it } from 'vitest';
import type { TokenizedExample } from './batching.ts';
import { parseCheckpoint, serializeCheckpoint, type TrainingCheckpoint } from './checkpoint.ts';
import { startingPoint } from './pretrained.ts';
import { Rng } from './random.ts';
import { learningRateAt } from './optim/schedule.ts';
import { resumedWith } from './run-plan.ts';
import { defaultSettings, type TrainingSettings } from './settings.ts';
import { DivergedError, Trainer, type TrainerEvent } from './trainer.ts';

const backend = { name: 'cpu' as const, ort };
const configJson = { model_type: 'bert', vocab_size: 40, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 32 };

/** Label 1 rows use tokens 10–19, label 0 rows 20–29: learnable in a few epochs. */
function synthetic(n: number, seed: number): TokenizedExample[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const label = rng.nextFloat() < 0.5 ? 0 : 1;
    const len = 3 + rng.nextInt(9);
    const ids = Int32Array.from({ length: len }, (_, i) => (i === 0 ? 2 : (label ? 10 : 20) + rng.nextInt(10)));
    return { inputIds: ids, tokenTypeIds: null, target: Int32Array.of(label) };
  });
}

function start(settings: Partial<TrainingSettings>, overrides: Record<string, unknown> = {}): TrainingCheckpoint {
  const full = { ...defaultSettings, epochs: 2, batchSize: 8, learningRate: 3e-3, maxLength: 16, seed: 3, ...settings };
  return startingPoint({ name: 'scratch', configJson, weights: new Map() }, ['neg', 'pos'], full, overrides).checkpoint;
}

async function run(checkpoint: TrainingCheckpoint, train: TokenizedExample[], validation: TokenizedExample[], signal?: AbortSignal) {
  const events: TrainerEvent[] = [];
  const trainer = await Trainer.create({ backend, checkpoint, train, validation, onEvent: (e) => events.push(e) });
  const outcome = await trainer.train(signal);
  const snapshot = await trainer.snapshot();
  await trainer.release();
  const losses = events.flatMap((e) => (e.type === 'step' ? [e.record.loss] : []));
  return { outcome, snapshot, losses, events };
}

const train = synthetic(40, 1);
const validation = synthetic(16, 2);

describe('Trainer', () => {
  it('learns a learnable task and evaluates after every epoch', async () => {
    const { outcome, snapshot, events } = await run(start({ epochs: 10, learningRate: 5e-3 }), train, validation);
    expect(outcome).toBe('finished');
    const evals = events.flatMap((e) => (e.type === 'eval' ? [e.record] : []));
    expect(evals.map((e) => e.step)).toEqual([5, 10, 15, 20, 25, 30, 35, 40, 45, 50]);
    expect(metricValue(evals.at(-1)!.metrics, 'accuracy')).toBeGreaterThanOrEqual(0.9);
    expect(evals.at(-1)!.metrics.loss).toBeLessThan(evals[0]!.metrics.loss);
    expect(evals.every((e) => e.trainLoss !== null)).toBe(true);
    expect(snapshot.progress).toMatchObject({ step: 50, finished: true });
  });

  it.each([
    ['a full fine-tune', {}],
    ['LoRA (its adapters, their dropout and moments) with layer 0 frozen', { method: 'lora', loraR: 4, loraAlpha: 8, loraDropout: 0.1, freezeLayers: 1 }],
  ] as const)('resumes %s from a serialized checkpoint exactly where it stopped, dropout included', async (_, method) => {
    const checkpoint = start({ epochs: 2, ...method }, { hidden_dropout_prob: 0.2, attention_probs_dropout_prob: 0.1 });
    const straight = await run(checkpoint, train, validation);

    // Pause after 3 updates (mid-epoch), round-trip the checkpoint through bytes, resume.
    const stop = new AbortController();
    let steps = 0;
    const first = await Trainer.create({
      backend, checkpoint, train, validation,
      onEvent: (e) => { if (e.type === 'step' && ++steps === 3) stop.abort(); },
    });
    expect(await first.train(stop.signal)).toBe('paused');
    const paused = parseCheckpoint(serializeCheckpoint(await first.snapshot()));
    await first.release();
    expect(paused.progress).toMatchObject({ step: 3, epoch: 0, batchInEpoch: 3 });

    const resumed = await run(paused, train, validation);
    expect(resumed.outcome).toBe('finished');
    expect([...straight.losses.slice(0, 3), ...resumed.losses]).toEqual(straight.losses);
    for (const [name, value] of straight.snapshot.params) expect(resumed.snapshot.params.get(name)).toEqual(value);
    expect(resumed.snapshot.history.steps.map((s) => s.loss)).toEqual(straight.losses);
  });

  it('resumes a finished run with more epochs to the new total, the schedule planned again as Trainer does', async () => {
    const first = await run(start({ epochs: 2, warmupRatio: 0.2 }), train, validation);
    expect(first.snapshot.progress).toMatchObject({ step: 10, finished: true });
    const more = { ...first.snapshot.settings, epochs: 3 };
    const resumed = await run(parseCheckpoint(serializeCheckpoint(resumedWith(first.snapshot, more))), train, validation);
    expect(resumed.outcome).toBe('finished');
    const steps = resumed.snapshot.history.steps.slice(10);
    expect(steps.map((s) => s.step)).toEqual([11, 12, 13, 14, 15]);
    // transformers rebuilds the linear schedule for the new max_steps (warmup ceil(0.2 × 15) = 3) and goes on at global_step.
    steps.forEach((s) => expect(s.learningRate).toBeCloseTo(learningRateAt({ baseLr: 3e-3, totalSteps: 15, warmupSteps: 3 }, s.step - 1), 12));
    expect(resumed.snapshot.history.evals.map((e) => e.epoch)).toEqual([1, 2, 3]);

    // The same, replanned on the live trainer of a paused run instead of through a checkpoint.
    const trainer = await Trainer.create({ backend, checkpoint: start({ epochs: 2, warmupRatio: 0.2 }), train, validation });
    expect(await trainer.train()).toBe('finished');
    trainer.replan(more);
    expect(trainer.totalSteps).toBe(15);
    expect(await trainer.train()).toBe('finished');
    const live = await trainer.snapshot();
    expect(() => trainer.replan({ ...more, batchSize: 4 })).toThrow(/batch size 8 \(asked for 4\)/);
    await trainer.release();
    expect(live.history.steps.map((s) => s.loss)).toEqual(resumed.snapshot.history.steps.map((s) => s.loss));
    for (const [name, value] of resumed.snapshot.params) expect(live.params.get(name)).toEqual(value);
  });

  it('accumulating two half batches makes the same update as one full batch', async () => {
    const rows = train.slice(0, 16);
    const noDropout = { hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 };
    const full = await run(start({ epochs: 1, batchSize: 16 }, noDropout), rows, []);
    const halves = await run(start({ epochs: 1, batchSize: 8, gradAccumulation: 2 }, noDropout), rows, []);
    expect(full.snapshot.progress.step).toBe(1);
    expect(halves.snapshot.progress.step).toBe(1);
    expect(halves.losses[0]).toBeCloseTo(full.losses[0]!, 5);
    for (const [name, value] of full.snapshot.params) {
      const other = halves.snapshot.params.get(name)!;
      value.forEach((x, i) => expect(Math.abs(x - other[i]!)).toBeLessThan(1e-6));
    }
  });

  it('stops at max steps and runs the schedule to zero there', async () => {
    const { snapshot } = await run(start({ epochs: 3, maxSteps: 4 }), train, validation);
    expect(snapshot.progress.step).toBe(4);
    const expected = [3e-3, 2.25e-3, 1.5e-3, 0.75e-3];
    snapshot.history.steps.forEach((s, i) => expect(s.learningRate).toBeCloseTo(expected[i]!, 12));
    expect(snapshot.history.evals).toHaveLength(1);
  });

  it('discards a diverged update and keeps the weights it had', async () => {
    const checkpoint = start({ epochs: 1 });
    const poisoned = new Map(checkpoint.params);
    poisoned.set('classifier.bias', Float32Array.of(Infinity, 0));
    const trainer = await Trainer.create({ backend, checkpoint: { ...checkpoint, params: poisoned }, train, validation: [] });
    await expect(trainer.train()).rejects.toBeInstanceOf(DivergedError);
    const after = await trainer.snapshot();
    await trainer.release();
    expect(after.progress.step).toBe(0);
    for (const [name, value] of poisoned) expect(after.params.get(name)).toEqual(value);
  });

  it('names the row whose label id is out of range', async () => {
    const bad = [...train.slice(0, 3), { ...train[3]!, target: Int32Array.of(5) }];
    await expect(Trainer.create({ backend, checkpoint: start({}), train: bad, validation: [] })).rejects.toThrow('training row 4 has label id 5, expected 0…1');
  });

  it('names the row that does not fit the position table, before onnxruntime sees it', async () => {
    const long = { inputIds: Int32Array.from({ length: 33 }, () => 11), tokenTypeIds: null, target: Int32Array.of(1) };
    await expect(Trainer.create({ backend, checkpoint: start({}), train, validation: [...validation.slice(0, 2), long] })).rejects.toThrow(
      'validation row 3 has 33 tokens, but this model takes at most 32 (max_position_embeddings 32): lower the max length to 32 or less',
    );
  });
});
