/**
 * The studio's state: one vanilla zustand store made of slices (ui, dataset, model, training,
 * evaluation), each with its actions beside its state. Plain TypeScript, so the worker reply
 * handlers and the tests drive it without React.
 */
import type { StoreApi } from 'zustand/vanilla';
import type {
  BackendChoice,
  BackendInfo,
  CheckpointCadence,
  CheckpointUse,
  ColumnMapping,
  DataRequest,
  DatasetSource,
  DatasetSummary,
  ErrorFix,
  ErrorScope,
  EvalRecord,
  EvaluationDetails,
  HubDatasetInfo,
  InspectedRow,
  RowFilter,
  ExportPhase,
  LoadedCheckpointInfo,
  MemoryEstimate,
  ModelSummary,
  RunPhase,
  SavedRunInfo,
  ScratchSize,
  SplitChoice,
  StepRecord,
  TokenStats,
  TrainingSettings,
  TrainRequest,
} from '../../workers/protocol.ts';
import type { TaskId, TaskMetrics, TaskPrediction } from '../engine/tasks/index.ts';
import type { RunRecord } from '../runs/run-record.ts';
import type { RunStore } from '../runs/run-store.ts';
import type { NumericSetting } from '../engine/settings.ts';
import type { DownloadProgress } from '../hub/hub-client.ts';

export type Screen = 'data' | 'model' | 'train' | 'evaluate' | 'export' | 'runs';

/** The page's ends of the two workers, and the browser services the store needs. */
export interface StoreDeps {
  readonly data: { post(request: DataRequest): void };
  readonly train: { post(request: TrainRequest): void };
  /** Hands a finished file to the browser's downloads. */
  readonly download: (fileName: string, bytes: Uint8Array) => void;
  /** Absolute URLs of the files the app serves, which the workers fetch. */
  readonly assetUrl: (path: string) => string;
  /** Where run records are kept (IndexedDB in the browser). */
  readonly runs: RunStore;
}

export interface UiSlice {
  ui: {
    screen: Screen;
    error: { scope: ErrorScope; message: string; fix?: ErrorFix } | null;
    hubEndpoint: string;
    backendChoice: BackendChoice;
    /** A run saved by an earlier visit, offered for resuming; null once handled. */
    savedRun: SavedRunInfo | null;
    /** What to do once the saved run is back: keep training, or only open it. */
    restoring: 'resume' | 'open' | null;
    /** The Train screen laid out for a projector: charts first, settings folded away. */
    presentation: boolean;
  };
  /** Asks the workers for what they must know at start: the Hub address, and any saved run. */
  start(): void;
  goTo(screen: Screen): void;
  showError(scope: ErrorScope, message: string, fix?: ErrorFix): void;
  /** Does what the error's button offers (a batch size that fits the GPU), and dismisses the error. */
  applyErrorFix(): void;
  dismissError(): void;
  /** Takes the error away if it belongs to `scope`: what caused it has just been fixed. */
  clearError(scope: ErrorScope): void;
  togglePresentation(): void;
  setHubEndpoint(url: string): void;
  setBackendChoice(choice: BackendChoice): void;
  resumeSavedRun(): void;
  openSavedRun(): void;
  discardSavedRun(): void;
}

export interface DatasetLoading {
  readonly role: 'main' | 'validation';
  readonly fileName: string;
  readonly phase: 'reading' | 'parsing';
  readonly fraction: number | null;
}

/** The Data screen's Hub box: what was typed and chosen, and what the Hub said. The token lives here, in memory only. */
export interface HubDatasetForm {
  readonly idInput: string;
  readonly token: string;
  readonly looking: boolean;
  readonly info: HubDatasetInfo | null;
  readonly split: string;
  /** A second split for the validation rows; null to hold out a share of the first. */
  readonly validationSplit: string | null;
  readonly sample: 'all' | 'first' | 'random';
  readonly sampleRows: number;
  readonly sampleSeed: number;
  readonly mapping: ColumnMapping | null;
}

export interface DatasetSlice {
  dataset: {
    summary: DatasetSummary | null;
    loading: DatasetLoading | null;
    tokenStats: TokenStats | null;
    previewRow: number;
    /** The summary came with a saved run: its rows are in the run, not in the data worker. */
    fromSavedRun: boolean;
    hub: HubDatasetForm;
    /** The Hub validation split to read once the training split has loaded. */
    pendingValidation: DatasetSource | null;
    /** The error banner asked for the tag names: the Data screen opens their field and moves the focus there, then says so. */
    tagNamesWanted: boolean;
  };
  setHubForm(fields: Partial<HubDatasetForm>): void;
  /** Asks the Hub for the dataset's configs, splits and columns; `config` for another config than the first. */
  lookUpHubDataset(config?: string): void;
  /** Reads the chosen split (and validation split) of the looked-up dataset. */
  loadHubDataset(): void;
  loadDatasetFile(file: File): void;
  loadValidationFile(file: File): void;
  removeValidationFile(): void;
  loadDemoDataset(): void;
  setMapping(mapping: ColumnMapping): void;
  /** Reads the labels for `task`; null for the one the labels suggest. */
  setTask(task: TaskId | null): void;
  /** The character between the labels of a multi-label cell. */
  setLabelSeparator(separator: string): void;
  /** The tag of each id for tagged JSON Lines, as typed: names separated by commas; empty for none. */
  setTagNames(text: string): void;
  /** The tag names field has the focus that `tagNamesWanted` asked for. */
  tagNamesFocused(): void;
  setSplit(split: SplitChoice): void;
  nextTokenPreview(): void;
  requestTokenStats(): void;
}

export interface ModelLoading {
  readonly what: string;
  readonly progress: DownloadProgress | null;
}

export interface ModelSlice {
  model: {
    idInput: string;
    summary: ModelSummary | null;
    loading: ModelLoading | null;
    /** The data worker holds this model's tokenizer. */
    tokenizerReady: boolean;
    /** The last Hub load failed for want of a network: the offline options are pointed out. */
    hubUnreachable: boolean;
    /** What training this model holds in GPU memory with the settings on screen, as the train worker estimated it. */
    memory: MemoryEstimate | null;
  };
  setModelIdInput(id: string): void;
  loadHubModel(id?: string): void;
  loadModelFolder(files: readonly { path: string; file: File }[]): void;
  loadScratchModel(size: ScratchSize): void;
  /** Asks the train worker for the training memory estimate of the loaded model with the settings on screen. */
  estimateMemory(): void;
}

export type TrainingStatus = 'idle' | 'preparing' | 'running' | 'pausing' | 'paused' | 'stopping' | 'finished' | 'stopped' | 'failed';

/** Every number field of the Train screen: the run's numeric settings, the dropout override, and how often the run is saved. */
export type SettingField = NumericSetting | 'dropout' | 'checkpointSeconds' | 'checkpointSteps' | 'gpuMemoryBudget';

/** What the run in the train worker was started with, whatever the screens show now. */
export interface RunFacts {
  readonly datasetName: string;
  readonly modelName: string;
  readonly trainRows: number;
  /** Validation rows per label, in `labels` order: the chance levels come from them. */
  readonly validationCounts: readonly number[];
  readonly labels: readonly string[];
  /** The settings the run trains with; a resume may change the resumable ones. */
  readonly settings: TrainingSettings;
}

/** A step and when the page heard of it. */
export interface StepMark {
  readonly step: number;
  readonly at: number;
}

export interface TrainingSlice {
  training: {
    settings: TrainingSettings;
    /** Replaces the model's dropout probabilities when set. */
    dropout: number | null;
    /** How often the run is saved in the browser while it trains. */
    checkpointCadence: CheckpointCadence;
    /** How much GPU memory a run may take, in MB: browsers do not tell how much a GPU has. */
    gpuMemoryBudgetMb: number;
    status: TrainingStatus;
    /** Texts typed into setting fields that are not numbers; the setting keeps its last number meanwhile. */
    drafts: Partial<Record<SettingField, string>>;
    /** What is being prepared while status is 'preparing', and since when (ms, the page's clock). */
    phase: { readonly id: RunPhase; readonly since: number } | null;
    tokenized: { done: number; total: number } | null;
    run: RunFacts | null;
    /** The task of the model in the train worker, as it says when a run starts or comes back: Try it reads a sentence as the task does. */
    task: TaskId | null;
    /** The last step when the run last started or resumed, and when: its first step is still being prepared until a newer one arrives. */
    resumedAt: StepMark | null;
    /** The first step heard of after that: speed and time left are measured from here, leaving the first step's compile time out. */
    paceFrom: StepMark | null;
    backend: BackendInfo | null;
    steps: StepRecord[];
    evals: EvalRecord[];
    samplesPerSecond: number | null;
    etaMs: number | null;
    totalSteps: number | null;
    /** What the engine said when the run started (new head weights, from scratch). */
    notice: string | null;
    lastSaved: SavedRunInfo | null;
    /** How a finished run ended beyond its last step: early stopping, the best model kept. */
    endNote: string | null;
    /** EMA weight for the step-loss curve, as TensorBoard's smoothing slider. */
    smoothing: number;
    /** A checkpoint file loaded to start the next run from; null for the model's own weights. */
    checkpoint: LoadedCheckpointInfo | null;
    checkpointUse: CheckpointUse;
  };
  setSetting<K extends keyof TrainingSettings>(key: K, value: TrainingSettings[K]): void;
  /** What was typed into a setting's field: a number is applied, anything else kept as a draft the field marks. */
  setSettingText(field: SettingField, text: string): void;
  setDropout(value: number | null): void;
  setSmoothing(value: number): void;
  startTraining(): void;
  pauseTraining(): void;
  resumeTraining(): void;
  stopTraining(): void;
  loadCheckpoint(file: File): void;
  setCheckpointUse(use: CheckpointUse): void;
  forgetCheckpoint(): void;
}

export interface TryResult {
  readonly text: string;
  readonly prediction: TaskPrediction;
}

export interface EvaluationSlice {
  evaluation: {
    status: 'idle' | 'running' | 'ready';
    metrics: TaskMetrics | null;
    /** The rows behind the metrics to read first, each task its own way. */
    details: EvaluationDetails | null;
    /** Multi-label: the probability at and above which a label is predicted, in the metrics and in Try it. */
    threshold: number;
    tryText: string;
    /** The second text, for a model trained on text pairs. */
    tryPairText: string;
    /** Try-it answers come back after two worker hops; only the latest request's answer is shown. */
    tryRequestId: number;
    trying: boolean;
    tryResult: TryResult | null;
    exporting: boolean;
    /** What the export is doing now, for its progress line. */
    exportPhase: ExportPhase | null;
    exported: { fileName: string; bytes: number } | null;
    /** Validation rows listed by a confusion-matrix cell or the mistakes' label filters; null before any is asked for. */
    inspected: { filter: RowFilter; rows: readonly InspectedRow[]; total: number } | null;
    /** The filter asked for last; its rows may still be on their way. */
    inspectFilter: RowFilter | null;
  };
  evaluate(): void;
  /** Lists the validation rows of the last evaluation that match `filter`. */
  inspectRows(filter: RowFilter | null): void;
  /** A new multi-label threshold: the last evaluation is scored again with it, without running the model. */
  setThreshold(threshold: number): void;
  /** Sets the threshold with the best micro-F1 on the validation rows. */
  tuneThreshold(): void;
  setTryText(text: string): void;
  setTryPairText(text: string): void;
  classify(): void;
  exportModel(): void;
  /** training-project.zip: the data worker gives the rows, the train worker the rest. */
  exportProject(): void;
  exportCheckpoint(): void;
}

export interface RunsSlice {
  runs: {
    records: RunRecord[];
    /** Runs drawn in the Runs view's charts and compared in its table. */
    selected: string[];
    /** The run being trained: its record's id and what the data worker said of its rows. */
    current: { id: string; fingerprint: string; trainRows: number; validationRows: number } | null;
    /** Date.now() when the current stretch of training started; null while not training. */
    runningSince: number | null;
  };
  loadRuns(): void;
  /** Writes the current run's record as it is now. */
  recordRun(status: RunRecord['status']): void;
  renameRun(id: string, name: string): void;
  deleteRun(id: string): void;
  toggleRunSelected(id: string): void;
  exportRuns(format: 'csv' | 'json'): void;
  pinRun(id: string): void;
  unpinRun(id: string): void;
  keepRunWeights(id: string, checkpoint: Uint8Array): void;
  downloadRunCheckpoint(id: string): void;
}

export type StudioState = UiSlice & DatasetSlice & ModelSlice & TrainingSlice & EvaluationSlice & RunsSlice;
export type StudioStore = StoreApi<StudioState>;
export type SetState = StudioStore['setState'];
export type GetState = StudioStore['getState'];
export type SliceCreator<T> = (set: SetState, get: GetState, deps: StoreDeps) => T;
