/**
 * Multi-label classification: each text has any number of K labels, written in one cell as
 * `a;b` (the separator is a LabelOptions setting) or as a JSON array `["a", "b"]`. transformers'
 * `problem_type: multi_label_classification`: a multi-hot float target, BCEWithLogitsLoss, and a
 * label predicted when its sigmoid probability reaches the threshold (0.5 unless tuned).
 */
import { buildLabelSet } from '../../data/labels.ts';
import { bceWithLogits } from '../loss.ts';
import { DEFAULT_THRESHOLD, type MultiLabelMetrics, multiLabelMetrics, sigmoid } from '../multi-label-metrics.ts';
import { type CellPlace, describePlace, type LabelOptions, labelMaps, type Task, type TaskMetricsBase } from './task.ts';

export type MultiLabelTaskMetrics = MultiLabelMetrics & TaskMetricsBase<'multi-label'>;

export interface MultiLabelPrediction {
  /** The labels at or above the threshold, in label order. */
  readonly labels: string[];
  /** Every label's sigmoid probability, by label name. */
  readonly probabilities: Readonly<Record<string, number>>;
  readonly logits: number[];
}

/** The label names of one cell, in the order written. */
export function labelNamesOf(cell: string, options: LabelOptions, place: CellPlace): string[] {
  const text = cell.trim();
  if (text.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Error(`${describePlace(place)} has the labels ${JSON.stringify(cell)}, which start like a JSON array but are not one. Write ["a", "b"] or a${options.labelSeparator}b.`);
    }
    if (!Array.isArray(parsed) || parsed.some((x) => typeof x !== 'string' && typeof x !== 'number')) {
      throw new Error(`${describePlace(place)} has the labels ${JSON.stringify(cell)}: a JSON array of label names (strings or numbers) was expected.`);
    }
    return parsed.map((x) => String(x).trim()).filter((x) => x !== '');
  }
  return text.split(options.labelSeparator).map((x) => x.trim()).filter((x) => x !== '');
}

export const multiLabel: Task<'multi-label', MultiLabelTaskMetrics, MultiLabelPrediction> = {
  id: 'multi-label',
  title: 'Multi-label classification',
  head: 'sequence-classification',
  problemType: 'multi_label_classification',

  labelSet: (cells, options, place) => buildLabelSet(cells.flatMap((cell, i) => labelNamesOf(cell, options, place(i)))),
  labelsAreClasses: true,
  labelCounts: (cells, labels, options) => {
    const counts = labels.map(() => 0);
    cells.forEach((cell, row) => {
      for (const name of new Set(labelNamesOf(cell, options, { file: null, row: row + 1 }))) {
        const id = labels.indexOf(name);
        if (id >= 0) counts[id]! += 1;
      }
    });
    return counts;
  },
  minLabels: 1,
  numLabels: (labels) => labels.length,
  target: { dtype: 'float32', per: 'label', pad: 0 },
  encodeTarget(cell, labels, options, place) {
    const target = new Float32Array(labels.length);
    for (const name of labelNamesOf(cell, options, place)) {
      const id = labels.indexOf(name);
      if (id < 0) {
        const shown = labels.slice(0, 10).map((l) => JSON.stringify(l)).join(', ');
        throw new Error(`${describePlace(place)} has the label ${JSON.stringify(name)}, which is not one of the ${labels.length} labels (${shown}${labels.length > 10 ? ', …' : ''}).`);
      }
      target[id] = 1;
    }
    return target;
  },

  loss: bceWithLogits,

  metrics(logits, rows, labels, options) {
    const targets = new Float32Array(rows.length * labels.length);
    rows.forEach((row, i) => targets.set(row.target, i * labels.length));
    return { task: 'multi-label', ...multiLabelMetrics(logits, targets, labels, options.threshold ?? DEFAULT_THRESHOLD) };
  },
  // Trainer's "f1" for a multi-label model is micro-F1, and "accuracy" subset accuracy.
  bestModelValue: (metrics, metric) => (metric === 'loss' ? metrics.loss : metric === 'accuracy' ? metrics.subsetAccuracy : metrics.microF1),
  summary: (m) => `micro-F1 ${m.microF1.toFixed(4)} | macro-F1 ${m.macroF1.toFixed(4)} | subset accuracy ${(m.subsetAccuracy * 100).toFixed(2)}% at threshold ${m.threshold} (best ${m.tuned.threshold.toFixed(2)}: micro-F1 ${m.tuned.microF1.toFixed(4)})`,
  trainerMetrics: (m) => ({ f1: m.microF1, macro_f1: m.macroF1, accuracy: m.subsetAccuracy }),
  predict({ logits, labels, options }) {
    const threshold = options.threshold ?? DEFAULT_THRESHOLD;
    const probabilities = Array.from(logits, sigmoid);
    return {
      labels: labels.filter((_, i) => probabilities[i]! >= threshold),
      probabilities: Object.fromEntries(labels.map((label, i) => [label, probabilities[i]!])),
      logits: Array.from(logits),
    };
  },

  configFields: (labels) => ({ problem_type: 'multi_label_classification', ...labelMaps(labels) }),
  trainScript: (options) => ({
    autoModelClass: 'AutoModelForSequenceClassification',
    collator: 'DataCollatorWithPadding(tokenizer)',
    encodeLabel: [
      'def encode_label(cell):',
      '    """A multi-hot row: the cell is a JSON array of names or names joined by the separator."""',
      '    import json',
      '',
      `    names = json.loads(cell) if cell.strip().startswith("[") else cell.split(${JSON.stringify(options.labelSeparator)})`,
      '    row = [0.0] * len(LABELS)',
      '    for name in names:',
      '        if str(name).strip():',
      '            row[LABEL2ID[str(name).strip()]] = 1.0',
      '    return row',
    ].join('\n'),
    computeMetrics: [
      'def compute_metrics(eval_pred):',
      '    logits, labels = eval_pred',
      '    # In float64, as the studio: float32 rounds the sigmoid of logits just below 0 up to 0.5.',
      `    predicted = 1 / (1 + np.exp(-logits.astype(np.float64))) >= ${DEFAULT_THRESHOLD}`,
      '    truth = labels >= 0.5',
      '    tp = np.sum(predicted & truth, axis=0)',
      '    wrong = np.sum(predicted != truth, axis=0)',
      '    f1 = np.where(tp == 0, 0.0, 2 * tp / np.maximum(2 * tp + wrong, 1))',
      '    micro = 0.0 if tp.sum() == 0 else 2 * tp.sum() / (2 * tp.sum() + wrong.sum())',
      '    return {"f1": float(micro), "macro_f1": float(np.mean(f1)), "accuracy": float(np.mean(np.all(predicted == truth, axis=1)))}',
    ].join('\n'),
  }),
  trainerMetricName: (metric) => (metric === 'macroF1' ? 'f1' : metric),
  cardMetrics: (metrics) => [
    { type: 'f1', name: 'Micro F1', value: metrics.microF1, args: { average: 'micro' } },
    { type: 'f1', name: 'Macro F1', value: metrics.macroF1, args: { average: 'macro' } },
    { type: 'accuracy', name: 'Subset accuracy', value: metrics.subsetAccuracy },
  ],
};
