/**
 * Every message between the studio page and its two workers, typed once and imported by both
 * sides. Requests go page → worker, replies worker → page; each worker handles its request
 * union in one `switch`, and the page handles each reply union in one `switch`
 * (src/store/replies.ts). Big payloads are typed arrays whose buffers are transferred, not
 * copied: `transferablesOf` names them per message, so nothing else is ever detached.
 *
 * The data worker (tokenize.worker.ts) owns the dataset: a 100 MB file is parsed there and
 * the page only ever sees summaries. The train worker (train.worker.ts) owns the model, the
 * trainer and the saved run.
 */
import type { ColumnMapping } from '../src/data/columns.ts';
import type { LabelledExample } from '../src/data/examples.ts';
import type { CheckpointCadence } from '../src/engine/checkpoint-cadence.ts';
import type { EvalRecord, StepRecord } from '../src/engine/checkpoint.ts';
import type { FineTuneMethod, FineTuneMethodKind } from '../src/engine/models/fine-tune-method.ts';
import type { TaskId, TaskMetrics, TaskPrediction } from '../src/engine/tasks/index.ts';
import type { LabelOptions, MetricOptions } from '../src/engine/tasks/task.ts';
import type { TrainingSettings } from '../src/engine/settings.ts';
import type { DownloadProgress } from '../src/hub/hub-client.ts';
import type { DatasetConfigInfo, RowSample } from '../src/hub/hub-datasets.ts';
import type { CompleteTokenizerFiles } from '../src/tokenize/tokenizer-files.ts';

export type { CheckpointCadence, ColumnMapping, CompleteTokenizerFiles, DatasetConfigInfo, EvalRecord, LabelledExample, LabelOptions, MetricOptions, RowSample, StepRecord, TaskId, TaskPrediction, TrainingSettings };

/** What the studio knows of a Hub dataset once looked up: its configs, and the chosen one's splits and columns. */
export interface HubDatasetInfo {
  readonly id: string;
  readonly configs: readonly string[];
  readonly config: DatasetConfigInfo;
  /** The columns the studio would train on; null when it finds no text and label column. */
  readonly guess: ColumnMapping | null;
}

/** Where a Hub dataset is read from; the token is the user's, kept in memory only. */
export interface HubAccess {
  readonly endpoint: string;
  readonly token: string | null;
}

// ---------------------------------------------------------------- shared data shapes

/** How the validation rows are chosen: a seeded stratified share of the file, or a second file. */
export type SplitChoice = { readonly kind: 'fraction'; readonly fraction: number; readonly seed: number } | { readonly kind: 'file' };

/** The task the rows are read for: chosen on the Data screen, or the one the labels suggest (guess.ts). */
export interface DatasetTask {
  readonly id: TaskId;
  /** What the label column suggests, and why, shown beside the choice. */
  readonly guess: { readonly id: TaskId; readonly reason: string };
  /** Whether `id` was chosen rather than taken from the guess. */
  readonly chosen: boolean;
  readonly labelOptions: LabelOptions;
}

/** A regression dataset's scores: their range and a histogram of the training and validation rows. */
export interface ScoreSummary {
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly bins: readonly { readonly from: number; readonly to: number; readonly train: number; readonly validation: number }[];
}

/** Tagged sentences' entities (a B- tag and its I- tags) per type, in the training and validation rows. */
export interface EntityCounts {
  readonly types: readonly string[];
  readonly train: readonly number[];
  readonly validation: readonly number[];
}

export interface DatasetSummary {
  readonly fileName: string;
  /** How the file was read, e.g. "CSV separated by semicolons (;)" or "Parquet". */
  readonly readAs: string;
  readonly rowCount: number;
  readonly columns: readonly string[];
  /** The first rows of the file, every column, cells shortened for display. */
  readonly preview: readonly (readonly string[])[];
  readonly mapping: ColumnMapping;
  readonly task: DatasetTask;
  /**
   * The file holds tagged sentences (CoNLL, JSON Lines with tokens and ner_tags): the task is
   * token classification, the text is each sentence's words and the label its tags.
   */
  readonly tagged: boolean;
  /** The tag of each id, for tagged JSON Lines whose tags are ids; null when none were given. */
  readonly tagNames: readonly string[] | null;
  /** Label names in id order (tags for token classification; regression's one output). */
  readonly labels: readonly string[];
  /** Rows with each label in the training rows, in `labels` order (sentences with each tag; every row for regression). */
  readonly trainCounts: readonly number[];
  /** The same for the validation rows. */
  readonly validationCounts: readonly number[];
  readonly trainRows: number;
  readonly validationRows: number;
  /** Regression: the scores; null for the other tasks. */
  readonly scores: ScoreSummary | null;
  /** Token classification: the entities per type; null for the other tasks. */
  readonly entities: EntityCounts | null;
  readonly warnings: readonly string[];
  readonly split: SplitChoice;
  readonly validationFile: { readonly fileName: string; readonly rowCount: number } | null;
}

/**
 * Tokenized rows laid end to end, so a whole split crosses to another thread as four
 * transferred buffers instead of one cloned object per row. Row r is
 * `ids.subarray(offsets[r], offsets[r + 1])`.
 */
export interface PackedRows {
  readonly ids: Int32Array;
  readonly offsets: Int32Array;
  /** Same layout as `ids`; null where the tokenizer gives no segment ids (RoBERTa, DistilBERT). */
  readonly typeIds: Int32Array | null;
  /** Every row's target (tasks/task.ts), row r's at labelOffsets[r] … labelOffsets[r + 1]. */
  readonly labels: Int32Array | Float32Array;
  readonly labelOffsets: Int32Array;
}

export interface TokenizedDataset {
  /** The task the targets were encoded for, and how its label cells were read. */
  readonly task: TaskId;
  readonly labelOptions: LabelOptions;
  readonly labels: readonly string[];
  readonly maxLength: number;
  readonly train: PackedRows;
  readonly validation: PackedRows;
  /** The validation rows as people read them, for the worst-misclassified list. */
  readonly validationTexts: readonly string[];
  /** Training rows longer than maxLength, cut to fit. */
  readonly truncated: number;
  /** Of the mapped training and validation rows (src/data/fingerprint.ts): runs on the same data share it. */
  readonly fingerprint: string;
}

export interface LengthBin {
  /** Inclusive token-count range. */
  readonly from: number;
  readonly to: number;
  readonly count: number;
}

export interface TokenStats {
  /** Rows measured (a sample of large datasets) and rows in the dataset. */
  readonly sampled: number;
  readonly total: number;
  readonly bins: readonly LengthBin[];
  readonly maxLength: number;
  /** Share of the measured rows longer than maxLength. */
  readonly truncatedShare: number;
  readonly preview: TokenPreview | null;
}

export interface TokenPreview {
  readonly row: number;
  readonly text: string;
  /** The text's tokens, special tokens left out. */
  readonly tokens: readonly string[];
  /** The ids the model reads: special tokens in, truncated to maxLength. */
  readonly ids: readonly number[];
}

export type ScratchSize = 'tiny' | 'mini';

export type ModelRequestSource =
  | { readonly kind: 'hub'; readonly id: string; readonly endpoint: string }
  | { readonly kind: 'folder'; readonly files: readonly { readonly path: string; readonly file: File }[] }
  | { readonly kind: 'scratch'; readonly size: ScratchSize; readonly vocabUrl: string };

export interface ModelSummary {
  /** Hub id, folder name, or a description of the from-scratch config. */
  readonly name: string;
  readonly source: 'hub' | 'folder' | 'scratch' | 'saved-run';
  readonly modelType: string;
  /** The transformers class the fine-tuned model will be, e.g. BertForSequenceClassification. */
  readonly className: string;
  readonly layers: number;
  readonly hiddenSize: number;
  readonly heads: number;
  readonly intermediateSize: number;
  readonly vocabSize: number;
  /** The longest input the position table allows (RoBERTa reserves the first slots). */
  readonly maxPositions: number;
  /** Parameters without the final label projection, which adds (hiddenSize + 1) per label. */
  readonly parametersWithoutLabels: number;
  /** False when training from scratch. */
  readonly pretrained: boolean;
  /** The labels a fine-tuned model's head was trained for; null for a base model. */
  readonly fineTunedLabels: readonly string[] | null;
  readonly tokenizerKind: string;
}

export type BackendChoice = 'auto' | 'webgpu' | 'wasm';
export type BackendName = 'webgpu' | 'wasm';

export interface BackendInfo {
  readonly name: BackendName;
  /** For people: the WebGPU adapter, or the WASM thread count. */
  readonly description: string;
  /** Why WASM runs although WebGPU was wanted; null when the wanted backend runs. */
  readonly fallbackReason: string | null;
}

export type RunEnd = 'paused' | 'finished' | 'stopped' | 'failed';

/**
 * What a run is getting ready with, before its first step: the page tokenizes (and asks to
 * resume); the train worker sets the model up and compiles the training graphs.
 */
export type RunPhase = 'tokenizing' | 'resuming' | 'setting-up' | 'compiling';

/** What an export is doing: reading the weights back from the device, then writing and packing the files. */
export type ExportPhase = 'reading-weights' | 'writing-files';

/** What the reload banner says about the run saved in the browser. */
export interface SavedRunInfo {
  readonly savedAt: string;
  readonly modelName: string;
  readonly datasetName: string;
  readonly step: number;
  readonly totalSteps: number;
  readonly epochsDone: number;
  readonly epochs: number;
  readonly state: RunEnd;
  readonly storage: 'opfs' | 'indexeddb';
}

export interface WorstRow {
  /** Index among the validation rows. */
  readonly index: number;
  readonly text: string;
  readonly truth: string;
  readonly predicted: string;
  /** Probability the model gave its (wrong) prediction. */
  readonly confidence: number;
}

/** A sentence typed into Try it, as the data worker encodes it for the train worker. */
export interface EncodedSentence {
  readonly ids: Int32Array;
  readonly typeIds: Int32Array | null;
  /** Encoded as a token classifier's words: the words and each token's word (null for special tokens); null for a sequence task. */
  readonly words: readonly string[] | null;
  readonly wordIds: readonly (number | null)[] | null;
}

/** A multi-label validation row whose predicted labels are not its true ones. */
export interface LabelSetMistake {
  readonly index: number;
  readonly text: string;
  readonly truth: readonly string[];
  readonly predicted: readonly string[];
  /** The row's mean binary cross-entropy: how sure the model was of its wrong answers. */
  readonly loss: number;
}

/** A regression validation row's true and predicted score. */
export interface ScoredRow {
  readonly index: number;
  readonly truth: number;
  readonly predicted: number;
}

/** A validation sentence with words tagged wrong: each word with its true and predicted tag. */
export interface TaggingMistake {
  readonly index: number;
  /** The words the model saw (a sentence cut by the max length loses its last ones). */
  readonly words: readonly string[];
  readonly truth: readonly string[];
  readonly predicted: readonly string[];
  readonly wrongWords: number;
}

/** What the Evaluate screen shows beside a task's metrics: the rows to read first. */
export type EvaluationDetails =
  | { readonly task: 'single-label'; readonly worst: readonly WorstRow[] }
  | { readonly task: 'multi-label'; readonly worst: readonly LabelSetMistake[] }
  | {
      readonly task: 'regression';
      /** The largest errors first, with their texts. */
      readonly worst: readonly (ScoredRow & { readonly text: string })[];
      /** Predicted against true score, every validation row or an even sample of a large set. */
      readonly points: readonly ScoredRow[];
    }
  | { readonly task: 'token-classification'; readonly worst: readonly TaggingMistake[] };

/** Which validation rows to list: a confusion-matrix cell (truth and predicted), or mistakes by label; null matches any. */
export interface RowFilter {
  readonly truth: number | null;
  readonly predicted: number | null;
  readonly errorsOnly: boolean;
}

export interface InspectedRow {
  /** Index among the validation rows. */
  readonly index: number;
  readonly text: string;
  /** Label ids, in the run's label order. */
  readonly truth: number;
  readonly predicted: number;
  /** The model's probability for each label. */
  readonly probabilities: readonly number[];
}

/** The rows the current split gives, as mapped from the file: what the training project ships. */
export interface SplitRows {
  readonly train: readonly LabelledExample[];
  readonly validation: readonly LabelledExample[];
  /** How the validation rows were chosen, in words. */
  readonly description: string;
}

/** What a checkpoint file loaded in the studio holds, for the train screen. */
export interface LoadedCheckpointInfo {
  readonly fileName: string;
  readonly labels: readonly string[];
  readonly settings: TrainingSettings;
  /** Optimizer updates already taken. */
  readonly step: number;
  readonly epochsDone: number;
  readonly finished: boolean;
}

/**
 * How a run uses the loaded checkpoint: continue it exactly (same data and settings, its step,
 * optimizer moments and data order), or fine-tune further from its weights with new settings.
 */
export type CheckpointUse = 'continue' | 'fine-tune';

/** What the model card says about the run beyond its checkpoint. */
export interface ExportRequestInfo {
  readonly dataset: DatasetSummary;
  readonly model: ModelSummary;
  readonly backend: BackendInfo | null;
  /** Multi-label: the Evaluate screen's decision threshold, written into config.json and the card. */
  readonly threshold: number;
}

// ---------------------------------------------------------------- data worker

export type DataRequest =
  | { readonly type: 'configure'; readonly hubEndpoint: string }
  | { readonly type: 'load-dataset'; readonly role: 'main' | 'validation'; readonly source: DatasetSource }
  /** A Hub dataset's configs, splits with row counts, and columns; `config` null for its first. */
  | { readonly type: 'hub-dataset-lookup'; readonly id: string; readonly config: string | null; readonly access: HubAccess }
  | { readonly type: 'set-mapping'; readonly mapping: ColumnMapping }
  /** Read the labels for another task (null: the one the labels suggest) or with another separator. */
  | { readonly type: 'set-task'; readonly task: TaskId | null; readonly labelOptions: LabelOptions }
  /** The tag of each id for tagged JSON Lines (null: none); a file that failed for want of them is read again. */
  | { readonly type: 'set-tag-names'; readonly tagNames: readonly string[] | null }
  | { readonly type: 'set-split'; readonly split: SplitChoice }
  | { readonly type: 'remove-validation-file' }
  | { readonly type: 'set-tokenizer'; readonly files: CompleteTokenizerFiles }
  | { readonly type: 'token-stats'; readonly maxLength: number; readonly previewRow: number }
  | { readonly type: 'tokenize'; readonly maxLength: number }
  /** The mapped rows of the current split, for the training project. */
  | { readonly type: 'split-rows' }
  /** A typed sentence (and its second text, for a pair model) for Try it; `asWords`: split into words (typed-words.ts) for a token classifier. */
  | { readonly type: 'encode'; readonly requestId: number; readonly text: string; readonly textPair: string | null; readonly maxLength: number; readonly asWords: boolean };

export type DatasetSource =
  | { readonly kind: 'file'; readonly file: File }
  | { readonly kind: 'url'; readonly url: string; readonly fileName: string }
  | {
      readonly kind: 'hub';
      readonly id: string;
      readonly config: string;
      readonly split: string;
      readonly sample: RowSample;
      /** The columns to read; the validation split is read with the training rows' mapping. */
      readonly mapping: ColumnMapping | null;
      readonly access: HubAccess;
    };

export type DataReply =
  | { readonly type: 'dataset-progress'; readonly role: 'main' | 'validation'; readonly fileName: string; readonly phase: 'reading' | 'parsing'; readonly fraction: number | null }
  | { readonly type: 'dataset'; readonly summary: DatasetSummary }
  | { readonly type: 'hub-dataset-info'; readonly info: HubDatasetInfo }
  | { readonly type: 'dataset-error'; readonly role: 'main' | 'validation'; readonly message: string; readonly fix?: ErrorFix }
  | { readonly type: 'tokenizer-ready' }
  | { readonly type: 'token-stats'; readonly stats: TokenStats }
  | { readonly type: 'tokenize-progress'; readonly done: number; readonly total: number }
  | { readonly type: 'tokenized'; readonly data: TokenizedDataset }
  | { readonly type: 'split-rows'; readonly rows: SplitRows }
  | ({ readonly type: 'encoded'; readonly requestId: number } & EncodedSentence)
  | { readonly type: 'error'; readonly scope: ErrorScope; readonly message: string };

// ---------------------------------------------------------------- train worker

/**
 * What a run may take of the GPU unless the user says otherwise, in MB: about what a laptop GPU
 * gives a browser tab. The train worker refuses a run over it before the first step.
 */
export const DEFAULT_GPU_MEMORY_BUDGET_MB = 4_000;

/** A way out of an error the page can offer as a button: a batch size that fits, or the field that names tag ids. */
export type ErrorFix = { readonly kind: 'batch-size'; readonly batchSize: number } | { readonly kind: 'tag-names' };

/** What training the loaded model holds in GPU memory (WebGPU), for the Model screen. */
export interface MemoryEstimate {
  readonly batchSize: number;
  /** Tokens per row: the max length, capped by the model's position table. */
  readonly seqLength: number;
  readonly parameters: number;
  readonly parameterBytes: number;
  /** Adam's moments and the optimizer's scratch. */
  readonly optimizerBytes: number;
  /** Activations, gradients and what onnxruntime keeps cached, at the step's peak. */
  readonly workingBytes: number;
  readonly totalBytes: number;
  /** The method the figures above are for, and each method's total with the same options, for choosing one. */
  readonly method: FineTuneMethodKind;
  readonly totalByMethod: Readonly<Record<FineTuneMethodKind, number>>;
}

export type TrainRequest =
  | { readonly type: 'load-model'; readonly source: ModelRequestSource }
  /** The training memory estimate of the loaded model for these settings; answered with memory-estimate. */
  | {
      readonly type: 'estimate-memory';
      /** The Data screen's task: its head (a token classifier's logits are per token) and output count. */
      readonly task: TaskId;
      readonly numLabels: number;
      readonly batchSize: number;
      readonly maxLength: number;
      readonly gradAccumulation: number;
      /** The run's method (LoRA options, frozen parts); the estimate gives every method's total as well. */
      readonly method: FineTuneMethod;
    }
  | {
      readonly type: 'train';
      readonly settings: TrainingSettings;
      /** config.json keys to override, as from_pretrained(**kwargs), e.g. dropout. */
      readonly configOverrides: Readonly<Record<string, number>>;
      readonly data: TokenizedDataset;
      readonly backend: BackendChoice;
      readonly dataset: DatasetSummary;
      /** The page's record of this run (src/runs), saved with the run so a reloaded tab finds it again. */
      readonly runId: string;
      /** Start from the checkpoint loaded with load-checkpoint; null or absent for the model's own weights. */
      readonly checkpointUse?: CheckpointUse | null;
      /** How often the run is saved in the browser while it trains; absent for every 10 minutes of training. */
      readonly checkpointCadence?: CheckpointCadence;
      /** How much GPU memory a run may take (MB); absent for the studio's default. */
      readonly gpuMemoryBudgetMb?: number;
    }
  | { readonly type: 'pause' }
  /**
   * Go on with the paused (or finished, or failed) run. `settings`, when given, may change what
   * run-plan.ts lets a resumed run change (epochs, learning rate…): the schedule is planned again.
   */
  | { readonly type: 'resume'; readonly backend: BackendChoice; readonly settings?: TrainingSettings; readonly gpuMemoryBudgetMb?: number }
  | { readonly type: 'stop' }
  | { readonly type: 'probe-saved-run' }
  | { readonly type: 'restore-saved-run' }
  | { readonly type: 'discard-saved-run' }
  | { readonly type: 'evaluate'; readonly backend: BackendChoice; readonly options: MetricOptions }
  /** The last evaluation's metrics and details again with other options (a multi-label threshold), from its kept logits: the model does not run. */
  | { readonly type: 'rescore'; readonly options: MetricOptions }
  /** Rows of the last evaluation matching the filter, hardest first. */
  | { readonly type: 'inspect-rows'; readonly filter: RowFilter; readonly limit: number }
  | ({ readonly type: 'classify'; readonly requestId: number; readonly options: MetricOptions; readonly backend: BackendChoice } & EncodedSentence)
  /** The Hugging Face zip; `threshold` is the Evaluate screen's, which a multi-label model's config.json keeps. */
  | { readonly type: 'export'; readonly threshold: number }
  /** The run as a transformers.Trainer project; the rows come from the data worker, which owns the dataset. */
  | { readonly type: 'export-project'; readonly rows: SplitRows }
  | { readonly type: 'export-checkpoint' }
  /** The current run's checkpoint, to keep with its record (a pinned run). */
  | { readonly type: 'pin-weights'; readonly runId: string }
  | { readonly type: 'load-checkpoint'; readonly file: File };

export type TrainReply =
  | { readonly type: 'model-progress'; readonly progress: DownloadProgress }
  | { readonly type: 'model-loaded'; readonly summary: ModelSummary; readonly tokenizer: CompleteTokenizerFiles }
  | { readonly type: 'run-preparing'; readonly phase: RunPhase }
  /** `step`: the updates already done, from which the run goes on; step records past it (lost with a GPU, say) are void. */
  | { readonly type: 'run-started'; readonly backend: BackendInfo; readonly totalSteps: number; readonly step: number; readonly notice: string | null; readonly task: TaskId }
  /** Step records batched for a few hundred milliseconds, so a fast run does not flood the page. */
  | { readonly type: 'steps'; readonly records: readonly StepRecord[]; readonly totalSteps: number }
  | { readonly type: 'eval'; readonly record: EvalRecord }
  | { readonly type: 'run-ended'; readonly end: RunEnd; readonly message: string | null }
  | { readonly type: 'checkpoint-saved'; readonly info: SavedRunInfo }
  | { readonly type: 'saved-run'; readonly info: SavedRunInfo | null }
  | {
      readonly type: 'restored';
      readonly info: SavedRunInfo;
      readonly dataset: DatasetSummary;
      readonly model: ModelSummary;
      readonly tokenizer: CompleteTokenizerFiles;
      readonly settings: TrainingSettings;
      readonly steps: readonly StepRecord[];
      readonly evals: readonly EvalRecord[];
      readonly backend: BackendInfo | null;
      readonly runId: string | null;
      readonly task: TaskId;
    }
  | { readonly type: 'run-weights'; readonly runId: string; readonly checkpoint: Uint8Array }
  | { readonly type: 'inspected-rows'; readonly filter: RowFilter; readonly rows: readonly InspectedRow[]; readonly total: number }
  | { readonly type: 'evaluation'; readonly metrics: TaskMetrics; readonly details: EvaluationDetails }
  /** The run's task's prediction for the typed sentence (tasks/index.ts predictionOf). */
  | { readonly type: 'classified'; readonly requestId: number; readonly prediction: TaskPrediction }
  | { readonly type: 'export-phase'; readonly phase: ExportPhase }
  | { readonly type: 'exported'; readonly fileName: string; readonly bytes: Uint8Array }
  | { readonly type: 'checkpoint-loaded'; readonly info: LoadedCheckpointInfo }
  | { readonly type: 'memory-estimate'; readonly estimate: MemoryEstimate }
  | { readonly type: 'error'; readonly scope: ErrorScope; readonly message: string; readonly hubUnreachable?: boolean; readonly fix?: ErrorFix };

/** Which screen an error belongs to. */
export type ErrorScope = 'data' | 'model' | 'train' | 'evaluate' | 'export' | 'runs';

export type StudioMessage = DataRequest | DataReply | TrainRequest | TrainReply;

// ---------------------------------------------------------------- transfers

function packedBuffers(rows: PackedRows): ArrayBufferLike[] {
  return [rows.ids.buffer, rows.offsets.buffer, rows.labels.buffer, rows.labelOffsets.buffer, ...(rows.typeIds ? [rows.typeIds.buffer] : [])];
}

/**
 * The buffers a message hands over. Only buffers the sender built for this message are
 * listed: transferring detaches them on the sending side.
 */
export function transferablesOf(message: StudioMessage): Transferable[] {
  let buffers: ArrayBufferLike[] = [];
  switch (message.type) {
    case 'tokenized':
    case 'train':
      buffers = [...packedBuffers(message.data.train), ...packedBuffers(message.data.validation)];
      break;
    case 'encoded':
    case 'classify':
      buffers = [message.ids.buffer, ...(message.typeIds ? [message.typeIds.buffer] : [])];
      break;
    case 'exported':
      buffers = [message.bytes.buffer];
      break;
    case 'run-weights':
      buffers = [message.checkpoint.buffer];
      break;
    default:
      return [];
  }
  // A SharedArrayBuffer is shared, not transferred; a buffer may back several arrays.
  return [...new Set(buffers.filter((b): b is ArrayBuffer => b instanceof ArrayBuffer))];
}
