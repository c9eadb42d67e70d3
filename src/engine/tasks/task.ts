/**
 * What a task (single-label classification, multi-label, regression, token classification…)
 * declares, so that the rest of the engine, the CLI, the export and the studio never switch on
 * the task: the head it puts on the encoder, how a data row's label cell becomes the numbers the
 * loss reads, the loss graph, the metrics from logits, what `predict` prints for a row, the
 * config.json fields transformers reads, the pieces of the exported train.py, and the metrics
 * the model card reports. One task is one file in this folder, listed once in index.ts.
 *
 * Shapes, for a batch of B rows padded to S tokens with K labels:
 *
 *   head 'sequence-classification'  logits [B, K]      one row of logits per text (or text pair)
 *   head 'token-classification'     logits [B, S, K]   one row per token
 *
 *   target.per 'row'    labels [B]       one value per row (a class id, a score)
 *   target.per 'label'  labels [B, K]    one value per label (multi-hot)
 *   target.per 'token'  labels [B, S]    one value per token, padding filled with `target.pad`
 *                                        (-100 for token classification: the ignored index)
 */
import type { TokenizedExample } from '../batching.ts';
import type { HeadKind } from '../models/family.ts';
import type { Value } from '../onnx/graph.ts';
import type { BestModelMetric } from '../settings.ts';

/** A row's target as its task encodes it; the dtype is `TargetLayout.dtype`. */
export type Target = Int32Array | Float32Array;

export interface TargetLayout {
  readonly dtype: 'int32' | 'float32';
  readonly per: 'row' | 'label' | 'token';
  /** The value of padded positions (per 'token' only): the loss and the metrics skip it. */
  readonly pad: number;
}

/** A loss recorded on a graph, as autodiff/backward.ts takes it. */
export interface LossGraph {
  /** Float32 scalar: the batch's mean loss as transformers computes it. */
  readonly loss: Value;
  /** Values the backward pass treats as constants (a max subtracted for stability). */
  readonly stopGradient: ReadonlySet<Value>;
}

/** Where a label cell came from, for messages that name the file, the row and what was expected. */
export interface CellPlace {
  /** null where the rows no longer have a file (tokenizing rows already read). */
  readonly file: string | null;
  /** 1-based data row. */
  readonly row: number;
}

/** "train.csv: Row 4" or "Row 4", the start of a message about one label cell. */
export function describePlace(place: CellPlace): string {
  return `${place.file === null ? '' : `${place.file}: `}Row ${place.row}`;
}

/**
 * How a token head's positions map back to the words the data gave, from the tokenizer: the
 * word index of each token, null for special tokens. Sequence tasks receive null.
 */
export type WordIds = readonly (number | null)[] | null;

/** Options of the task's data encoding, set on the Data screen and by CLI flags. */
export interface LabelOptions {
  /** Separator between the labels of one multi-label cell (`a;b`); JSON arrays need none. */
  readonly labelSeparator: string;
}

export const defaultLabelOptions: LabelOptions = { labelSeparator: ';' };

/** Options of the metrics; a task ignores those it has no use for. */
export interface MetricOptions {
  /** Multi-label: the probability at and above which a label is predicted. */
  readonly threshold?: number;
}

/** One row's model output as `predict` gets it, with what a task needs to explain it. */
export interface RowOutput {
  /** The row's logits: K values for a sequence head, tokens × K for a token head. */
  readonly logits: Float32Array;
  readonly labels: readonly string[];
  /** Token heads: each token's word (WordIds), for per-word tags; null for sequence heads. */
  readonly wordIds: WordIds;
  /** Token heads: the row's words, as the data or the pre-tokenizer split them. */
  readonly words: readonly string[] | null;
  readonly options: MetricOptions;
}

/** A metric the model card lists in its model-index (Hub metadata) and results table. */
export interface CardMetric {
  /** The Hub's metric type id: accuracy, f1, pearsonr… */
  readonly type: string;
  readonly name: string;
  readonly value: number;
  /** The metric's arguments, as the Hub's model-index records them (`average: macro`). */
  readonly args?: Readonly<Record<string, string>>;
}

/** The task's part of the exported training project's train.py (Python source fragments). */
export interface TrainScriptParts {
  /** transformers' auto class: AutoModelForSequenceClassification, AutoModelForTokenClassification. */
  readonly autoModelClass: string;
  /** The data collator's constructor call on `tokenizer`. */
  readonly collator: string;
  /** A `def encode_label(cell):` (and the functions it calls) turning a CSV label cell into the `label` column's value, with LABELS, LABEL2ID in scope. */
  readonly encodeLabel: string;
  /** A `def compute_metrics(eval_pred):` returning the metrics under Trainer's names (`f1`, `accuracy`, `pearson`…). */
  readonly computeMetrics: string;
  /**
   * main()'s `def tokenize(batch):`, indented by 4, for a task whose rows need more than
   * `tokenizer(text, text_pair)`: token classification encodes words and aligns their tags.
   * It returns the rows' targets as `labels`, which replace the `label` column: a collator
   * given both reads `label`. Absent: the text (and text pair) encoded as they are, `label` kept.
   */
  readonly tokenize?: string;
}

/**
 * A task. `M` is its metrics type, a plain JSON-able object with the task's id in `task`
 * (the evaluation history is stored in checkpoints and shown by the studio as is); `P` what
 * `predict` gives for one row, a plain JSON-able object (the CLI prints it, the studio shows it).
 */
export interface Task<Id extends string = string, M extends TaskMetricsBase<Id> = TaskMetricsBase<Id>, P extends object = object> {
  readonly id: Id;
  /** What the studio and the CLI call it. */
  readonly title: string;
  readonly head: HeadKind;
  /** config.json's problem_type; null where transformers has none (token classification). */
  readonly problemType: string | null;

  // ---- data → targets
  /**
   * The label names, whose positions are the label ids, from every label cell of the data
   * (training and validation rows); throws a message naming the file and row of a bad cell.
   */
  labelSet(cells: readonly string[], options: LabelOptions, place: (index: number) => CellPlace): string[];
  /**
   * Whether the labels are classes whose balance matters: label-count warnings, a stratified
   * validation split, a label column that repeats values. False for scores (regression).
   */
  readonly labelsAreClasses: boolean;
  /** How many rows have each label, in `labels` order (regression: every row has its one output). */
  labelCounts(cells: readonly string[], labels: readonly string[], options: LabelOptions): number[];
  /** The fewest labels a model of this task can learn. */
  readonly minLabels: number;
  /** The number of outputs of the head for these labels (1 for regression). */
  numLabels(labels: readonly string[]): number;
  /** The `labels` input the loss reads, per row. */
  readonly target: TargetLayout;
  /** One row's target from its label cell; `wordIds` for token tasks. Throws naming the place. */
  encodeTarget(cell: string, labels: readonly string[], options: LabelOptions, place: CellPlace, wordIds: WordIds): Target;

  // ---- training
  /** Records the loss of `logits` (head shape) against `labels` (target shape) on their graph. */
  loss(logits: Value, labels: Value): LossGraph;

  // ---- evaluation and inference
  /**
   * Metrics of `logits` against the rows' targets. `logits` holds, in row order, one row of K
   * values per example (sequence head) or one per token of each example (token head, unpadded).
   */
  metrics(logits: Float32Array, rows: readonly TokenizedExample[], labels: readonly string[], options: MetricOptions): M;
  /** The value `metric_for_best_model` reads (Trainer's names mapped on Fine-Tune Studio's settings). */
  bestModelValue(metrics: M, metric: BestModelMetric): number;
  /** The metrics in one line for logs: `accuracy 91.20% | macro-F1 0.9050`. */
  summary(metrics: M): string;
  /** The metrics under the names train.py's compute_metrics gives them (trainer_state.json adds `eval_`). */
  trainerMetrics(metrics: M): Record<string, number>;
  /** What `predict` prints for one row. */
  predict(row: RowOutput): P;

  // ---- export
  /** The config.json fields of this task for these labels. */
  configFields(labels: readonly string[]): { readonly problem_type: string | null; readonly id2label: Record<string, string>; readonly label2id: Record<string, number> };
  trainScript(options: LabelOptions): TrainScriptParts;
  /** The key compute_metrics in train.py returns for a best-model setting (Trainer prefixes `eval_`). */
  trainerMetricName(metric: BestModelMetric): string;
  cardMetrics(metrics: M): CardMetric[];
}

/** Every task's metrics have these. */
export interface TaskMetricsBase<Id extends string = string> {
  readonly task: Id;
  readonly loss: number;
  readonly examples: number;
}

/** id2label / label2id as save_pretrained writes them. */
export function labelMaps(labels: readonly string[]): { id2label: Record<string, string>; label2id: Record<string, number> } {
  return {
    id2label: Object.fromEntries(labels.map((l, i) => [String(i), l])),
    label2id: Object.fromEntries(labels.map((l, i) => [l, i])),
  };
}
