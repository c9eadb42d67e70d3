// "It learns like PyTorch": the same from-scratch BERT-mini (same initial weights from the
// engine's own safetensors writer, same tokenization, same data order) fine-tuned on SST-2 by
// the engine and by the PyTorch reference; their validation accuracies must be within 1.5 points.
//
// LEARNING_PARITY=full runs the issue's configuration (first 20,000 rows, last 2,000 for
// validation, 2 epochs, batch 32, lr 1e-4, seed 42, dropout on): about 40 minutes of CPU on two
// cores, too long for every CI run. By default CI runs the same comparison on the first 6,000
// rows for one epoch with dropout off, so the two trajectories differ only by float rounding.
import { PYTHON, quietTorchEnv, torchUnavailable } from './python.ts';
import { singleLabel } from '../tasks/single-label.ts';
import { defaultLabelOptions } from '../tasks/task.ts';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { parseTable } from '../../data/parse.ts';
import { toExamples } from '../../data/examples.ts';
import { completeTokenizerFiles } from '../../tokenize/tokenizer-files.ts';
import { createTokenizer } from '../../tokenize/tokenizer.ts';
import { tokenizeExamples } from '../../tokenize/tokenize-examples.ts';
import { epochOrder } from '../batching.ts';
import { startingPoint } from '../pretrained.ts';
import { defaultSettings, type TrainingSettings } from '../settings.ts';
import { Trainer } from '../trainer.ts';
import { writeSafetensors } from '../weights/safetensors.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const shared = path.resolve(here, '../../../../shared');
const sst2 = path.join(shared, 'data/sst2/train.csv');
const tokenizerJson = path.join(shared, 'tokenizers/bert-base-uncased/tokenizer.json');
const skip = !existsSync(sst2) || !existsSync(tokenizerJson) ? `needs ${shared}/data/sst2 and tokenizers/bert-base-uncased` : torchUnavailable();

const mini = {
  model_type: 'bert', vocab_size: 30522, hidden_size: 256, num_hidden_layers: 4, num_attention_heads: 4,
  intermediate_size: 1024, max_position_embeddings: 512, type_vocab_size: 2,
};
const full = process.env.LEARNING_PARITY === 'full';
const plan = full
  ? { trainRows: 20_000, epochs: 2, overrides: {} }
  : { trainRows: 6_000, epochs: 1, overrides: { hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 } };
const settings: TrainingSettings = { ...defaultSettings, epochs: plan.epochs, batchSize: 32, learningRate: 1e-4, weightDecay: 0.01, seed: 42, maxLength: 64 };
const LABELS = ['0', '1'];

const scratch = mkdtempSync(path.join(tmpdir(), 'learning-parity-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.skipIf(skip !== null)(`learning on SST-2 matches PyTorch (${full ? 'full' : 'CI-sized'} run)${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('reaches the PyTorch reference validation accuracy within 1.5 points', { timeout: (full ? 120 : 30) * 60_000 }, async () => {
    const all = toExamples(parseTable('train.csv', readFileSync(sst2, 'utf8')), { text: 'text', label: 'label' }).examples;
    const trainRows = all.slice(0, plan.trainRows);
    const validationRows = all.slice(-2_000);
    const tokenizer = await createTokenizer(completeTokenizerFiles({ tokenizerJson: JSON.parse(readFileSync(tokenizerJson, 'utf8')) as Record<string, unknown> }, mini));
    const train = tokenizeExamples(tokenizer, trainRows, { task: singleLabel, labels: LABELS, options: defaultLabelOptions, file: 'train.csv' }, settings.maxLength).rows;
    const validation = tokenizeExamples(tokenizer, validationRows, { task: singleLabel, labels: LABELS, options: defaultLabelOptions, file: 'train.csv' }, settings.maxLength).rows;

    const start = startingPoint({ name: 'bert-mini-scratch', configJson: mini, weights: new Map() }, LABELS, settings, plan.overrides);
    const folder = path.join(scratch, 'init');
    execFileSync('mkdir', ['-p', folder]);
    writeFileSync(path.join(folder, 'config.json'), JSON.stringify(start.checkpoint.modelConfig));
    writeFileSync(
      path.join(folder, 'model.safetensors'),
      writeSafetensors([...start.checkpoint.params].map(([n, data]) => [n, { shape: [...start.checkpoint.paramShapes.get(n)!], data }]), { format: 'pt' }),
    );
    const asLists = (rows: typeof train) => ({
      input_ids: rows.map((r) => [...r.inputIds]),
      token_type_ids: rows.map((r) => [...(r.tokenTypeIds ?? r.inputIds.map(() => 0))]),
      attention_mask: rows.map((r) => r.inputIds.map(() => 1)).map((m) => [...m]),
      labels: rows.map((r) => r.target[0]),
    });
    const order = Array.from({ length: plan.epochs }, (_, epoch) => epochOrder(train.length, settings.seed, epoch));
    writeFileSync(
      path.join(scratch, 'data.json'),
      JSON.stringify({
        train: asLists(train),
        validation: asLists(validation),
        order,
        hyper: { epochs: plan.epochs, batch_size: 32, lr: 1e-4, weight_decay: 0.01, warmup_ratio: 0, max_grad_norm: 1.0, seed: 42 },
      }),
    );

    const engineStarted = performance.now();
    const trainer = await Trainer.create({
      backend: { name: 'cpu', ort },
      checkpoint: start.checkpoint,
      train,
      validation,
      onEvent: (e) => {
        if (e.type === 'step' && e.record.step % 100 === 0) process.stderr.write(`engine step ${e.record.step}/${e.totalSteps} loss ${e.record.loss.toFixed(4)}\n`);
      },
    });
    await trainer.train();
    const engineSeconds = (performance.now() - engineStarted) / 1000;
    const engineEvals = trainer.history.evals.map((e) => ({ epoch: e.epoch, accuracy: e.metrics.task === 'single-label' ? e.metrics.accuracy : NaN, loss: e.metrics.loss }));
    await trainer.release();

    execFileSync(PYTHON, [path.join(here, 'torch_reference.py'), 'train', '--model', folder, '--data', path.join(scratch, 'data.json'), '--out', path.join(scratch, 'torch.json'), '--threads', '2'], { stdio: ['ignore', 'pipe', 'inherit'], env: quietTorchEnv(2) });
    const reference = JSON.parse(readFileSync(path.join(scratch, 'torch.json'), 'utf8')) as { epochs: { epoch: number; val_accuracy: number; val_loss: number }[]; seconds: number };

    const ours = engineEvals.at(-1)!.accuracy;
    const theirs = reference.epochs.at(-1)!.val_accuracy;
    console.log(JSON.stringify({ engine: engineEvals, engine_seconds: engineSeconds, pytorch: reference.epochs.map(({ epoch, val_accuracy, val_loss }) => ({ epoch, val_accuracy, val_loss })), pytorch_seconds: reference.seconds, accuracy_gap_points: (ours - theirs) * 100 }));
    // It must have learned something, not just agree with PyTorch at chance: beat always answering the majority label.
    const positives = validation.filter((r) => r.target[0] === 1).length / validation.length;
    expect(ours).toBeGreaterThan(Math.max(positives, 1 - positives) + 0.05);
    expect(Math.abs(ours - theirs) * 100).toBeLessThanOrEqual(1.5);
  });
});
