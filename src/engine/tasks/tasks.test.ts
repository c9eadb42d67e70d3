import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { expectGradientsMatch, uniform } from '../autodiff/gradcheck.ts';
import type { TokenizedExample } from '../batching.ts';
import { encodeModel } from '../onnx/encode.ts';
import { Graph } from '../onnx/graph.ts';
import { Rng } from '../random.ts';
import { type AnyTask, DEFAULT_TASK, predictionOf, TASKS, taskById, taskOfModelConfig } from './index.ts';
import { guessTask } from './guess.ts';
import { multiLabel } from './multi-label.ts';
import { regression } from './regression.ts';
import { singleLabel } from './single-label.ts';
import { defaultLabelOptions, type Target } from './task.ts';

const BATCH = 4;
const SEQ = 5;
const LABELS = ['a', 'b', 'c'];

/** A random target of the task's layout: class ids (the first token's ignored, as [CLS]'s), 0/1 per label, or a score. */
function randomTarget(task: AnyTask, numLabels: number, rng: Rng): Target {
  const { dtype, per, pad } = task.target;
  const width = per === 'row' ? 1 : per === 'label' ? numLabels : SEQ;
  if (dtype === 'int32') return Int32Array.from({ length: width }, (_, i) => (per === 'token' && i === 0 ? pad : rng.nextInt(numLabels)));
  return Float32Array.from({ length: width }, () => (per === 'label' ? rng.nextInt(2) : 5 * rng.nextFloat()));
}

function lossGraph(task: AnyTask, numLabels: number): { g: Graph; logitDims: number[]; labelDims: number[] } {
  const g = new Graph('loss');
  const token = task.head === 'token-classification';
  const logitDims = token ? [BATCH, SEQ, numLabels] : [BATCH, numLabels];
  const labelDims = task.target.per === 'row' ? [BATCH] : [BATCH, task.target.per === 'label' ? numLabels : SEQ];
  const logits = g.input('logits', 'float32', token ? ['batch', 'seq', numLabels] : ['batch', numLabels]);
  const labels = g.input('labels', task.target.dtype, labelDims.map((d, i) => (i === 0 ? 'batch' : token ? 'seq' : d)));
  const { loss } = task.loss(logits, labels);
  g.output(loss, 'loss');
  return { g, logitDims, labelDims };
}

describe.each(TASKS.map((task) => [task.id, task] as const))('task %s', (_, task) => {
  const numLabels = task.numLabels(LABELS);
  const rng = new Rng(7);
  const rows: TokenizedExample[] = Array.from({ length: BATCH }, () => ({ inputIds: new Int32Array(SEQ).fill(5), tokenTypeIds: null, target: randomTarget(task, numLabels, rng) }));
  const labelTensor = () => {
    const flat = rows.flatMap((r) => Array.from(r.target));
    const { labelDims } = lossGraph(task, numLabels);
    return task.target.dtype === 'int32' ? new ort.Tensor('int32', Int32Array.from(flat), labelDims) : new ort.Tensor('float32', Float32Array.from(flat), labelDims);
  };

  it('computes in the graph the loss its metrics compute in float64 on the CPU', async () => {
    const { g, logitDims } = lossGraph(task, numLabels);
    const logits = uniform(logitDims, 3, -3, 3);
    const session = await ort.InferenceSession.create(encodeModel(g));
    const out = await session.run({ logits, labels: labelTensor() });
    const graphLoss = (out.loss!.data as Float32Array)[0]!;
    const cpu = task.metrics(logits.data as Float32Array, rows, LABELS, {});
    expect(Math.abs(graphLoss - cpu.loss)).toBeLessThan(1e-5);
    await session.release();
  });

  it('has a loss whose gradient matches finite differences', async () => {
    const { logitDims, labelDims } = lossGraph(task, numLabels);
    await expectGradientsMatch({
      build: (g) => {
        const logits = g.input('logits', 'float32', logitDims);
        const labels = g.input('labels', task.target.dtype, labelDims);
        const { loss, stopGradient } = task.loss(logits, labels);
        return { output: loss, wrt: [logits], stopGradient };
      },
      feeds: { logits: uniform(logitDims, 11, -2, 2), labels: labelTensor() },
    });
  });

  it('is the task its own config.json names', () => {
    const configJson = { architectures: [`BertFor${task.head === 'token-classification' ? 'Token' : 'Sequence'}Classification`], ...task.configFields(LABELS) };
    expect(taskOfModelConfig(configJson).id).toBe(task.id);
  });
});

describe('task registry', () => {
  it('reads a classifier config without problem_type as single-label, as transformers does for class ids', () => {
    expect(taskOfModelConfig({ architectures: ['BertForSequenceClassification'], id2label: { 0: 'neg', 1: 'pos' } })).toBe(singleLabel);
    expect(taskById(DEFAULT_TASK)).toBe(singleLabel);
    expect(() => taskById('summarization')).toThrow('unknown task "summarization": the tasks are single-label, multi-label, regression');
  });
});

describe('single-label', () => {
  const place = { file: 'train.csv', row: 4 };

  it('orders labels as the data layer does and encodes a cell as its class id', () => {
    const labels = singleLabel.labelSet(['pos', 'neg ', 'pos'], defaultLabelOptions, () => place);
    expect(labels).toEqual(['neg', 'pos']);
    expect(Array.from(singleLabel.encodeTarget('pos', labels, defaultLabelOptions, place, null))).toEqual([1]);
    expect(() => singleLabel.encodeTarget('meh', labels, defaultLabelOptions, place, null)).toThrow('train.csv: Row 4 has the label "meh", which is not one of the 2 labels ("neg", "pos").');
  });

  it('predicts the most likely label with its probability', () => {
    const out = singleLabel.predict({ logits: Float32Array.of(0, Math.log(3)), labels: ['neg', 'pos'], wordIds: null, words: null, options: {} });
    expect(out.label).toBe('pos');
    expect(out.score).toBeCloseTo(0.75, 6);
    expect(out.probabilities.neg).toBeCloseTo(0.25, 6);
  });

  it('names the task of a prediction, for a reader that shows each task its own way', () => {
    const row = { logits: Float32Array.of(0.5), labels: ['LABEL_0'], wordIds: null, words: null, options: {} };
    const prediction = predictionOf(regression, row);
    expect(prediction.task).toBe('regression');
    expect(prediction.task === 'regression' && prediction.score).toBe(0.5);
  });

  it('writes problem_type and both label maps into config.json', () => {
    expect(singleLabel.configFields(['neg', 'pos'])).toEqual({ problem_type: 'single_label_classification', id2label: { 0: 'neg', 1: 'pos' }, label2id: { neg: 0, pos: 1 } });
  });
});

describe('multi-label', () => {
  const place = (i: number) => ({ file: 'train.csv', row: i + 1 });

  it('reads label sets written with the separator or as JSON arrays', () => {
    const cells = ['joy;love', '["anger", "joy"]', ' neutral ', 'love|joy'];
    expect(multiLabel.labelSet(cells, defaultLabelOptions, place)).toEqual(['anger', 'joy', 'love', 'love|joy', 'neutral']);
    expect(multiLabel.labelSet(cells, { labelSeparator: '|' }, place)).toEqual(['anger', 'joy', 'joy;love', 'love', 'neutral']);
    expect(Array.from(multiLabel.encodeTarget('love;joy', ['anger', 'joy', 'love'], defaultLabelOptions, place(0), null))).toEqual([0, 1, 1]);
  });

  it('names the file, row and problem of a bad cell', () => {
    expect(() => multiLabel.labelSet(['a', '["a", '], defaultLabelOptions, place)).toThrow('train.csv: Row 2 has the labels "[\\"a\\", ", which start like a JSON array but are not one. Write ["a", "b"] or a;b.');
    expect(() => multiLabel.labelSet(['[{"a": 1}]'], defaultLabelOptions, place)).toThrow('a JSON array of label names (strings or numbers) was expected');
    expect(() => multiLabel.encodeTarget('a;z', ['a', 'b'], defaultLabelOptions, place(3), null)).toThrow('train.csv: Row 4 has the label "z", which is not one of the 2 labels ("a", "b").');
  });

  it('predicts every label at or above the threshold, with every probability', () => {
    const logits = Float32Array.of(2, 0, -2);
    const out = multiLabel.predict({ logits, labels: ['a', 'b', 'c'], wordIds: null, words: null, options: {} });
    expect(out.labels).toEqual(['a', 'b']);
    expect(out.probabilities.c).toBeCloseTo(1 / (1 + Math.exp(2)), 6);
    expect(multiLabel.predict({ logits, labels: ['a', 'b', 'c'], wordIds: null, words: null, options: { threshold: 0.6 } }).labels).toEqual(['a']);
  });
});

describe('regression', () => {
  const place = (i: number) => ({ file: 'stsb.csv', row: i + 1 });

  it('has one output named as transformers names it, and a float target per row', () => {
    expect(regression.labelSet(['3.8', '5', '.5', '1e-1'], defaultLabelOptions, place)).toEqual(['LABEL_0']);
    expect(regression.numLabels(['LABEL_0'])).toBe(1);
    expect(Array.from(regression.encodeTarget(' 3.80 ', ['LABEL_0'], defaultLabelOptions, place(0), null))).toEqual([3.799999952316284]);
    expect(regression.configFields(['LABEL_0'])).toEqual({ problem_type: 'regression', id2label: { 0: 'LABEL_0' }, label2id: { LABEL_0: 0 } });
  });

  it('refuses a cell that is not a number, naming it', () => {
    expect(() => regression.labelSet(['3.8', 'high'], defaultLabelOptions, place)).toThrow('stsb.csv: Row 2 has the score "high", which is not a number');
  });

  it('reads a config without problem_type and with one output as regression, as transformers does', () => {
    expect(taskOfModelConfig({ architectures: ['BertForSequenceClassification'], id2label: { 0: 'LABEL_0' } })).toBe(regression);
  });
});

describe('guessTask', () => {
  it('reads decimals or many whole numbers as scores, separated or JSON label lists as multi-label, the rest as single-label', () => {
    expect(guessTask(['3.800', '5.000', '0.2'], defaultLabelOptions)).toEqual({ task: regression, reason: 'every label is a number and some have decimals (such as "3.800")' });
    expect(guessTask(Array.from({ length: 30 }, (_, i) => String(i)), defaultLabelOptions).task).toBe(regression);
    expect(guessTask(['0', '1', '2', '1'], defaultLabelOptions).task).toBe(singleLabel);
    expect(guessTask(['joy', 'approval;neutral'], defaultLabelOptions)).toEqual({ task: multiLabel, reason: 'some rows have several labels (such as "approval;neutral")' });
    expect(guessTask(['["joy"]', 'anger'], defaultLabelOptions).task).toBe(multiLabel);
    expect(guessTask(['a|b', 'c'], { labelSeparator: '|' }).task).toBe(multiLabel);
    expect(guessTask(['pos', 'neg'], defaultLabelOptions)).toEqual({ task: singleLabel, reason: 'each row has one label' });
  });

  it('counts rows per label: one class, each label of a set, every row for a score', () => {
    expect(singleLabel.labelCounts(['a', 'b', 'a'], ['a', 'b'], defaultLabelOptions)).toEqual([2, 1]);
    expect(multiLabel.labelCounts(['a;b', 'b', 'b;b'], ['a', 'b'], defaultLabelOptions)).toEqual([1, 3]);
    expect(regression.labelCounts(['1.5', '2'], ['LABEL_0'], defaultLabelOptions)).toEqual([2]);
  });
});
