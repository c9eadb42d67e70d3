// The multi-label and regression folders the CLI writes, read outside the studio as their users read
// them: the PyTorch reference (src/engine/parity/torch_reference.py) builds the model from config.json
// and loads model.safetensors by HF names, transformers.js runs onnx/model.onnx offline, and the model
// card's examples run as written: JavaScript on transformers.js, Python on stand-ins for transformers
// backed by the reference. Each must give what `finetune-studio predict` gave, within 1e-4,
// multi-label labels at the threshold train wrote into config.json.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PYTHON, quietTorchEnv, torchUnavailable } from '../engine/parity/python.ts';
import { Rng } from '../engine/random.ts';
import { EXAMPLE_TEXTS, PYTHON_FOLDER, usageExamples } from '../export/usage-examples.ts';
import { BASE_VOCAB, NEGATIVE, POSITIVE, runCardExample, runCli, writeBaseModel } from './cli-fixtures.ts';

const SCRIPT = path.resolve(import.meta.dirname, '../engine/parity/torch_reference.py');
const TOLERANCE = 1e-4;
const torchMissing = torchUnavailable();

const work = mkdtempSync(path.join(tmpdir(), 'cli-task-exports-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const cli = (args: string[]) => runCli(work, args);

const FILLER = ['the', 'film', 'was', 'a', 'plot', 'and', 'acting', 'story'];

/**
 * Reviews with zero to two praising and zero to two critical words: labelled `praise` and/or
 * `criticism` (multi-label), scored 2.5 + 1 per praising word - 1 per critical word (regression).
 */
function reviews(count: number, seed: number): { text: string; labels: string; score: string }[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => {
    const good = rng.nextInt(3);
    const bad = rng.nextInt(3);
    const words = Array.from({ length: 2 + rng.nextInt(4) }, () => FILLER[rng.nextInt(FILLER.length)]!);
    for (let i = 0; i < good; i++) words.splice(rng.nextInt(words.length + 1), 0, POSITIVE[rng.nextInt(POSITIVE.length)]!);
    for (let i = 0; i < bad; i++) words.splice(rng.nextInt(words.length + 1), 0, NEGATIVE[rng.nextInt(NEGATIVE.length)]!);
    const labels = [...(good > 0 ? ['praise'] : []), ...(bad > 0 ? ['criticism'] : [])];
    return { text: words.join(' '), labels: labels.length > 0 ? labels.join(';') : 'neither', score: (2.5 + good - bad).toFixed(1) };
  });
}

const validation = reviews(40, 2);
const texts = validation.map((r) => r.text);
const jsonLines = <T>(file: string) => readFileSync(path.join(work, file), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as T);
const readConfig = (folder: string) => JSON.parse(readFileSync(path.join(work, folder, 'config.json'), 'utf8')) as Record<string, unknown>;
/** What `train` logged, by output folder. */
const trainLog = new Map<string, string>();

beforeAll(async () => {
  writeBaseModel(path.join(work, 'base'), { vocab: BASE_VOCAB });
  const csv = (rows: { text: string; labels: string; score: string }[]) => `text,labels,score\n${rows.map((r) => `${r.text},${r.labels},${r.score}`).join('\n')}\n`;
  writeFileSync(path.join(work, 'train.csv'), csv(reviews(240, 1)));
  writeFileSync(path.join(work, 'validation.csv'), csv(validation));
  const common = ['train', '--model', 'base', '--data', 'train.csv', '--epochs', '8', '--batch-size', '16', '--lr', '3e-3', '--max-length', '32'];
  for (const [task, label, out] of [['multi-label', 'labels', 'tags'], ['regression', 'score', 'scorer']] as const) {
    const train = await cli([...common, '--task', task, '--label-column', label, '--out', out]);
    expect(train.code, train.stderr).toBe(0);
    trainLog.set(out, train.stderr);
    const predict = await cli(['predict', '--model', out, '--data', 'validation.csv', '--out', `${out}.jsonl`]);
    expect(predict.code, predict.stderr).toBe(0);
  }
}, 240_000);

/** The rows' texts as transformers.js's tokenizer encodes them from the exported tokenizer files, padded to the longest. */
async function encodedByTransformersJs(folder: string): Promise<Record<string, number[][]>> {
  const { AutoTokenizer } = await transformersJs();
  const encoded = (await AutoTokenizer.from_pretrained(folder))(texts, { padding: true, truncation: true }) as Record<string, { tolist(): bigint[][] }>;
  return Object.fromEntries(['input_ids', 'attention_mask', 'token_type_ids'].map((name) => [name, encoded[name]!.tolist().map((row) => row.map(Number))]));
}

/** transformers.js reading this test's folders only, never the network. */
async function transformersJs() {
  const library = await import('@huggingface/transformers');
  library.env.allowRemoteModels = false;
  library.env.allowLocalModels = true;
  library.env.localModelPath = `${work}/`;
  return library;
}

/** The scores the PyTorch reference's text-classification postprocessing gives, the folder loaded by HF names. */
function torchScores(folder: string, batch: Record<string, number[][]>): { scores: number[][]; id2label: Record<string, string> } {
  const dir = path.join(work, folder);
  writeFileSync(path.join(dir, 'batch.json'), JSON.stringify(batch));
  execFileSync(PYTHON, [SCRIPT, 'logits', '--model', dir, '--batch', path.join(dir, 'batch.json'), '--out', path.join(dir, 'torch.json')], { stdio: 'pipe' });
  return JSON.parse(readFileSync(path.join(dir, 'torch.json'), 'utf8')) as { scores: number[][]; id2label: Record<string, string> };
}

function worstDifference(ours: number[][], theirs: number[][]): number {
  expect(theirs.map((r) => r.length)).toEqual(ours.map((r) => r.length));
  return Math.max(...ours.flatMap((row, r) => row.map((x, i) => Math.abs(x - theirs[r]![i]!))));
}

/** How far apart the rows' values of the most spread column are: a model that ignored its input would give ~0. */
const widestSpread = (rows: number[][]) => Math.max(...rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!)) - Math.min(...rows.map((r) => r[i]!))));

const multiLabel = () => {
  const preds = jsonLines<{ probabilities: Record<string, number> }>('tags.jsonl');
  const labels = Object.keys(preds[0]!.probabilities);
  return { labels, probabilities: preds.map((p) => labels.map((l) => p.probabilities[l]!)) };
};
const regression = () => jsonLines<{ score: number }>('scorer.jsonl').map((p) => [p.score]);

describe('the predictions the tests compare against', () => {
  it('come from models that read their input: multi-label probabilities and regression scores differ between rows', () => {
    const { labels, probabilities } = multiLabel();
    expect(labels).toEqual(['criticism', 'neither', 'praise']);
    expect(probabilities).toHaveLength(validation.length);
    console.log(JSON.stringify({ multiLabelSpread: widestSpread(probabilities), regressionSpread: widestSpread(regression()) }));
    expect(widestSpread(probabilities)).toBeGreaterThan(0.5);
    expect(widestSpread(regression())).toBeGreaterThan(1);
  });
});

/** Each label predicted at `threshold` or above, and no other. */
const labelledAt = (threshold: number, p: { labels: string[]; probabilities: Record<string, number> }) =>
  Object.entries(p.probabilities).every(([label, probability]) => p.labels.includes(label) === probability >= threshold);

describe('the multi-label decision threshold in the folder', () => {
  it('is the validation rows\' best, written to config.json by train; predict uses it, and --threshold overrides it', async () => {
    const log = trainLog.get('tags')!;
    const best = Number(/\(best ([\d.]+): micro-F1 [\d.]+\)\n/.exec(log)?.[1]);
    console.log(JSON.stringify({ check: 'multi-label threshold train wrote', threshold: best }));
    expect(log).toContain(`threshold: ${best} (the best micro-F1 on the validation rows, `);
    expect(log).toContain('written to config.json as multi_label_threshold: predict and eval use it unless --threshold is given');
    expect(readConfig('tags').multi_label_threshold).toBe(best);
    const preds = jsonLines<{ labels: string[]; probabilities: Record<string, number> }>('tags.jsonl');
    expect(preds.every((p) => labelledAt(best, p))).toBe(true);

    // A folder whose config.json says 0.9: predict reads it there, and --threshold 0.2 goes over it.
    cpSync(path.join(work, 'tags'), path.join(work, 'tags-strict'), { recursive: true });
    writeFileSync(path.join(work, 'tags-strict/config.json'), JSON.stringify({ ...readConfig('tags'), multi_label_threshold: 0.9 }));
    for (const [args, threshold] of [[[], 0.9], [['--threshold', '0.2'], 0.2]] as const) {
      const run = await cli(['predict', '--model', 'tags-strict', '--data', 'validation.csv', '--out', 'strict.jsonl', ...args]);
      expect(run.code, run.stderr).toBe(0);
      const strict = jsonLines<{ labels: string[]; probabilities: Record<string, number> }>('strict.jsonl');
      expect(strict.every((p) => labelledAt(threshold, p))).toBe(true);
      // Some row is labelled differently at 0.9 than at 0.2, so the lines above tell the thresholds apart.
      expect(strict.some((p) => !labelledAt(threshold === 0.9 ? 0.2 : 0.9, p))).toBe(true);
    }
    const evaluation = await cli(['eval', '--model', 'tags-strict', '--data', 'validation.csv', '--label-column', 'labels']);
    expect(evaluation.code, evaluation.stderr).toBe(0);
    expect(JSON.parse(evaluation.stdout)).toMatchObject({ task: 'multi-label', threshold: 0.9 });
  }, 60_000);

  it('is a multi-label folder\'s only: the regression folder has none and train says nothing of one', () => {
    expect(readConfig('scorer')).not.toHaveProperty('multi_label_threshold');
    expect(trainLog.get('scorer')).not.toContain('threshold:');
  });
});

describe.skipIf(torchMissing !== null)(`PyTorch loads the exported multi-label and regression folders by HF names${torchMissing ? ` (skipped: ${torchMissing})` : ''}`, () => {
  it(`multi-label: the reference's sigmoid probabilities (chosen from problem_type) are predict's within ${TOLERANCE}`, async () => {
    const ours = multiLabel();
    const reference = torchScores('tags', await encodedByTransformersJs('tags'));
    expect(Object.values(reference.id2label)).toEqual(ours.labels);
    const worst = worstDifference(ours.probabilities, reference.scores);
    console.log(JSON.stringify({ check: 'multi-label predict vs torch sigmoid', rows: texts.length, max_abs_diff: worst }));
    expect(worst).toBeLessThanOrEqual(TOLERANCE);
  });

  it(`regression: the reference's raw score (no activation for problem_type regression) is predict's within ${TOLERANCE}`, async () => {
    const reference = torchScores('scorer', await encodedByTransformersJs('scorer'));
    expect(reference.id2label).toEqual({ 0: 'LABEL_0' });
    const worst = worstDifference(regression(), reference.scores);
    console.log(JSON.stringify({ check: 'regression predict vs torch score', rows: texts.length, max_abs_diff: worst }));
    expect(worst).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('transformers.js runs the exported multi-label and regression ONNX offline', () => {
  it(`multi-label: pipeline("text-classification", top_k: null) gives every label predict's probability within ${TOLERANCE} (sigmoid, from problem_type)`, async () => {
    const ours = multiLabel();
    const classify = await (await transformersJs()).pipeline('text-classification', 'tags', { dtype: 'fp32' });
    const found = (await classify(texts, { top_k: null })) as { label: string; score: number }[][];
    await classify.dispose();
    const theirs = found.map((row) => ours.labels.map((l) => row.find((f) => f.label === l)!.score));
    const worst = worstDifference(ours.probabilities, theirs);
    console.log(JSON.stringify({ check: 'multi-label predict vs transformers.js pipeline', rows: texts.length, max_abs_diff: worst }));
    expect(worst).toBeLessThanOrEqual(TOLERANCE);
  });

  it(`regression: the pipeline softmaxes the one logit to 1, so the score is AutoModelForSequenceClassification's logit, predict's within ${TOLERANCE}`, async () => {
    const { AutoModelForSequenceClassification, AutoTokenizer, pipeline } = await transformersJs();
    const classify = await pipeline('text-classification', 'scorer', { dtype: 'fp32' });
    expect(await classify(texts[0]!)).toEqual([{ label: 'LABEL_0', score: 1 }]);
    await classify.dispose();
    const tokenizer = await AutoTokenizer.from_pretrained('scorer');
    const model = await AutoModelForSequenceClassification.from_pretrained('scorer', { dtype: 'fp32' });
    const { logits } = (await model(tokenizer(texts, { padding: true, truncation: true }))) as { logits: { tolist(): number[][] } };
    await model.dispose();
    const worst = worstDifference(regression(), logits.tolist());
    console.log(JSON.stringify({ check: 'regression predict vs transformers.js model logits', rows: texts.length, max_abs_diff: worst }));
    expect(worst).toBeLessThanOrEqual(TOLERANCE);
  });
});

const STAND_INS = path.resolve(import.meta.dirname, '../export/usage_example_stand_ins.py');

/**
 * Runs a model card's Python example with the stand-ins for transformers (usage_example_stand_ins.py:
 * the PyTorch reference loads the folder), the folder and texts put in place of the card's, each text
 * encoded by transformers.js's tokenizer from the exported files. What it prints comes back.
 */
async function runPythonExample(markdown: string, folder: string, inputs: { sentence?: string; first?: string; second?: string }): Promise<unknown[][]> {
  const code = /```python\n([^]*?)```/.exec(markdown)?.[1];
  if (!code) throw new Error('the card has no Python example');
  let script = code.replaceAll(`"${PYTHON_FOLDER}"`, JSON.stringify(path.join(work, folder)));
  for (const key of ['sentence', 'first', 'second'] as const) if (inputs[key]) script = script.replaceAll(`"${EXAMPLE_TEXTS[key]}"`, JSON.stringify(inputs[key]));
  const tokenizer = await (await transformersJs()).AutoTokenizer.from_pretrained(folder);
  const [text, textPair] = inputs.sentence ? [inputs.sentence, null] : [inputs.first!, inputs.second!];
  const encoded = tokenizer(text, textPair === null ? {} : { text_pair: textPair }) as Record<string, { tolist(): bigint[][] }>;
  const encoding = Object.fromEntries(['input_ids', 'attention_mask', 'token_type_ids'].map((name) => [name, encoded[name]!.tolist()[0]!.map(Number)]));
  const file = (name: string) => path.join(work, `python-${folder}-${Object.keys(inputs).join('-')}.${name}`);
  writeFileSync(file('py'), script);
  writeFileSync(file('json'), JSON.stringify({ script: file('py'), folder: path.join(work, folder), encodings: [{ text, text_pair: textPair, ...encoding }], out: file('out.json') }));
  execFileSync(PYTHON, [STAND_INS, file('json')], { stdio: 'pipe', env: quietTorchEnv(1) });
  return JSON.parse(readFileSync(file('out.json'), 'utf8')) as unknown[][];
}

describe("the model card's examples, run on the exported folders offline", () => {
  const pairs = { first: validation[1]!.text, second: validation[2]!.text };
  beforeAll(async () => {
    writeFileSync(path.join(work, 'pairs.csv'), `text,second\n${pairs.first},${pairs.second}\n`);
    for (const folder of ['tags', 'scorer']) {
      const predict = await cli(['predict', '--model', folder, '--data', 'pairs.csv', '--text-pair-column', 'second', '--out', `${folder}-pair.jsonl`]);
      expect(predict.code, predict.stderr).toBe(0);
    }
  }, 60_000);
  const close = (a: number, b: number) => Math.abs(a - b) <= TOLERANCE;

  it("multi-label (the card train wrote): every label's probability, and the labels at config.json's threshold, as predict gives them", async () => {
    const card = readFileSync(path.join(work, 'tags/README.md'), 'utf8');
    const [[labels, probabilities]] = (await runCardExample(work, card, 'tags', { sentence: texts[0]! })) as [[string[], { label: string; score: number }[]]];
    const ours = jsonLines<{ labels: string[]; probabilities: Record<string, number> }>('tags.jsonl')[0]!;
    expect([...labels].sort()).toEqual([...ours.labels].sort());
    expect(probabilities).toHaveLength(Object.keys(ours.probabilities).length);
    expect(probabilities.every((p) => close(p.score, ours.probabilities[p.label]!))).toBe(true);
  }, 60_000);

  it('regression (the card train wrote): the score, as predict gives it', async () => {
    const card = readFileSync(path.join(work, 'scorer/README.md'), 'utf8');
    const [[score]] = (await runCardExample(work, card, 'scorer', { sentence: texts[0]! })) as [[number]];
    expect(close(score, regression()[0]![0]!)).toBe(true);
  }, 60_000);

  it('text pairs: each task reads the pair the tokenizer encodes as predict --text-pair-column does', async () => {
    const facts = { textPair: true, maxLength: 32, threshold: readConfig('tags').multi_label_threshold as number };
    const tagged = jsonLines<{ labels: string[]; probabilities: Record<string, number>; logits: number[] }>('tags-pair.jsonl')[0]!;
    const [[labels, probabilities]] = (await runCardExample(work, usageExamples({ ...facts, task: 'multi-label' }), 'tags', pairs)) as [[string[], number[]]];
    expect(labels).toEqual(tagged.labels);
    expect(probabilities.every((p, i) => close(p, Object.values(tagged.probabilities)[i]!))).toBe(true);

    // The single-label reading (softmax, argmax) of the same logits.
    const softmax = tagged.logits.map((x) => Math.exp(x)).map((e, _, all) => e / all.reduce((a, b) => a + b, 0));
    const best = softmax.indexOf(Math.max(...softmax));
    const [[label, probability]] = (await runCardExample(work, usageExamples({ ...facts, task: 'single-label' }), 'tags', pairs)) as [[string, number]];
    expect(label).toBe(Object.keys(tagged.probabilities)[best]);
    expect(close(probability, softmax[best]!)).toBe(true);

    const [[score]] = (await runCardExample(work, usageExamples({ ...facts, task: 'regression' }), 'scorer', pairs)) as [[number]];
    expect(close(score, jsonLines<{ score: number }>('scorer-pair.jsonl')[0]!.score)).toBe(true);
  }, 120_000);

  const withTorch = `with the PyTorch reference behind stand-ins for transformers${torchMissing ? ` (skipped: ${torchMissing})` : ''}`;
  type Scored = { label: string; score: number };

  it.skipIf(torchMissing !== null)(`Python, one text (the cards train wrote), ${withTorch}: multi-label probabilities and labels at the threshold, regression's score, as predict gives them`, async () => {
    const ours = jsonLines<{ labels: string[]; probabilities: Record<string, number> }>('tags.jsonl')[0]!;
    const [[everyLabel], [labels]] = (await runPythonExample(readFileSync(path.join(work, 'tags/README.md'), 'utf8'), 'tags', { sentence: texts[0]! })) as [[Scored[]], [string[]]];
    expect(everyLabel).toHaveLength(Object.keys(ours.probabilities).length);
    expect(everyLabel.every((p) => close(p.score, ours.probabilities[p.label]!))).toBe(true);
    expect(labels).toEqual(ours.labels);

    const [[[piped]], [score]] = (await runPythonExample(readFileSync(path.join(work, 'scorer/README.md'), 'utf8'), 'scorer', { sentence: texts[0]! })) as [[[Scored]], [number]];
    expect(close(piped.score, regression()[0]![0]!)).toBe(true);
    expect(close(score, regression()[0]![0]!)).toBe(true);
  }, 60_000);

  it.skipIf(torchMissing !== null)(`Python, text pairs, ${withTorch}: each task's reading of the pair, as predict --text-pair-column gives it`, async () => {
    const facts = { textPair: true, maxLength: 32, threshold: readConfig('tags').multi_label_threshold as number };
    const tagged = jsonLines<{ labels: string[]; probabilities: Record<string, number>; logits: number[] }>('tags-pair.jsonl')[0]!;
    const [[everyLabel], [labels]] = (await runPythonExample(usageExamples({ ...facts, task: 'multi-label' }), 'tags', pairs)) as [[Scored[]], [string[]]];
    expect(everyLabel.every((p) => close(p.score, tagged.probabilities[p.label]!))).toBe(true);
    expect(labels).toEqual(tagged.labels);

    const softmax = tagged.logits.map((x) => Math.exp(x)).map((e, _, all) => e / all.reduce((a, b) => a + b, 0));
    const best = Object.keys(tagged.probabilities)[softmax.indexOf(Math.max(...softmax))];
    const [[top], [label]] = (await runPythonExample(usageExamples({ ...facts, task: 'single-label' }), 'tags', pairs)) as [[Scored], [string]];
    expect(top.label).toBe(best);
    // The pipeline's score follows the folder's problem_type: sigmoid for this multi-label one.
    expect(close(top.score, 1 / (1 + Math.exp(-Math.max(...tagged.logits))))).toBe(true);
    expect(label).toBe(best);

    const expected = jsonLines<{ score: number }>('scorer-pair.jsonl')[0]!.score;
    const [[piped], [score]] = (await runPythonExample(usageExamples({ ...facts, task: 'regression' }), 'scorer', pairs)) as [[Scored], [number]];
    expect(close(piped.score, expected)).toBe(true);
    expect(close(score, expected)).toBe(true);
  }, 120_000);
});
