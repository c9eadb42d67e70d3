/**
 * A model to fine-tune, from the Hub, a local folder, or a small config trained from scratch:
 * its config, its weights and complete tokenizer files, and the facts the model screen shows.
 */
import { fineTunedLabels, type PretrainedSource } from '../src/engine/pretrained.ts';
import { architectureClassName, parseModelConfig } from '../src/engine/models/config.ts';
import { classifierParamSpecs } from '../src/engine/models/params.ts';
import { maxSequenceLength } from '../src/engine/models/positions.ts';
import { type DownloadProgress, type FileCache, fetchModelFiles } from '../src/hub/hub-client.ts';
import { modelFilesFromFileList } from '../src/hub/local-folder.ts';
import { decodeModelFiles } from '../src/hub/model-contents.ts';
import type { ModelFiles } from '../src/hub/model-files.ts';
import { type CompleteTokenizerFiles, completeTokenizerFiles, type TokenizerSourceFiles } from '../src/tokenize/tokenizer-files.ts';
import { requireTokenizerFitsModel } from '../src/tokenize/vocabulary-check.ts';
import type { ModelRequestSource, ModelSummary, ScratchSize } from './protocol.ts';

export interface LoadedModel {
  readonly summary: ModelSummary;
  readonly source: PretrainedSource;
  readonly tokenizer: CompleteTokenizerFiles;
}

export interface LoadDeps {
  readonly fetch: typeof fetch;
  /** Cache Storage where the page may use it; downloads then survive reloads. */
  readonly cache: FileCache | undefined;
  readonly onProgress: (progress: DownloadProgress) => void;
}

/**
 * From-scratch shapes, as Google's small BERTs (Turc et al. 2019) have them, so a scratch
 * model costs what its pretrained twin does. 512 positions as in every BERT.
 */
const scratchShapes: Record<ScratchSize, { layers: number; hidden: number; heads: number; label: string }> = {
  tiny: { layers: 2, hidden: 128, heads: 2, label: 'BERT-tiny shape (2 layers, 128 wide)' },
  mini: { layers: 4, hidden: 256, heads: 4, label: 'BERT-mini shape (4 layers, 256 wide)' },
};

export function scratchConfig(size: ScratchSize, vocabSize: number): Record<string, unknown> {
  const s = scratchShapes[size];
  return {
    model_type: 'bert',
    vocab_size: vocabSize,
    hidden_size: s.hidden,
    num_hidden_layers: s.layers,
    num_attention_heads: s.heads,
    intermediate_size: 4 * s.hidden,
    max_position_embeddings: 512,
    type_vocab_size: 2,
    hidden_act: 'gelu',
    hidden_dropout_prob: 0.1,
    attention_probs_dropout_prob: 0.1,
    pad_token_id: 0,
  };
}

export function scratchName(size: ScratchSize): string {
  return `from scratch, ${scratchShapes[size].label}`;
}

export async function loadModel(request: ModelRequestSource, deps: LoadDeps): Promise<LoadedModel> {
  switch (request.kind) {
    case 'hub': {
      const files = await fetchModelFiles(request.id.trim(), { endpoint: request.endpoint, fetch: deps.fetch, cache: deps.cache, onProgress: deps.onProgress });
      return fromFiles(files, 'hub');
    }
    case 'folder': {
      const files = await modelFilesFromFileList(
        request.files.map(({ path, file }) => ({ name: path, bytes: async () => new Uint8Array(await file.arrayBuffer()) })),
      );
      return fromFiles(files, 'folder');
    }
    case 'scratch':
      return fromScratch(request.size, request.vocabUrl, deps.fetch);
  }
}

function fromFiles(files: ModelFiles, kind: 'hub' | 'folder'): LoadedModel {
  const contents = decodeModelFiles(files.source, files.files);
  return assemble({ name: files.source, configJson: contents.configJson, weights: contents.weights }, contents.tokenizer, kind);
}

async function fromScratch(size: ScratchSize, vocabUrl: string, fetchFile: typeof fetch): Promise<LoadedModel> {
  const response = await fetchFile(vocabUrl);
  if (!response.ok) throw new Error(`The studio's built-in vocabulary (${vocabUrl}) could not be loaded: HTTP ${response.status}.`);
  const vocabTxt = await response.text();
  const vocabSize = vocabTxt.split('\n').filter((line) => line !== '').length;
  const tokenizer: TokenizerSourceFiles = {
    vocabTxt,
    tokenizerConfig: { tokenizer_class: 'BertTokenizer', do_lower_case: true, model_max_length: 512 },
  };
  return assemble({ name: scratchName(size), configJson: scratchConfig(size, vocabSize), weights: new Map() }, tokenizer, 'scratch');
}

function assemble(source: PretrainedSource, tokenizerSources: TokenizerSourceFiles, kind: ModelSummary['source']): LoadedModel {
  let summary: ModelSummary;
  try {
    summary = { ...summarize(source.name, source.configJson, kind, tokenizerKind(tokenizerSources)), fineTunedLabels: fineTunedLabels(source) };
  } catch (error) {
    // The engine lists the architectures it can build; the model's name says which one was refused.
    throw new Error(`${source.name} cannot be fine-tuned here: ${error instanceof Error ? error.message : String(error)}.`);
  }
  const tokenizer = completeTokenizerFiles(tokenizerSources, source.configJson);
  requireTokenizerFitsModel(tokenizer, source.configJson, source.name);
  return { source, summary, tokenizer };
}

export function summarize(name: string, configJson: Record<string, unknown>, kind: ModelSummary['source'], tokenizer: string): ModelSummary {
  // The head's labels need the weights: assemble() adds them.
  const config = parseModelConfig(configJson);
  return {
    name,
    source: kind,
    modelType: config.architecture,
    className: architectureClassName(config),
    layers: config.numLayers,
    hiddenSize: config.hiddenSize,
    heads: config.numHeads,
    intermediateSize: config.intermediateSize,
    vocabSize: config.vocabSize,
    maxPositions: maxSequenceLength(config),
    // Every head ends in a hidden → labels projection: (hidden + 1) parameters per label.
    parametersWithoutLabels: classifierParamSpecs(config, 1).reduce((n, p) => n + p.shape.reduce((a, d) => a * d, 1), 0) - (config.hiddenSize + 1),
    pretrained: kind !== 'scratch',
    tokenizerKind: tokenizer,
    fineTunedLabels: null,
  };
}

function tokenizerKind(files: TokenizerSourceFiles): string {
  if (files.tokenizerJson) return 'tokenizer.json';
  if (files.vocabTxt) return 'WordPiece (vocab.txt)';
  return 'byte-level BPE (vocab.json + merges.txt)';
}
