/**
 * The CLI's rows of docs/RELIABILITY.md: every bad input and fault, run as a user runs the CLI
 * (a separate process, real files), each with its message and what is kept. The bad and
 * readable dataset files are the ones the studio's e2e test drops on its Data screen, with the
 * same expected words.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { badDatasetFiles, readableDatasetFiles } from '../../e2e/support/dataset-files.ts';
import { startHubServer } from '../../e2e/support/hub-server.ts';
import { parseCheckpoint, type TrainingCheckpoint } from '../engine/checkpoint.ts';
import { startingPoint } from '../engine/pretrained.ts';
import { defaultSettings } from '../engine/settings.ts';
import { readSafetensors, writeSafetensors } from '../engine/weights/safetensors.ts';
import { BASE_VOCAB, reviewLines, runCli, startCli, writeBaseModel, writeCsv } from './cli-fixtures.ts';

const work = mkdtempSync(path.join(tmpdir(), 'cli-reliability-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const at = (...parts: string[]) => path.join(work, ...parts);
const cli = (args: string[], env: Record<string, string> = {}) => runCli(work, args, env);
const write = (name: string, content: string | Uint8Array) => writeFileSync(at(name), content);
/** The bytes of a tensor's own values (a tensor read from a file is a view into the file's buffer). */
const bytesOf = (values: Float32Array) => Buffer.from(values.buffer, values.byteOffset, values.byteLength);
const checkpointIn = (folder: string): TrainingCheckpoint => parseCheckpoint(new Uint8Array(readFileSync(at(folder, 'training_checkpoint.safetensors'))));
/** Flags of a short, quick run on train.csv / test.csv. */
const quick = ['--batch-size', '16', '--lr', '3e-3', '--max-length', '32'];
/** The data is read before the model: a missing model folder ends a run right after the data checks. */
const stopAfterData = ['--model', './no-model-here', '--out', 'never'];

beforeAll(async () => {
  writeBaseModel(at('base'));
  writeCsv(at('train.csv'), 160, 1);
  writeCsv(at('test.csv'), 40, 2);
  mkdirSync(at('models', 'tiny'), { recursive: true });
  // A finished one-epoch run: the checkpoint the --resume cases start from, and a model to predict with.
  const first = await cli(['train', '--model', 'base', '--data', 'train.csv', '--validation', 'test.csv', '--epochs', '1', ...quick, '--out', 'first']);
  if (first.code !== 0) throw new Error(first.stderr);
}, 120_000);

describe('bad data files, refused before any work with the words the studio shows', () => {
  it.each(badDatasetFiles().map((file) => [file.what, file] as const))('%s', async (_, file) => {
    write(file.name, file.bytes);
    // As a text classifier: without --task the CLI reads a CoNLL file as a token classifier's data.
    const run = await cli(['train', '--model', 'base', '--data', file.name, '--task', 'single-label', '--out', 'never']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`error: ${file.message}\n`);
    expect(existsSync(at('never'))).toBe(false);
  });
});

describe('data files in other formats, read and said how', () => {
  it.each(readableDatasetFiles().map((file) => [file.what, file] as const))('%s', async (_, file) => {
    write(file.name, file.bytes);
    const run = await cli(['train', '--data', file.name, ...stopAfterData]);
    expect(run.stderr).toContain(`data: ${file.name} read as ${file.readAs}\n`);
    expect(run.stderr).toContain(`data: 4 training rows, 2 validation rows, labels neg, pos\n`);
  });
});

describe('checked before the first update', () => {
  it('--out inside a file', async () => {
    const run = await cli(['train', '--model', 'base', '--data', 'train.csv', '--out', 'train.csv/model']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`error: --out train.csv/model: ${at('train.csv')} is a file, so no folder can be made inside it\n`);
  });

  it('--export-project that already exists', async () => {
    const run = await cli(['train', '--model', 'base', '--data', 'train.csv', '--out', 'never', '--export-project', 'models']);
    expect(run.stderr).toBe('error: --export-project models already exists; choose a new folder so nothing is overwritten\n');
    expect(existsSync(at('never'))).toBe(false);
  });

  it('predict --out in a folder that does not exist', async () => {
    const run = await cli(['predict', '--model', 'first', '--data', 'test.csv', '--out', 'nowhere/preds.jsonl']);
    expect(run.stderr).toBe(`error: --out nowhere/preds.jsonl: the folder ${at('nowhere')} does not exist\n`);
  });

  it('tokenizer ids past config.json vocab_size', async () => {
    writeBaseModel(at('small-vocab'), { config: { vocab_size: 20 } });
    const run = await cli(['train', '--model', 'small-vocab', '--data', 'train.csv', '--out', 'never']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      "error: small-vocab: the tokenizer (vocab.txt) has ids up to 26, but config.json's vocab_size is 20, so the embedding table has no row for 7 of them. " +
        'Use the tokenizer files that came with this model, or a config.json whose vocab_size is at least 27.\n',
    );
    expect(run.stderr).not.toContain('training on');
  });

  it('an empty vocab.txt', async () => {
    writeBaseModel(at('empty-vocab'));
    write('empty-vocab/vocab.txt', '');
    const run = await cli(['train', '--model', 'empty-vocab', '--data', 'train.csv', '--out', 'never']);
    expect(run.stderr).toContain(
      "error: empty-vocab/vocab.txt holds no tokens besides the special ones: every word would be unknown to the model. The file is empty or cut short; copy it again from the model's source.\n",
    );
  });

  it('a tiny vocabulary: most of the text unknown to the tokenizer', async () => {
    writeBaseModel(at('tiny-vocab'), { vocab: [...BASE_VOCAB.slice(0, 5), 'the', 'film'] });
    const run = await cli(['train', '--model', 'tiny-vocab', '--data', 'train.csv', '--max-steps', '1', ...quick, '--out', 'tiny-vocab-run']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/warning: \d+% of the training text's tokens are unknown to the tokenizer: its vocabulary is tiny or not the one this model was trained with\n/);
  });

  it('text and label columns swapped', async () => {
    const swapped = reviewLines(20, 3).map((line, i) => (i === 0 ? 'text,label' : `${line.slice(line.lastIndexOf(',') + 1)},${line.slice(0, line.lastIndexOf(','))}`));
    write('swapped.csv', `${swapped.join('\n')}\n`);
    const run = await cli(['train', '--data', 'swapped.csv', ...stopAfterData]);
    expect(run.stderr).toMatch(
      /^error: swapped\.csv: the label column "label" looks like text \(\d+ different values in 20 rows, \d+ characters on average\) and the text column "text" like labels \(2 different values in 20 rows, 3 characters on average\): are they swapped\? Use "label" as the text and "text" as the label\. With flags: --text-column label --label-column text\n$/,
    );
  });

  it('a label column where nearly every row is its own class', async () => {
    write('ids.csv', `id,text,label\n${reviewLines(60, 6).slice(1).map((line, i) => `row-${i},${line}`).join('\n')}\n`);
    const run = await cli(['train', '--data', 'ids.csv', '--label-column', 'id', ...stopAfterData]);
    expect(run.stderr).toBe(
      'error: ids.csv: the label column "id" has 60 different values in 60 rows, 6 characters on average: nearly every row would be a class of its own. ' +
        'A label column repeats a few values, such as "positive" and "negative". The columns in this file are: "id", "text", "label".\n',
    );
  });

  it('labels mixing numbers and words', async () => {
    write('mixed.csv', 'text,label\ngreat film,1\nawful film,0\nsuperb acting,positive\nweak plot,0\n');
    const run = await cli(['train', '--data', 'mixed.csv', ...stopAfterData]);
    expect(run.stderr).toBe(
      'error: mixed.csv: the label column "label" mixes numbers ("0", "1": 3 rows) and words ("positive": 1 row). Use one kind of label throughout: fix the rows with the odd ones out, or remove them.\n',
    );
  });

  it('a label only in the validation file', async () => {
    write('val-extra.csv', 'text,label\ngreat film,pos\nawful film,neg\nthe film was a film,neutral\n');
    const run = await cli(['train', '--data', 'train.csv', '--validation', 'val-extra.csv', ...stopAfterData]);
    expect(run.stderr).toContain(
      'error: val-extra.csv: has label "neutral" (1 row) that the training data (train.csv) never has, so the model could not learn it. Add training rows with that label, or remove them from the validation file.\n',
    );
  });

  it('a single label', async () => {
    write('one-label.csv', 'text,label\ngreat film,pos\nlovely film,pos\n');
    const run = await cli(['train', '--data', 'one-label.csv', ...stopAfterData]);
    expect(run.stderr).toBe('error: one-label.csv: the label column "label" has only one value ("pos"). A classifier needs at least two different labels; check the label column.\n');
  });

  it('a class with fewer than 2 training rows, and empty texts in training data', async () => {
    write('sparse.csv', `${reviewLines(10, 4).join('\n')}\n,pos\n"weak plot",meh\n  ,neg\n`);
    const run = await cli(['train', '--data', 'sparse.csv', ...stopAfterData]);
    expect(run.stderr).toContain('warning: sparse.csv: empty text on lines 12 and 14; those rows are left out of training.\n');
    expect(run.stderr).toContain(
      'warning: Label "meh" has only 1 example. Each label needs at least 2 (one to learn from and one to check the model with); add more examples of it or remove it.\n',
    );
    expect(run.stderr).toContain('error: --model ./no-model-here: no such folder');
  });

  it('empty texts in predict get no label, and a warning names them', async () => {
    write('to-predict.csv', 'text\ngreat film\n\n""\nawful film\n');
    const run = await cli(['predict', '--model', 'first', '--data', 'to-predict.csv']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('warning: to-predict.csv: empty text on line 4; that row is given no label (null).\n');
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { label: string | null; score: number | null });
    expect(lines.map((l) => l.label === null)).toEqual([false, true, false]);
    expect(lines[1]).toEqual({ label: null, score: null, logits: null });
  });

  it('eval on labels the model does not know', async () => {
    write('other-labels.csv', 'text,label\ngreat film,good\nawful film,bad\n');
    const run = await cli(['eval', '--model', 'first', '--data', 'other-labels.csv']);
    expect(run.stderr).toBe('error: other-labels.csv has labels "bad", "good" that the model does not know (it knows neg, pos)\n');
  });

  it('a classifier fine-tuned for other labels, given as --model, gets a new head, as ignore_mismatched_sizes=True gives it', async () => {
    const three = startingPoint({ name: 'three', configJson: JSON.parse(readFileSync(at('base', 'config.json'), 'utf8')) as Record<string, unknown>, weights: new Map() }, ['a', 'b', 'c'], defaultSettings).checkpoint;
    mkdirSync(at('three-labels'));
    write('three-labels/config.json', JSON.stringify(three.modelConfig));
    write('three-labels/model.safetensors', writeSafetensors([...three.params].map(([n, data]) => [n, { shape: [...three.paramShapes.get(n)!], data }]), { format: 'pt' }));
    write('three-labels/vocab.txt', readFileSync(at('base', 'vocab.txt')));
    const run = await cli(['train', '--model', 'three-labels', '--data', 'train.csv', '--max-steps', '1', '--out', 'from-three']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(
      'three-labels was fine-tuned for 3 labels (a, b, c), and this data has 2 labels (neg, pos): ' +
        'a new classification head is trained for them, as from_pretrained(..., ignore_mismatched_sizes=True) does.\n',
    );
    expect(JSON.parse(readFileSync(at('from-three', 'config.json'), 'utf8'))).toMatchObject({ id2label: { 0: 'neg', 1: 'pos' } });
  });
});

describe('--resume checked against the model, the labels, the rows and the settings', () => {
  const resume = ['--resume', 'first/training_checkpoint.safetensors'];

  it("another model's checkpoint", async () => {
    writeBaseModel(at('wide'), { hiddenSize: 48 });
    const run = await cli(['train', '--model', 'wide', '--data', 'train.csv', '--validation', 'test.csv', ...resume, '--out', 'never']);
    expect(run.stderr).toContain(
      'error: --resume first/training_checkpoint.safetensors was trained from another model than wide (hidden_size 32 vs 48); give the --model it started from\n',
    );
  });

  it('a checkpoint of 2 labels on data with 3', async () => {
    write('three.csv', `${reviewLines(30, 5).join('\n')}\n"the plot",meh\n"the acting",meh\n`);
    const run = await cli(['train', '--model', 'base', '--data', 'three.csv', ...resume, '--out', 'never']);
    expect(run.stderr).toContain(
      'error: --resume first/training_checkpoint.safetensors holds a classifier for 2 labels [neg, pos] and the data has 3 [meh, neg, pos]: the data has "meh", which it does not know. ' +
        'A run continues only on data with its labels. To train on these labels, start a new run from the base model (--model, without --resume).\n',
    );
  });

  it('a checkpoint of other rows', async () => {
    const run = await cli(['train', '--model', 'base', '--data', 'test.csv', '--validation', 'train.csv', ...resume, '--epochs', '2', '--out', 'never']);
    expect(run.stderr).toContain(
      'error: --resume first/training_checkpoint.safetensors comes from a run that trained on other rows: 160 training rows, and this data gives 40. ' +
        'Give the same --data, --validation or --validation-split, --seed and --max-length as the run it continues.\n',
    );
  });

  it('a CSV given as the checkpoint', async () => {
    const run = await cli(['train', '--model', 'base', '--data', 'train.csv', '--resume', 'test.csv', '--out', 'never']);
    expect(run.stderr).toMatch(/^error: --resume test\.csv is not a training checkpoint \(.+\)\. Give the training_checkpoint\.safetensors that train --out wrote\.\n$/);
  });

  it('a checkpoint that does not exist', async () => {
    const run = await cli(['train', '--model', 'base', '--data', 'train.csv', '--resume', 'gone/training_checkpoint.safetensors', '--out', 'never']);
    expect(run.stderr).toBe('error: --resume gone/training_checkpoint.safetensors: no such file\n');
  });

  it('a finished run resumed without more epochs', async () => {
    const run = await cli(['train', '--model', 'base', '--data', 'train.csv', '--validation', 'test.csv', ...resume, ...quick, '--out', 'never']);
    expect(run.stderr).toContain('error: --resume first/training_checkpoint.safetensors: the run already took all 10 of its updates (1 epochs); raise --epochs or --max-steps to train on\n');
  });

  it('a setting the saved state depends on, changed', async () => {
    const run = await cli(['train', '--model', 'base', '--data', 'train.csv', '--validation', 'test.csv', ...resume, '--epochs', '2', '--batch-size', '8', '--out', 'never']);
    expect(run.stderr).toContain(
      'error: --resume first/training_checkpoint.safetensors: a resumed run keeps the settings it was trained with: batch size 16 (asked for 8).',
    );
  });

  it('a finished run resumed with more --epochs trains on to the new total, into its own folder', async () => {
    mkdirSync(at('more'));
    for (const name of readdirSync(at('first'))) if (name !== 'onnx') write(`more/${name}`, readFileSync(at('first', name)));
    const run = await cli(['train', '--model', 'base', '--data', 'train.csv', '--validation', 'test.csv', '--resume', 'more', '--epochs', '2', '--out', 'more']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('resuming at step 10 (epoch 2) of 20\n');
    expect(run.stderr).toMatch(/eval @ epoch 2\.00 \(step 20\)/);
    const after = checkpointIn('more');
    expect(after.progress).toMatchObject({ step: 20, finished: true });
    expect(after.history.steps.map((s) => s.step)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // The schedule was planned again for 20 updates, as Trainer does when num_train_epochs is raised.
    expect(after.history.steps[10]!.learningRate).toBeCloseTo(3e-3 * (10 / 20), 12);
  });
});

describe('faults keep the last good state', () => {
  it('a non-finite loss: the model of the last good update is written, with a checkpoint to go on from', async () => {
    // One word whose embedding row overflowed to infinity: the first batch holding it makes the loss NaN.
    writeBaseModel(at('overflowing'), {
      vocab: [...BASE_VOCAB, 'zzz'],
      embeddings: (table, hidden) => table.fill(Infinity, BASE_VOCAB.length * hidden, (BASE_VOCAB.length + 1) * hidden),
    });
    write('poisoned.csv', `${reviewLines(160, 1).join('\n')}\n"zzz zzz",pos\n`);
    const run = await cli(['train', '--model', 'overflowing', '--data', 'poisoned.csv', '--validation', 'test.csv', '--epochs', '1', ...quick, '--out', 'diverged']);
    expect(run.code).toBe(1);
    const match = /error: the (loss|gradient norm) became NaN at step (\d+); the update was discarded\. Try a lower learning rate\. Wrote the model as of step (\d+), the last good update, to diverged; continue from there with a lower learning rate: --resume diverged\/training_checkpoint\.safetensors --out diverged --lr 0\.00075\n/.exec(run.stderr);
    expect(match, run.stderr).not.toBeNull();
    const [, , failedAt, keptAt] = match!;
    expect(Number(keptAt)).toBe(Number(failedAt) - 1);
    expect(checkpointIn('diverged').progress.step).toBe(Number(keptAt));
    const state = JSON.parse(readFileSync(at('diverged', 'trainer_state.json'), 'utf8')) as { global_step: number };
    expect(state.global_step).toBe(Number(keptAt));
    // The model written is the checkpoint's: the weights as of the last good update, the head trained and finite.
    const weights = readSafetensors(new Uint8Array(readFileSync(at('diverged', 'model.safetensors')))).tensors;
    const kept = checkpointIn('diverged').params;
    for (const [name, tensor] of weights) expect(bytesOf(tensor.data).equals(bytesOf(kept.get(name)!)), name).toBe(true);
    expect(weights.get('classifier.weight')!.data.every(Number.isFinite)).toBe(true);
  });

  it.each(['SIGTERM', 'SIGHUP', 'SIGINT'] as const)('%s stops after the current update and writes the folder, as Ctrl-C does', async (signal) => {
    const out = `stopped-${signal}`;
    const run = startCli(work, ['train', '--model', 'base', '--data', 'train.csv', '--validation', 'test.csv', '--epochs', '200', ...quick, '--out', out]);
    await expect.poll(run.stderr, { timeout: 60_000, interval: 50 }).toContain('training on');
    run.child.kill(signal);
    const { code } = await run.exited;
    expect(code, run.stderr()).toBe(130);
    const stoppedAt = checkpointIn(out).progress.step;
    expect(run.stderr()).toContain(`${signal}: stopping after this update to write ${out}`);
    expect(run.stderr()).toContain(`interrupted (${signal}) at step ${stoppedAt}: wrote ${out}; continue with --resume ${out}/training_checkpoint.safetensors --out ${out}\n`);
    expect(existsSync(at(out, 'model.safetensors'))).toBe(true);
  });

  it('SIGKILL mid-epoch loses only the updates since the last periodic checkpoint, and the resumed run ends with the weights of one never stopped', async () => {
    const run = ['--model', 'base', '--data', 'train.csv', '--validation', 'test.csv', '--epochs', '2', ...quick, '--save-steps', '3'];
    const straight = await cli(['train', ...run, '--out', 'straight']);
    expect(straight.code, straight.stderr).toBe(0);
    expect(straight.stderr).toContain('a checkpoint every 3 updates and every 10 minutes of training to straight/training_checkpoint.safetensors');

    const killed = startCli(work, ['train', ...run, '--out', 'killed']);
    // 10 updates an epoch: killed once the checkpoint of update 6 (mid-epoch 1) is on disk.
    const saved = () => (existsSync(at('killed', 'training_checkpoint.safetensors')) ? checkpointIn('killed').progress.step : 0);
    await expect.poll(saved, { timeout: 60_000, interval: 20 }).toBeGreaterThanOrEqual(6);
    killed.child.kill('SIGKILL');
    expect((await killed.exited).signal).toBe('SIGKILL');
    const kept = checkpointIn('killed').progress;
    expect(kept.step % 3).toBe(0);
    expect(kept.step).toBeLessThan(20);
    expect(readdirSync(at('killed'))).toEqual(['training_checkpoint.safetensors']);

    const resumed = await cli(['train', ...run, '--resume', 'killed/training_checkpoint.safetensors', '--out', 'killed']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`resuming at step ${kept.step} (epoch ${kept.epoch + 1}) of 20\n`);
    const weights = (folder: string) => readSafetensors(new Uint8Array(readFileSync(at(folder, 'model.safetensors')))).tensors;
    const expected = weights('straight');
    const actual = weights('killed');
    expect([...actual.keys()]).toEqual([...expected.keys()]);
    for (const [name, tensor] of expected) expect(bytesOf(actual.get(name)!.data).equals(bytesOf(tensor.data)), name).toBe(true);
  });
});

describe('the Hub and --model paths', () => {
  it('a Hub host that takes the connection and never answers', async () => {
    const hub = await startHubServer({ repos: { 'org/model': at('base') }, failures: { 'org/model/config.json': 'hang' } });
    try {
      const run = await cli(['train', '--model', 'org/model', '--data', 'train.csv', '--out', 'never'], { HF_ENDPOINT: hub.url, HF_HUB_DOWNLOAD_TIMEOUT: '0.5' });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        `error: ${new URL(hub.url).host} did not answer the request for config.json within 0.5 s: it took the connection but sent nothing back. Try again later, or load a local copy instead.\n`,
      );
    } finally {
      await hub.close();
    }
  });

  it('a Hub host answering 503 twice, then the files', async () => {
    const hub = await startHubServer({ repos: { 'org/tuned': at('first') }, failures: { 'org/tuned/model.safetensors': { status: 503, times: 2 } } });
    try {
      const run = await cli(['predict', '--model', 'org/tuned', '--data', 'test.csv'], { HF_ENDPOINT: hub.url });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout.trim().split('\n')).toHaveLength(40);
      expect(hub.requests.filter((r) => r.endsWith('/model.safetensors'))).toHaveLength(3);
    } finally {
      await hub.close();
    }
  });

  it('a mistyped model folder is not looked up on the Hub', async () => {
    const run = await cli(['train', '--model', 'models/tinny', '--data', 'train.csv', '--out', 'never'], { HF_ENDPOINT: 'http://127.0.0.1:9' });
    expect(run.stderr).toContain(
      'error: --model models/tinny: no such folder (models/ has: tiny). Give the folder that holds config.json, or a Hub id such as "google-bert/bert-base-uncased".\n',
    );
    expect(run.stderr).not.toContain('downloading');
  });
});
