/**
 * Regression: each text (or text pair, as STS-B) has one number. transformers' `num_labels: 1,
 * problem_type: regression`: a float target, MSELoss on the one logit, which is the prediction;
 * Pearson, Spearman and MSE.
 */
import { meanSquaredError } from '../loss.ts';
import { regressionMetrics, type RegressionMetrics } from '../regression-metrics.ts';
import { type CellPlace, describePlace, labelMaps, type Task, type TaskMetricsBase } from './task.ts';

export type RegressionTaskMetrics = RegressionMetrics & TaskMetricsBase<'regression'>;

export interface RegressionPrediction {
  /** The one output: the predicted score. */
  readonly score: number;
  readonly logits: number[];
}

/** transformers' name for the one output of a head made with num_labels=1. */
const SCORE_LABEL = 'LABEL_0';

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

function scoreOf(cell: string, place: CellPlace): number {
  const text = cell.trim();
  if (!NUMBER.test(text)) throw new Error(`${describePlace(place)} has the score ${JSON.stringify(cell)}, which is not a number: regression needs a number in every label cell (such as 3.8).`);
  return Number(text);
}

export const regression: Task<'regression', RegressionTaskMetrics, RegressionPrediction> = {
  id: 'regression',
  title: 'Regression',
  head: 'sequence-classification',
  problemType: 'regression',

  labelSet(cells, _options, place) {
    cells.forEach((cell, i) => scoreOf(cell, place(i)));
    return [SCORE_LABEL];
  },
  labelsAreClasses: false,
  labelCounts: (cells) => [cells.length],
  minLabels: 1,
  numLabels: () => 1,
  target: { dtype: 'float32', per: 'row', pad: 0 },
  encodeTarget: (cell, _labels, _options, place) => Float32Array.of(scoreOf(cell, place)),

  loss: meanSquaredError,

  metrics: (logits, rows) => ({ task: 'regression', ...regressionMetrics(logits, rows.map((r) => r.target[0]!)) }),
  // One quality score stands for accuracy and F1 here: Pearson's r, as GLUE reports STS-B.
  bestModelValue: (metrics, metric) => (metric === 'loss' ? metrics.loss : metrics.pearson),
  summary: (m) => `Pearson ${m.pearson.toFixed(4)} | Spearman ${m.spearman.toFixed(4)} | MSE ${m.mse.toFixed(4)}`,
  trainerMetrics: (m) => ({ pearson: m.pearson, spearmanr: m.spearman, mse: m.mse }),
  predict: ({ logits }) => ({ score: logits[0]!, logits: Array.from(logits) }),

  configFields: () => ({ problem_type: 'regression', ...labelMaps([SCORE_LABEL]) }),
  trainScript: () => ({
    autoModelClass: 'AutoModelForSequenceClassification',
    collator: 'DataCollatorWithPadding(tokenizer)',
    encodeLabel: ['def encode_label(cell):', '    return float(cell)'].join('\n'),
    computeMetrics: [
      'def _ranks(x):',
      '    """1-based ranks, ties sharing their mean rank, as scipy.stats.rankdata."""',
      '    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)',
      '    ends = np.cumsum(counts)',
      '    return ((ends - counts + 1 + ends) / 2)[inverse]',
      '',
      '',
      'def compute_metrics(eval_pred):',
      '    logits, labels = eval_pred',
      '    # In float64, as the studio: the float32 logits and labels would round the squared errors.',
      '    predictions = logits.reshape(-1).astype(np.float64)',
      '    labels = labels.reshape(-1).astype(np.float64)',
      '    return {',
      '        "pearson": float(np.corrcoef(predictions, labels)[0, 1]),',
      '        "spearmanr": float(np.corrcoef(_ranks(predictions), _ranks(labels))[0, 1]),',
      '        "mse": float(np.mean((predictions - labels) ** 2)),',
      '    }',
    ].join('\n'),
  }),
  trainerMetricName: (metric) => (metric === 'loss' ? 'loss' : 'pearson'),
  cardMetrics: (metrics) => [
    { type: 'pearsonr', name: 'Pearson', value: metrics.pearson },
    { type: 'spearmanr', name: 'Spearman', value: metrics.spearman },
    { type: 'mse', name: 'MSE', value: metrics.mse },
  ],
};
