/**
 * What the data worker does, kept apart from the worker's message plumbing so Node tests can
 * drive it: it owns the parsed dataset (a large file never crosses to the page), the split
 * and the tokenizer, and answers each request with the summaries the page draws.
 *
 * A new file replaces the dataset only once it has parsed and passed every check; a failing
 * file or column choice leaves what was loaded before untouched.
 */
import { DEFAULT_TASK, taskById } from '../src/engine/tasks/index.ts';
import { defaultLabelOptions } from '../src/engine/tasks/task.ts';
import { checkColumnRoles, ColumnRoleError, guessColumns, type ColumnMapping } from '../src/data/columns.ts';
import { DatasetError } from '../src/data/dataset-error.ts';
import type { LabelledExample } from '../src/data/examples.ts';
import { datasetFingerprint } from '../src/data/fingerprint.ts';
import { labelledFile } from '../src/data/labelled-file.ts';
import { buildLabelSet, labelCounts, labelWarnings, requireLabelsSeenInTraining } from '../src/data/labels.ts';
import type { Table } from '../src/data/parse.ts';
import { classificationTable, readDataset } from '../src/data/read-dataset.ts';
import { stratifiedSplit } from '../src/data/split.ts';
import type { CompleteTokenizerFiles } from '../src/tokenize/tokenizer-files.ts';
import type { TextTokenizer } from '../src/tokenize/tokenizer.ts';
import { tokenizeExamples } from '../src/tokenize/tokenize-examples.ts';
import { packRows } from './packed-rows.ts';
import type { FileCache } from '../src/hub/hub-client.ts';
import { guessHubColumns, HubDatasetSession } from '../src/hub/hub-dataset-table.ts';
import { describeConfig, type HubDatasetOptions } from '../src/hub/hub-datasets.ts';
import { typedWords } from '../src/tokenize/typed-words.ts';
import type { DataReply, DataRequest, DatasetSource, DatasetSummary, HubAccess, SplitChoice, TokenPreview } from './protocol.ts';
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
  /** How the file was read, e.g. "CSV separated by semicolons (;)". */
  readonly readAs: string;
  readonly examples: LabelledExample[];
  /** About this file's rows with its current columns: empty texts left out, columns read the other way round. */
  readonly warnings: readonly string[];
}

const PREVIEW_ROWS = 8;
const PREVIEW_CELL_CHARS = 200;
/** Progress messages at most this often: enough for a smooth bar, too few to cost anything. */
const PROGRESS_INTERVAL_MS = 100;

export const DEFAULT_SPLIT: Extract<SplitChoice, { kind: 'fraction' }> = { kind: 'fraction', fraction: 0.2, seed: 42 };

export class DataService {
  private main: (LoadedFile & { mapping: ColumnMapping }) | null = null;
  private validationFile: LoadedFile | null = null;
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
        const encoded = this.requireTokenizer().encode(text, undefined, maxLength);
        return this.deps.send({ type: 'encoded', requestId, ids: encoded.inputIds, typeIds: encoded.tokenTypeIds, words: null, wordIds: null });
      }
    }
  }

  /** Dataset problems are the user's to fix: they are answered as dataset errors, naming the file. */
  private async guarded(role: 'main' | 'validation', work: () => void | Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (!(error instanceof DatasetError)) throw error;
      this.deps.send({ type: 'dataset-error', role, message: error.message });
    }
  }

  private hubOptions(access: HubAccess): HubDatasetOptions {
    return { endpoint: access.endpoint, token: access.token, fetch: this.deps.fetch, cache: this.deps.hubCache };
  }

  /** A file's table (mapping null: to be guessed), or a Hub split's mapped columns as read; and how it was read. */
  private async tableOf(role: 'main' | 'validation', fileName: string, source: DatasetSource): Promise<{ table: Table; mapping: ColumnMapping | null; readAs: string }> {
    if (source.kind === 'hub') {
      this.progress(role, fileName, 'reading', 0, true);
      const mapping = role === 'validation' ? this.main!.mapping : source.mapping;
      const read = await this.hub.table(
        { id: source.id, config: source.config, split: source.split, mapping, sample: source.sample },
        { ...this.hubOptions(source.access), onProgress: (loaded, total) => this.progress(role, fileName, 'reading', total > 0 ? loaded / total : null, false) },
      );
      return { ...read, readAs: `Parquet from ${source.access.endpoint}` };
    }
    const bytes = await this.read(role, fileName, source);
    this.progress(role, fileName, 'parsing', null, true);
    const read = await readDataset(fileName, bytes);
    return { table: classificationTable(read), mapping: null, readAs: read.readAs };
  }

  private async loadDataset(role: 'main' | 'validation', source: DatasetSource): Promise<void> {
    const fileName = source.kind === 'file' ? source.file.name : source.kind === 'url' ? source.fileName : `${source.id} · ${source.split}`;
    await this.guarded(role, async () => {
      if (role === 'validation' && this.main === null) {
        throw new DatasetError({ file: fileName }, 'load the training data first; the validation file is read with its column choices.');
      }
      const { table, mapping: chosen, readAs } = await this.tableOf(role, fileName, source);
      if (role === 'main') {
        const { mapping, note } = chosen ? { mapping: chosen, note: [] } : guessedMapping(table);
        const file = labelledFile(table, mapping, 'training');
        // The old validation file was chosen for the old data; the new data starts from a split.
        this.main = { table, readAs, mapping, examples: file.examples, warnings: [...note, ...file.warnings] };
        this.validationFile = null;
        if (this.split.kind === 'file') this.split = DEFAULT_SPLIT;
      } else {
        const main = this.main!;
        const file = this.validationLabelledFile(table, main.mapping, main);
        this.validationFile = { table, readAs, examples: file.examples, warnings: file.warnings };
        this.split = { kind: 'file' };
      }
      this.lengths = null;
      this.sendSummary();
    });
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
    const main = this.requireMain();
    const file = labelledFile(main.table, mapping, 'training');
    const next = { ...main, mapping, examples: file.examples, warnings: file.warnings };
    const validation = this.validationFile ? { ...this.validationFile, ...this.validationLabelledFile(this.validationFile.table, mapping, next) } : null;
    this.main = next;
    this.validationFile = validation;
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

  /** The validation file's rows under the training file's columns; labels the training rows lack are refused. */
  private validationLabelledFile(table: Table, mapping: ColumnMapping, main: LoadedFile): { examples: LabelledExample[]; warnings: string[] } {
    const file = labelledFile(table, mapping, 'validation');
    requireLabelsSeenInTraining(main.table.fileName, main.examples, table.fileName, file.examples);
    return file;
  }

  private requireMain(): LoadedFile & { mapping: ColumnMapping } {
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
    return stratifiedSplit(main.examples, (e) => e.label, fraction, seed);
  }

  private splitDescription(): string {
    const main = this.requireMain();
    if (this.split.kind === 'file' && this.validationFile) return `training rows from ${main.table.fileName}, validation rows from ${this.validationFile.table.fileName}`;
    const { fraction, seed } = this.split.kind === 'fraction' ? this.split : DEFAULT_SPLIT;
    return `a stratified ${+(fraction * 100).toFixed(2)}% share of ${main.table.fileName} held out, seed ${seed}`;
  }

  private sendSummary(): void {
    this.deps.send({ type: 'dataset', summary: this.summary() });
  }

  summary(): DatasetSummary {
    const main = this.requireMain();
    const { train, validation } = this.splitExamples();
    const labels = buildLabelSet([...train, ...validation].map((e) => e.label));
    const countsOf = (rows: readonly LabelledExample[]) => {
      const counts = labelCounts(rows);
      return labels.map((l) => counts.get(l) ?? 0);
    };
    const warnings = [...main.warnings, ...(this.validationFile?.warnings ?? []), ...labelWarnings(labelCounts(main.examples))];
    if (validation.length === 0) warnings.push('There are no validation rows, so the studio cannot measure accuracy. Keep a share for validation or add a validation file.');
    const { table } = main;
    return {
      fileName: table.fileName,
      readAs: main.readAs,
      rowCount: table.rows.length,
      columns: table.columns,
      preview: table.rows.slice(0, PREVIEW_ROWS).map((row) => table.columns.map((c) => shorten(row[c] ?? ''))),
      mapping: main.mapping,
      labels,
      trainCounts: countsOf(train),
      validationCounts: countsOf(validation),
      warnings,
      split: this.split,
      validationFile: this.validationFile ? { fileName: this.validationFile.table.fileName, rowCount: this.validationFile.table.rows.length } : null,
    };
  }

  private tokenStats(maxLength: number, previewRow: number): void {
    const tokenizer = this.requireTokenizer();
    const rows = this.requireMain().examples;
    if (this.lengths === null || this.lengths.rows !== rows || this.lengths.tokenizer !== tokenizer) {
      const indices = sampleIndices(rows.length);
      const lengths = Int32Array.from(indices, (i) => tokenizer.encode(rows[i]!.text, rows[i]!.textPair, maxLength).untruncatedLength);
      this.lengths = { rows, tokenizer, indices, lengths };
    }
    const { bins, truncatedShare } = lengthHistogram(this.lengths.lengths, maxLength);
    let preview: TokenPreview | null = null;
    if (rows.length > 0) {
      const row = ((previewRow % rows.length) + rows.length) % rows.length;
      const example = rows[row]!;
      const tokens = [...tokenizer.tokenize(example.text), ...(example.textPair === undefined ? [] : tokenizer.tokenize(example.textPair))];
      const ids = Array.from(tokenizer.encode(example.text, example.textPair, maxLength).inputIds);
      preview = { row, text: displayText(example), tokens, ids };
    }
    this.deps.send({ type: 'token-stats', stats: { sampled: this.lengths.indices.length, total: rows.length, bins, maxLength, truncatedShare, preview } });
  }

  private tokenize(maxLength: number): void {
    const tokenizer = this.requireTokenizer();
    const { train, validation } = this.splitExamples();
    const task = taskById(DEFAULT_TASK);
    const labels = task.labelSet([...train, ...validation].map((e) => e.label), defaultLabelOptions, (i) => ({ file: null, row: i + 1 }));
    const total = train.length + validation.length;
    const report = (offset: number) => (done: number) => this.deps.send({ type: 'tokenize-progress', done: offset + done, total });
    const encoding = { task, labels, options: defaultLabelOptions, file: null };
    const trainRows = tokenizeExamples(tokenizer, train, encoding, maxLength, report(0));
    const validationRows = tokenizeExamples(tokenizer, validation, encoding, maxLength, report(train.length));
    this.deps.send({
      type: 'tokenized',
      data: {
        labels,
        maxLength,
        train: packRows(trainRows.rows),
        validation: packRows(validationRows.rows),
        validationTexts: validation.map(displayText),
        truncated: trainRows.truncated,
        fingerprint: datasetFingerprint(train, validation),
      },
    });
  }
}

function shorten(text: string): string {
  return text.length > PREVIEW_CELL_CHARS ? `${text.slice(0, PREVIEW_CELL_CHARS - 1)}…` : text;
}

function displayText(example: LabelledExample): string {
  return example.textPair === undefined ? example.text : `${example.text} ‖ ${example.textPair}`;
}

/**
 * The columns a file's names and contents suggest. A file whose "text" column holds labels and
 * whose "label" column holds texts is read the other way round, saying so.
 */
function guessedMapping(table: Table): { mapping: ColumnMapping; note: string[] } {
  const guess = guessColumns(table);
  try {
    checkColumnRoles(table, guess);
    return { mapping: guess, note: [] };
  } catch (error) {
    if (!(error instanceof ColumnRoleError) || error.suggestion === null) throw error;
    return {
      mapping: error.suggestion,
      note: [`The column "${guess.text}" holds what look like labels and "${guess.label}" what look like texts, so "${guess.label}" is read as the text and "${guess.text}" as the label. Change the columns below if that is wrong.`],
    };
  }
}
