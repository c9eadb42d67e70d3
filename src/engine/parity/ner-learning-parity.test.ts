// "It learns like PyTorch" for token classification: the same from-scratch BERT (same initial
// weights, word-piece alignment and data order) trained on WNUT-17 by the engine and by the PyTorch
// reference; both sides' validation logits are scored by the same seqeval-style code, and their
// entity F1 must be within 1.5 points. Most WNUT tags are O, so a model that tags everything O agrees
// with another at F1 0: each side must also find entities (F1 above 0).
//
// LEARNING_PARITY=full runs BERT-mini on all 3,394 training sentences for 5 epochs with dropout on.
// By default CI runs a small one with dropout off, so the trajectories differ only by float rounding:
// PLAN_CI below, its model and sizes named in the test's title.
import { PYTHON, torchUnavailable } from './python.ts';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { parseText } from '../../data/parse.ts';
import { decodeTaggedCell } from '../../data/tagged-cells.ts';
import { taggedFile } from '../../data/tagged-file.ts';
import { tokenizeExamples } from '../../tokenize/tokenize-examples.ts';
import { completeTokenizerFiles } from '../../tokenize/tokenizer-files.ts';
import { createTokenizer } from '../../tokenize/tokenizer.ts';
import { epochOrder, type TokenizedExample } from '../batching.ts';
import { startingPoint } from '../pretrained.ts';
import { defaultSettings, type TrainingSettings } from '../settings.ts';
import { metricsOfTask } from '../tasks/index.ts';
import { defaultLabelOptions } from '../tasks/task.ts';
import { tokenClassification } from '../tasks/token-classification.ts';
import { Trainer } from '../trainer.ts';
import { writeSafetensors } from '../weights/safetensors.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const shared = path.resolve(here, '../../../../shared');
const wnut = path.join(shared, 'data/wnut17');
const tokenizerJson = path.join(shared, 'tokenizers/bert-base-uncased/tokenizer.json');

interface Plan {
  readonly model: string;
  readonly config: Record<string, unknown>;
  readonly trainRows: number;
  readonly validationRows: number;
  /** Sentences with more words are left out, so few are cut at maxLength. */
  readonly maxWords: number;
  /** Train on sentences that name an entity only, so a short run sees enough of them to learn any. */
  readonly entitySentencesOnly: boolean;
  readonly maxLength: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly dropout: boolean;
}

const bert = { model_type: 'bert', vocab_size: 30522, max_position_embeddings: 512, type_vocab_size: 2 };
const PLAN_FULL: Plan = {
  model: 'BERT-mini', config: { ...bert, hidden_size: 256, num_hidden_layers: 4, num_attention_heads: 4, intermediate_size: 1024 },
  trainRows: Infinity, validationRows: Infinity, maxWords: Infinity, entitySentencesOnly: false, maxLength: 64, epochs: 5, batchSize: 32, lr: 5e-4, dropout: true,
};
const PLAN_CI: Plan = {
  model: 'BERT-tiny (2 layers, hidden 128)', config: { ...bert, hidden_size: 128, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 512 },
  trainRows: 240, validationRows: 200, maxWords: 24, entitySentencesOnly: true, maxLength: 48, epochs: 10, batchSize: 16, lr: 3e-3, dropout: false,
};
const full = process.env.LEARNING_PARITY === 'full';
const plan = full ? PLAN_FULL : PLAN_CI;
const title = `${plan.model}, ${Number.isFinite(plan.trainRows) ? `${plan.trainRows} training${plan.entitySentencesOnly ? ' (each naming an entity)' : ''} and ${plan.validationRows} validation sentences of at most ${plan.maxWords} words` : 'every sentence'}, max length ${plan.maxLength}, ${plan.epochs} epochs, dropout ${plan.dropout ? 'on' : 'off'}`;

const dataMissing = !existsSync(path.join(wnut, 'train.jsonl')) || !existsSync(tokenizerJson);
const skip = dataMissing ? `needs ${shared}/data/wnut17 and tokenizers/bert-base-uncased` : torchUnavailable();

const scratch = mkdtempSync(path.join(tmpdir(), 'ner-learning-parity-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.skipIf(skip !== null)(`learning on WNUT-17 matches PyTorch (${full ? 'full' : 'CI-sized'} run: ${title})${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('both find entities, and their validation entity F1 is within 1.5 points', { timeout: (full ? 180 : 20) * 60_000 }, async () => {
    const read = (name: string, rows: number, entitiesOnly: boolean) =>
      taggedFile(parseText(name, readFileSync(path.join(wnut, name), 'utf8')).table, name === 'train.jsonl' ? 'training' : 'validation')
        .examples.filter((e, row) => decodeTaggedCell(e.text, { file: name, row: row + 1 }).length <= plan.maxWords)
        .filter((e, row) => !entitiesOnly || decodeTaggedCell(e.label, { file: name, row: row + 1 }).some((tag) => tag !== 'O'))
        .slice(0, rows);
    const trainRows = read('train.jsonl', plan.trainRows, plan.entitySentencesOnly);
    const validationRows = read('validation.jsonl', plan.validationRows, false);
    const labels = tokenClassification.labelSet([...trainRows, ...validationRows].map((e) => e.label), defaultLabelOptions, (i) => ({ file: 'wnut17', row: i + 1 }));
    const settings: TrainingSettings = { ...defaultSettings, epochs: plan.epochs, batchSize: plan.batchSize, learningRate: plan.lr, weightDecay: 0.01, seed: 42, maxLength: plan.maxLength };
    const tokenizer = await createTokenizer(completeTokenizerFiles({ tokenizerJson: JSON.parse(readFileSync(tokenizerJson, 'utf8')) as Record<string, unknown> }, plan.config));
    const encoding = { task: tokenClassification, labels, options: defaultLabelOptions, file: 'wnut17' };
    const train = tokenizeExamples(tokenizer, trainRows, encoding, plan.maxLength).rows;
    const validation = tokenizeExamples(tokenizer, validationRows, encoding, plan.maxLength).rows;

    const noDropout = { hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 };
    const start = startingPoint({ name: 'bert-scratch', configJson: plan.config, weights: new Map() }, labels, settings, plan.dropout ? {} : noDropout, tokenClassification).checkpoint;
    const folder = path.join(scratch, 'init');
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, 'config.json'), JSON.stringify(start.modelConfig));
    writeFileSync(path.join(folder, 'model.safetensors'), writeSafetensors([...start.params].map(([n, data]) => [n, { shape: [...start.paramShapes.get(n)!], data }]), { format: 'pt' }));
    const asLists = (rows: readonly TokenizedExample[]) => ({
      input_ids: rows.map((r) => [...r.inputIds]),
      token_type_ids: rows.map((r) => [...(r.tokenTypeIds ?? r.inputIds.map(() => 0))]),
      attention_mask: rows.map((r) => r.inputIds.map(() => 1)).map((m) => [...m]),
      labels: rows.map((r) => [...r.target]),
    });
    const order = Array.from({ length: plan.epochs }, (_, epoch) => epochOrder(train.length, settings.seed, epoch));
    const dataFile = path.join(scratch, 'data.json');
    const hyper = { epochs: plan.epochs, batch_size: plan.batchSize, lr: plan.lr, weight_decay: 0.01, warmup_ratio: 0, max_grad_norm: 1.0, seed: 42 };
    // The reference scores the training sentences too: how well each side fits them shows it learned.
    const scoredRows = [...train, ...validation];
    writeFileSync(dataFile, JSON.stringify({ train: asLists(train), validation: asLists(scoredRows), order, hyper }));

    const engineStarted = performance.now();
    const trainer = await Trainer.create({ backend: { name: 'cpu', ort }, checkpoint: start, train, validation });
    await trainer.train();
    const ourFit = await trainer.logits(train);
    const ourLogits = await trainer.logits(validation);
    await trainer.release();
    const engineSeconds = (performance.now() - engineStarted) / 1000;

    const out = path.join(scratch, 'torch.json');
    execFileSync(PYTHON, [path.join(here, 'torch_reference.py'), 'train', '--model', folder, '--data', dataFile, '--out', out, '--threads', '2'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const reference = JSON.parse(readFileSync(out, 'utf8')) as { epochs: { val_logits: number[][][] }[]; seconds: number };
    // The reference pads each evaluation batch to its longest row; the engine gives each row's own tokens.
    const theirAll = reference.epochs.at(-1)!.val_logits.map((row, i) => row.slice(0, scoredRows[i]!.inputIds.length).flat());
    const theirFit = Float32Array.from(theirAll.slice(0, train.length).flat());
    const theirLogits = Float32Array.from(theirAll.slice(train.length).flat());

    const scored = (logits: Float32Array, rows: readonly TokenizedExample[]) => metricsOfTask(tokenClassification.metrics(logits, rows, labels, {}), 'token-classification');
    const summary = (m: ReturnType<typeof scored>) => ({ f1: 100 * m.f1, accuracy: 100 * m.accuracy, loss: m.loss, entities: m.perType.reduce((n, t) => n + t.support, 0), predicted: m.perType.reduce((n, t) => n + t.predicted, 0) });
    const [ours, theirs, ourTrain, theirTrain] = [scored(ourLogits, validation), scored(theirLogits, validation), scored(ourFit, train), scored(theirFit, train)];
    console.log(JSON.stringify({ plan: title, engine: { validation: summary(ours), training: summary(ourTrain) }, pytorch: { validation: summary(theirs), training: summary(theirTrain) }, engineSeconds, pytorchSeconds: reference.seconds }));
    // Both learned to find entities in what they were shown, and agree on it.
    expect(ourTrain.f1).toBeGreaterThan(0);
    expect(theirTrain.f1).toBeGreaterThan(0);
    expect(Math.abs(ourTrain.f1 - theirTrain.f1) * 100).toBeLessThanOrEqual(1.5);
    expect(Math.abs(ours.f1 - theirs.f1) * 100).toBeLessThanOrEqual(1.5);
  });
});
