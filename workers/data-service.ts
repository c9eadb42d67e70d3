/**
 * What the data worker does, kept apart from the worker's message plumbing so Node tests can
 * drive it: it owns the parsed dataset (a large file never crosses to the page), the split
 * and the tokenizer, and answers each request with the summaries the page draws.
 *
 * A new file replaces the dataset only once it has parsed and passed every check; a failing
 * file or column choice leaves what was loaded before untouched.
 */
import { guessTask, type TaskGuess } from '../src/engine/tasks/guess.ts';
import { type AnyTask, taskById, type TaskId } from '../src/engine/tasks/index.ts';
import { defaultLabelOptions, type LabelOptions } from '../src/engine/tasks/task.ts';
import { tokenClassification } from '../src/engine/tasks/token-classification.ts';
import { checkColumnRoles, ColumnRoleError, guessColumns, type ColumnMapping } from '../src/data/columns.ts';
import { DatasetError } from '../src/data/dataset-error.ts';
import { UnnamedTagIdsError } from '../src/data/tagged-jsonl.ts';
import type { LabelledExample } from '../src/data/examples.ts';
import { datasetFingerprint } from '../src/data/fingerprint.ts';
import { labelledFile } from '../src/data/labelled-file.ts';
import { labelWarnings, requireLabelsSeenInTraining } from '../src/data/labels.ts';
import type { Table } from '../src/data/parse.ts';
import { readDataset } from '../src/data/read-dataset.ts';
import { stratifiedSplit } from '../src/data/split.ts';
import { decodeTaggedCell, taggedColumnsOf } from '../src/data/tagged-cells.ts';
import { taggedFile } from '../src/data/tagged-file.ts';
import type { CompleteTokenizerFiles } from '../src/tokenize/tokenizer-files.ts';
import type { TextTokenizer } from '../src/tokenize/tokenizer.ts';
import { tokenizeExamples } from '../src/tokenize/tokenize-examples.ts';
import { packRows } from './packed-rows.ts';
import type { FileCache } from '../src/hub/hub-client.ts';
import { guessHubColumns, HubDatasetSession } from '../src/hub/hub-dataset-table.ts';
import { describeConfig, type HubDatasetOptions } from '../src/hub/hub-datasets.ts';
import { typedWords } from '../src/tokenize/typed-words.ts';
import type { DataReply, DataRequest, DatasetSource, DatasetSummary, DatasetTask, HubAccess, SplitChoice, TokenPreview } from './protocol.ts';
import { entityCounts, scoreSummary } from './label-stats.ts';
import { lengthHistogram, sampleIndices } from './token-stats.ts';

export interface DataServiceDeps {
  readonly send: (reply: DataReply) => void;
  readonly createTokenizer: (files: CompleteTokenizerFiles) => Promise<TextTokenizer>;
  readonly configure: (hubEndpoint: string) => Promise<void>;
  readonly fetch: typeof fetch;
  /** Milliseconds, for spacing progress messages. */
  readonly now: () => number;
  /** Where the byte ranges of Hub datasets are kept between loads; none in tests. */
  readonly hubCache?: FileCache;
}

interface LoadedFile {
  readonly table: Table;
  /** Tagged sentences (a tag per word), read for token classification whatever the columns. */
  readonly tagged: boolean;
  /** How the file was read, e.g. "CSV separated by semicolons (;)". */
  readonly readAs: string;
  readonly examples: LabelledExample[];
  /** About this file's rows with its current columns: empty texts left out, columns read the other way round. */
  readonly warnings: readonly string[];
}

/** The training file, the columns its rows are read from, and the task its labels suggest. */
interface MainFile extends LoadedFile {
  readonly mapping: ColumnMapping;
  readonly guess: TaskGuess;
}

/** A file's table as read, before its rows are checked for a task. */
interface ReadTable {
  readonly table: Table;
  /** The Hub split's mapped columns; null for a file, whose columns are guessed. */
  readonly mapping: ColumnMapping | null;
  readonly readAs: string;
  readonly tagged: boolean;
}

const TAGGED_REASON = 'the file holds tagged sentences (a tag per word)';

const PREVIEW_ROWS = 8;
const PREVIEW_CELL_CHARS = 200;
/** Progress messages at most this often: enough for a smooth bar, too few to cost anything. */
const PROGRESS_INTERVAL_MS = 100;

/** Where the Data screen takes the tag names of tag ids (DataScreen's TagNamesField), as the error about them says it. */
const TAG_NAMES_FIELD = 'under “Tagged sentences whose tags are numbers?” below Choose a file…';

export const DEFAULT_SPLIT: Extract<SplitChoice, { kind: 'fraction' }> = { kind: 'fraction', fraction: 0.2, seed: 42 };

export class DataService {
  private main: MainFile | null = null;
  private validationFile: LoadedFile | null = null;
  /** The task the user chose; null to take the one the labels suggest. A new training file is guessed anew. */
  private chosenTask: TaskId | null = null;
  private labelOptions: LabelOptions = defaultLabelOptions;
  private tagNames: readonly string[] | null = null;
  /** The last load that failed, read again when tag names come (its file may hold tag ids). */
  private failedLoad: { role: 'main' | 'validation'; source: DatasetSource } | null = null;
  private split: SplitChoice = DEFAULT_SPLIT;
  private tokenizer: TextTokenizer | null = null;
  /** Untruncated token counts of the sampled rows; they depend on the rows and the tokenizer only. */
  private lengths: { rows: readonly LabelledExample[]; tokenizer: TextTokenizer; indices: number[]; lengths: Int32Array } | null = null;
  /** Hub listings and opened Parquet footers, so choosing a split asks nothing twice. */
  private readonly hub = new HubDatasetSession();

  constructor(private readonly deps: DataServiceDeps) {}

  async handle(request: DataRequest): Promise<void> {
    switch (request.type) {
      case 'configure':
        return this.deps.configure(request.hubEndpoint);
      case 'load-dataset':
        return this.loadDataset(request.role, request.source);
      case 'hub-dataset-lookup': {
        const options = this.hubOptions(request.access);
        const listing = await this.hub.listing(request.id, options);
        const config = await describeConfig(listing, request.config ?? listing.configs[0]!.name, options, this.hub.opened);
        let guess = null;
        try {
          guess = guessHubColumns(listing.id, config.columns);
        } catch {
          // The card shows the columns and says nothing can be trained on them.
        }
        return this.deps.send({ type: 'hub-dataset-info', info: { id: listing.id, configs: listing.configs.map((c) => c.name), config, guess } });
      }
      case 'set-mapping':
        return this.guarded('main', () => this.setMapping(request.mapping));
      case 'set-task':
        return this.guarded('main', () => this.setTask(request.task, request.labelOptions));
      case 'set-tag-names': {
        this.tagNames = request.tagNames;
        const retry = this.failedLoad;
        if (retry) return this.loadDataset(retry.role, retry.source);
        if (this.main) this.sendSummary();
        return;
      }
      case 'set-split':
        return this.guarded('main', () => this.setSplit(request.split));
      case 'remove-validation-file':
        this.validationFile = null;
        if (this.split.kind === 'file') this.split = DEFAULT_SPLIT;
        return this.sendSummary();
      case 'set-tokenizer':
        this.tokenizer = await this.deps.createTokenizer(request.files);
        this.lengths = null;
        return this.deps.send({ type: 'tokenizer-ready' });
      case 'token-stats':
        return this.tokenStats(request.maxLength, request.previewRow);
      case 'tokenize':
        return this.tokenize(request.maxLength);
      case 'split-rows':
        return this.deps.send({ type: 'split-rows', rows: { ...this.splitExamples(), description: this.splitDescription() } });
      case 'encode': {
        const { requestId, text, maxLength } = request;
        if (request.asWords) {
          const words = typedWords(text);
          const encoded = this.requireTokenizer().encodeWords(words, maxLength);
          return this.deps.send({ type: 'encoded', requestId, ids: encoded.inputIds, typeIds: encoded.tokenTypeIds, words, wordIds: encoded.wordIds });
        }
        const encoded = this.requireTokenizer().encode(text, request.textPair ?? undefined, maxLength);
        return this.deps.send({ type: 'encoded', requestId, ids: encoded.inputIds, typeIds: encoded.tokenTypeIds, words: null, wordIds: null });
      }
    }
  }

  /** Dataset problems are the user's to fix: they are answered as dataset errors, naming the file. */
  private async guarded(role: 'main' | 'validation', work: () => void | Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (error instanceof UnnamedTagIdsError) {
        return this.deps.send({ type: 'dataset-error', role, message: error.withTagNamesAt(TAG_NAMES_FIELD).message, fix: { kind: 'tag-names' } });
      }
      if (!(error instanceof DatasetError)) throw error;
      this.deps.send({ type: 'dataset-error', role, message: error.message });
    }
  }

  private hubOptions(access: HubAccess): HubDatasetOptions {
    return { endpoint: access.endpoint, token: access.token, fetch: this.deps.fetch, cache: this.deps.hubCache };
  }

  /** A file's table (mapping null: to be guessed), or a Hub split's mapped columns as read; and how it was read. */
  private async tableOf(role: 'main' | 'validation', fileName: string, source: DatasetSource): Promise<ReadTable> {
    if (source.kind === 'hub') {
      this.progress(role, fileName, 'reading', 0, true);
      const mapping = role === 'validation' ? this.main!.mapping : source.mapping;
      const read = await this.hub.table(
        { id: source.id, config: source.config, split: source.split, mapping, sample: source.sample },
        { ...this.hubOptions(source.access), onProgress: (loaded, total) => this.progress(role, fileName, 'reading', total > 0 ? loaded / total : null, false) },
      );
      return { ...read, readAs: `Parquet from ${source.access.endpoint}`, tagged: false };
    }
    const bytes = await this.read(role, fileName, source);
    this.progress(role, fileName, 'parsing', null, true);
    const read = await readDataset(fileName, bytes, this.tagNames === null ? {} : { tagNames: this.tagNames });
    return { table: read.table, mapping: null, readAs: read.readAs, tagged: taggedColumnsOf(read.table) !== null };
  }

  private async loadDataset(role: 'main' | 'validation', source: DatasetSource): Promise<void> {
    const fileName = source.kind === 'file' ? source.file.name : source.kind === 'url' ? source.fileName : `${source.id} · ${source.split}`;
    this.failedLoad = { role, source };
    await this.guarded(role, async () => {
      if (role === 'validation' && this.main === null) {
        throw new DatasetError({ file: fileName }, 'load the training data first; the validation file is read with its column choices.');
      }
      const read = await this.tableOf(role, fileName, source);
      if (role === 'main') {
        // A new file's labels suggest its task anew; the old validation file was chosen for the old data.
        const main = this.mainFile(read, null, this.labelOptions);
        this.main = main;
        this.chosenTask = null;
        this.validationFile = null;
        if (this.split.kind === 'file') this.split = DEFAULT_SPLIT;
      } else {
        const main = this.main!;
        this.validationFile = this.validationRows(read, main, this.taskOf(main, this.chosenTask), this.labelOptions);
        this.split = { kind: 'file' };
      }
      this.failedLoad = null;
      this.lengths = null;
      this.sendSummary();
    });
  }

  /**
   * The training file's rows: tagged sentences for token classification, or the mapped (or
   * guessed) columns read for the task their labels suggest, unless one was chosen.
   */
  private mainFile(read: ReadTable, mapping: ColumnMapping | null, options: LabelOptions, chosen: TaskId | null = null): MainFile {
    const { table, readAs, tagged } = read;
    if (tagged) {
      const columns = taggedColumnsOf(table)!;
      const file = taggedFile(table, 'training');
      requireReadableLabels(tokenClassification, table, columns.tags, options);
      return { table, readAs, tagged, mapping: { text: columns.words, label: columns.tags }, guess: { task: tokenClassification, reason: TAGGED_REASON }, ...file };
    }
    const given = mapping ?? read.mapping;
    const columns = given === null ? guessedMapping(table, options) : { mapping: given, note: [] };
    const guess = guessTask(labelCells(table, columns.mapping.label), options);
    const task = chosen === null ? guess.task : taskById(chosen);
    const file = labelledFile(table, columns.mapping, 'training', task.labelsAreClasses);
    requireReadableLabels(task, table, columns.mapping.label, options);
    return { table, readAs, tagged, mapping: columns.mapping, guess, examples: file.examples, warnings: [...columns.note, ...file.warnings] };
  }

  /** A validation file's rows, read as the training file's: its columns, its task; labels the training rows lack are refused. */
  private validationRows(read: ReadTable, main: MainFile, task: AnyTask, options: LabelOptions): LoadedFile {
    const { table, readAs, tagged } = read;
    if (tagged !== main.tagged) {
      const kind = (isTagged: boolean) => (isTagged ? 'tagged sentences (a tag per word)' : 'texts with a label column');
      throw new DatasetError({ file: table.fileName }, `holds ${kind(tagged)} but the training file ${main.table.fileName} holds ${kind(main.tagged)}; give a validation file of the same kind.`);
    }
    const file = tagged ? taggedFile(table, 'validation') : labelledFile(table, main.mapping, 'validation', task.labelsAreClasses);
    requireReadableLabels(task, table, tagged ? taggedColumnsOf(table)!.tags : main.mapping.label, options);
    if (task.labelsAreClasses) {
      const namesOf = (cell: string, file: string, row: number) => task.labelSet([cell], options, () => ({ file, row }));
      requireLabelsSeenInTraining(main.table.fileName, main.examples, table.fileName, file.examples, namesOf);
    }
    return { table, readAs, tagged, ...file };
  }

  /** The task the rows are read for: token classification for tagged sentences, else the chosen one or the guess. */
  private taskOf(main: MainFile, chosen: TaskId | null): AnyTask {
    if (main.tagged) return tokenClassification;
    return chosen === null ? main.guess.task : taskById(chosen);
  }

  private async read(role: 'main' | 'validation', fileName: string, source: Exclude<DatasetSource, { kind: 'hub' }>): Promise<Uint8Array> {
    let stream: ReadableStream<Uint8Array> | null;
    let total: number | null;
    if (source.kind === 'file') {
      stream = source.file.stream();
      total = source.file.size;
    } else {
      const response = await this.deps.fetch(source.url);
      if (!response.ok) throw new DatasetError({ file: fileName }, `could not be downloaded from ${source.url} (HTTP ${response.status}).`);
      stream = response.body;
      const length = Number(response.headers.get('content-length'));
      total = Number.isFinite(length) && length > 0 ? length : null;
    }
    const chunks: Uint8Array[] = [];
    let loaded = 0;
    this.progress(role, fileName, 'reading', total ? 0 : null, true);
    const reader = stream?.getReader();
    for (;;) {
      const chunk = await reader?.read();
      if (!chunk || chunk.done) break;
      chunks.push(chunk.value);
      loaded += chunk.value.length;
      this.progress(role, fileName, 'reading', total ? Math.min(1, loaded / total) : null, false);
    }
    const bytes = new Uint8Array(loaded);
    let at = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, at);
      at += chunk.length;
    }
    return bytes;
  }

  private lastProgress = -Infinity;

  private progress(role: 'main' | 'validation', fileName: string, phase: 'reading' | 'parsing', fraction: number | null, force: boolean): void {
    const now = this.deps.now();
    if (!force && now - this.lastProgress < PROGRESS_INTERVAL_MS) return;
    this.lastProgress = now;
    this.deps.send({ type: 'dataset-progress', role, fileName, phase, fraction });
  }

  private setMapping(mapping: ColumnMapping): void {
    this.reread(mapping, this.chosenTask, this.labelOptions);
  }

  private setTask(task: TaskId | null, options: LabelOptions): void {
    const main = this.requireMain();
    if (options.labelSeparator.trim() === '') throw new DatasetError({ file: main.table.fileName }, 'the label separator is empty: type the character between the labels of a row, such as ; or |.');
    if (main.tagged && task !== null && task !== tokenClassification.id) {
      throw new DatasetError({ file: main.table.fileName }, `holds tagged sentences (a tag per word), which train a token classifier, not ${taskById(task).title.toLowerCase()}. Load a file with a text column and a label column for that.`);
    }
    if (!main.tagged && task === tokenClassification.id) {
      throw new DatasetError(
        { file: main.table.fileName },
        'has one label per text; token classification needs a tag for every word: a CoNLL file, or JSON Lines like {"tokens": ["EU", "rejects"], "ner_tags": ["B-ORG", "O"]}.',
      );
    }
    this.reread(main.mapping, task, options);
  }

  /** The files read again with other columns, task or options; nothing changes unless both still read. */
  private reread(mapping: ColumnMapping, task: TaskId | null, options: LabelOptions): void {
    const main = this.requireMain();
    const next = this.mainFile(main, mapping, options, task);
    const validation = this.validationFile ? this.validationRows({ ...this.validationFile, mapping: null }, next, this.taskOf(next, task), options) : null;
    this.main = next;
    this.validationFile = validation;
    this.chosenTask = task;
    this.labelOptions = options;
    this.lengths = null;
    this.sendSummary();
  }

  private setSplit(split: SplitChoice): void {
    const main = this.requireMain();
    if (split.kind === 'file' && this.validationFile === null) {
      throw new DatasetError({ file: main.table.fileName }, 'choose a validation file first.');
    }
    if (split.kind === 'fraction') {
      if (!(split.fraction >= 0 && split.fraction < 1)) throw new RangeError(`the validation share must be at least 0% and below 100%, got ${split.fraction * 100}%`);
      if (!Number.isInteger(split.seed) || split.seed < 0) throw new RangeError(`the split seed must be a whole number ≥ 0, got ${split.seed}`);
    }
    this.split = split;
    this.sendSummary();
  }

  private requireMain(): MainFile {
    if (this.main === null) throw new DatasetError({ file: 'dataset' }, 'no dataset is loaded yet.');
    return this.main;
  }

  private requireTokenizer(): TextTokenizer {
    if (this.tokenizer === null) throw new Error('no tokenizer yet: load a model first');
    return this.tokenizer;
  }

  /** The training and validation examples the current split gives. */
  splitExamples(): { train: LabelledExample[]; validation: LabelledExample[] } {
    const main = this.requireMain();
    if (this.split.kind === 'file' && this.validationFile) return { train: main.examples, validation: this.validationFile.examples };
    const { fraction, seed } = this.split.kind === 'fraction' ? this.split : DEFAULT_SPLIT;
    // Scores have no classes to keep in proportion, and a sentence's tags are nearly unique to it: one stratum.
    const task = this.taskOf(main, this.chosenTask);
    const stratum = (e: LabelledExample) => (task.labelsAreClasses && task.target.per !== 'token' ? e.label : '');
    return stratifiedSplit(main.examples, stratum, fraction, seed);
  }

  private splitDescription(): string {
    const main = this.requireMain();
    if (this.split.kind === 'file' && this.validationFile) return `training rows from ${main.table.fileName}, validation rows from ${this.validationFile.table.fileName}`;
    const { fraction, seed } = this.split.kind === 'fraction' ? this.split : DEFAULT_SPLIT;
    const task = this.taskOf(main, this.chosenTask);
    const kind = task.labelsAreClasses && task.target.per !== 'token' ? 'a stratified' : 'a random';
    return `${kind} ${+(fraction * 100).toFixed(2)}% share of ${main.table.fileName} held out, seed ${seed}`;
  }

  private sendSummary(): void {
    this.deps.send({ type: 'dataset', summary: this.summary() });
  }

  /** The task and how its labels are read, as the Data screen shows them. */
  private datasetTask(main: MainFile): DatasetTask {
    const task = this.taskOf(main, this.chosenTask);
    return { id: task.id, guess: { id: main.guess.task.id, reason: main.guess.reason }, chosen: this.chosenTask !== null && !main.tagged, labelOptions: this.labelOptions };
  }

  summary(): DatasetSummary {
    const main = this.requireMain();
    const { train, validation } = this.splitExamples();
    const task = this.taskOf(main, this.chosenTask);
    const options = this.labelOptions;
    const cells = (rows: readonly LabelledExample[]) => rows.map((e) => e.label);
    const labels = task.labelSet(cells([...train, ...validation]), options, (i) => ({ file: null, row: i + 1 }));
    const trainCounts = task.labelCounts(cells(train), labels, options);
    const fileCounts = task.labelCounts(cells(main.examples), labels, options);
    const classWarnings = task.labelsAreClasses ? labelWarnings(new Map(labels.map((l, i) => [l, fileCounts[i]!]))) : [];
    const warnings = [...main.warnings, ...(this.validationFile?.warnings ?? []), ...classWarnings];
    if (validation.length === 0) warnings.push('There are no validation rows, so the studio cannot measure how well the model does. Keep a share for validation or add a validation file.');
    const { table } = main;
    return {
      fileName: table.fileName,
      readAs: main.readAs,
      rowCount: table.rows.length,
      columns: table.columns,
      preview: table.rows.slice(0, PREVIEW_ROWS).map((row) => table.columns.map((c) => shorten(row[c] ?? ''))),
      mapping: main.mapping,
      task: this.datasetTask(main),
      tagged: main.tagged,
      tagNames: this.tagNames,
      labels,
      trainCounts,
      validationCounts: task.labelCounts(cells(validation), labels, options),
      trainRows: train.length,
      validationRows: validation.length,
      scores: task.labelsAreClasses ? null : scoreSummary(cells(train), cells(validation)),
      entities: task.target.per === 'token' ? entityCounts(cells(train), cells(validation)) : null,
      warnings,
      split: this.split,
      validationFile: this.validationFile ? { fileName: this.validationFile.table.fileName, rowCount: this.validationFile.table.rows.length } : null,
    };
  }

  private tokenStats(maxLength: number, previewRow: number): void {
    const tokenizer = this.requireTokenizer();
    const main = this.requireMain();
    const rows = main.examples;
    // Tagged sentences are read word by word, each word's pieces on their own, as they train.
    const encode = (example: LabelledExample) => (main.tagged ? tokenizer.encodeWords(wordsOf(example), maxLength) : tokenizer.encode(example.text, example.textPair, maxLength));
    if (this.lengths === null || this.lengths.rows !== rows || this.lengths.tokenizer !== tokenizer) {
      const indices = sampleIndices(rows.length);
      const lengths = Int32Array.from(indices, (i) => encode(rows[i]!).untruncatedLength);
      this.lengths = { rows, tokenizer, indices, lengths };
    }
    const { bins, truncatedShare } = lengthHistogram(this.lengths.lengths, maxLength);
    let preview: TokenPreview | null = null;
    if (rows.length > 0) {
      const row = ((previewRow % rows.length) + rows.length) % rows.length;
      const example = rows[row]!;
      const texts = main.tagged ? wordsOf(example) : [example.text, ...(example.textPair === undefined ? [] : [example.textPair])];
      const tokens = texts.flatMap((text) => tokenizer.tokenize(text));
      preview = { row, text: displayText(example, main.tagged), tokens, ids: Array.from(encode(example).inputIds) };
    }
    this.deps.send({ type: 'token-stats', stats: { sampled: this.lengths.indices.length, total: rows.length, bins, maxLength, truncatedShare, preview } });
  }

  private tokenize(maxLength: number): void {
    const tokenizer = this.requireTokenizer();
    const main = this.requireMain();
    const { train, validation } = this.splitExamples();
    const task = this.taskOf(main, this.chosenTask);
    const options = this.labelOptions;
    const labels = task.labelSet([...train, ...validation].map((e) => e.label), options, (i) => ({ file: null, row: i + 1 }));
    const total = train.length + validation.length;
    const report = (offset: number) => (done: number) => this.deps.send({ type: 'tokenize-progress', done: offset + done, total });
    const encoding = { task, labels, options, file: null };
    const trainRows = tokenizeExamples(tokenizer, train, encoding, maxLength, report(0));
    const validationRows = tokenizeExamples(tokenizer, validation, encoding, maxLength, report(train.length));
    this.deps.send({
      type: 'tokenized',
      data: {
        task: task.id,
        labelOptions: options,
        labels,
        maxLength,
        train: packRows(trainRows.rows),
        validation: packRows(validationRows.rows),
        validationTexts: validation.map((e) => displayText(e, main.tagged)),
        truncated: trainRows.truncated,
        fingerprint: datasetFingerprint(train, validation),
      },
    });
  }
}

function shorten(text: string): string {
  return text.length > PREVIEW_CELL_CHARS ? `${text.slice(0, PREVIEW_CELL_CHARS - 1)}…` : text;
}

/** A row as people read it: a text pair with a bar between, a tagged sentence's words with spaces. */
function displayText(example: LabelledExample, tagged: boolean): string {
  if (tagged) return wordsOf(example).join(' ');
  return example.textPair === undefined ? example.text : `${example.text} ‖ ${example.textPair}`;
}

/** A tagged sentence's words, from its words cell (checked when the file was read). */
function wordsOf(example: LabelledExample): string[] {
  return decodeTaggedCell(example.text, { file: 'the data' });
}

function labelCells(table: Table, labelColumn: string): string[] {
  return table.rows.map((row) => (row[labelColumn] ?? '').trim());
}

/**
 * Every label cell of a file reads for `task`; the task's own message (which row, what was
 * expected) becomes the dataset error naming the file, so the good state before stays.
 */
function requireReadableLabels(task: AnyTask, table: Table, labelColumn: string, options: LabelOptions): void {
  try {
    task.labelSet(labelCells(table, labelColumn), options, (i) => ({ file: null, row: i + 1 }));
  } catch (error) {
    if (!(error instanceof Error) || error instanceof DatasetError) throw error;
    throw new DatasetError({ file: table.fileName }, `${lowerFirst(error.message)} (the labels read for ${task.title.toLowerCase()}; choose another task if that is not it)`);
  }
}

function lowerFirst(text: string): string {
  return text.length === 0 ? text : `${text[0]!.toLowerCase()}${text.slice(1)}`;
}

/**
 * The columns a file's names and contents suggest. A file whose "text" column holds labels and
 * whose "label" column holds texts is read the other way round, saying so.
 */
function guessedMapping(table: Table, options: LabelOptions): { mapping: ColumnMapping; note: string[] } {
  const guess = guessColumns(table);
  try {
    // Scores (STS-B's 0–5) differ row by row: the columns are checked as the labels' task reads them.
    checkColumnRoles(table, guess, guessTask(labelCells(table, guess.label), options).task.labelsAreClasses);
    return { mapping: guess, note: [] };
  } catch (error) {
    if (!(error instanceof ColumnRoleError) || error.suggestion === null) throw error;
    return {
      mapping: error.suggestion,
      note: [`The column "${guess.text}" holds what look like labels and "${guess.label}" what look like texts, so "${guess.label}" is read as the text and "${guess.text}" as the label. Change the columns below if that is wrong.`],
    };
  }
}
