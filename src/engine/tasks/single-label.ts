/**
 * Single-label classification: each text has exactly one of K labels. transformers'
 * `problem_type: single_label_classification`, cross-entropy over the K logits, accuracy and
 * macro-F1 (with per-class scores and the confusion matrix), argmax and softmax in predict.
 */
import { buildLabelSet } from '../../data/labels.ts';
import { crossEntropy } from '../loss.ts';
import { argmax, classificationMetrics, type ClassificationMetrics, softmax } from '../metrics.ts';
import { describePlace, labelMaps, type Task, type TaskMetricsBase } from './task.ts';

export type SingleLabelMetrics = ClassificationMetrics & TaskMetricsBase<'single-label'>;

export interface SingleLabelPrediction {
  readonly label: string;
  /** The softmax probability of `label`. */
  readonly score: number;
  /** Every label's softmax probability, by label name. */
  readonly probabilities: Readonly<Record<string, number>>;
  readonly logits: number[];
}

export const singleLabel: Task<'single-label', SingleLabelMetrics, SingleLabelPrediction> = {
  id: 'single-label',
  title: 'Single-label classification',
  head: 'sequence-classification',
  problemType: 'single_label_classification',

  labelSet: (cells) => buildLabelSet(cells.map((cell) => cell.trim())),
  labelsAreClasses: true,
  labelCounts: (cells, labels) => {
    const counts = labels.map(() => 0);
    for (const cell of cells) {
      const id = labels.indexOf(cell.trim());
      if (id >= 0) counts[id]! += 1;
    }
    return counts;
  },
  minLabels: 2,
  numLabels: (labels) => labels.length,
  target: { dtype: 'int32', per: 'row', pad: 0 },
  encodeTarget(cell, labels, _options, place) {
    const id = labels.indexOf(cell.trim());
    if (id < 0) {
      const shown = labels.slice(0, 10).map((l) => JSON.stringify(l)).join(', ');
      throw new Error(`${describePlace(place)} has the label ${JSON.stringify(cell)}, which is not one of the ${labels.length} labels (${shown}${labels.length > 10 ? ', …' : ''}).`);
    }
    return Int32Array.of(id);
  },

  loss: crossEntropy,

  metrics(logits, rows, labels) {
    return { task: 'single-label', ...classificationMetrics(logits, rows.map((r) => r.target[0]!), labels) };
  },
  bestModelValue: (metrics, metric) => metrics[metric],
  summary: (m) => `accuracy ${(m.accuracy * 100).toFixed(2)}% | macro-F1 ${m.macroF1.toFixed(4)}`,
  trainerMetrics: (m) => ({ accuracy: m.accuracy, f1: m.macroF1 }),
  predict({ logits, labels }) {
    const best = argmax(logits);
    const probabilities = softmax(logits);
    return {
      label: labels[best]!,
      score: probabilities[best]!,
      probabilities: Object.fromEntries(labels.map((label, i) => [label, probabilities[i]!])),
      logits: Array.from(logits),
    };
  },

  configFields: (labels) => ({ problem_type: 'single_label_classification', ...labelMaps(labels) }),
  trainScript: () => ({
    autoModelClass: 'AutoModelForSequenceClassification',
    collator: 'DataCollatorWithPadding(tokenizer)',
    encodeLabel: ['def encode_label(cell):', '    return LABEL2ID[cell]'].join('\n'),
    computeMetrics: [
      'def compute_metrics(eval_pred):',
      '    logits, labels = eval_pred',
      '    predictions = np.argmax(logits, axis=-1)',
      '    f1 = []',
      '    for k in range(len(LABELS)):',
      '        tp = np.sum((predictions == k) & (labels == k))',
      '        wrong = np.sum((predictions == k) != (labels == k))',
      '        f1.append(0.0 if tp + wrong == 0 else 2 * tp / (2 * tp + wrong))',
      '    return {"accuracy": float(np.mean(predictions == labels)), "f1": float(np.mean(f1))}',
    ].join('\n'),
  }),
  trainerMetricName: (metric) => (metric === 'macroF1' ? 'f1' : metric),
  cardMetrics: (metrics) => [
    { type: 'accuracy', name: 'Accuracy', value: metrics.accuracy },
    { type: 'f1', name: 'Macro F1', value: metrics.macroF1, args: { average: 'macro' } },
  ],
};
