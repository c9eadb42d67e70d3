/**
 * The files a sequence-classification fine-tune starts from, wherever they come from (the Hub or
 * a local folder), and the rules for choosing among them: what `from_pretrained` would read for
 * a BERT-family model with its tokenizer.
 */

/** The model's files by name (e.g. `config.json`), and where they came from. */
export interface ModelFiles {
  /** Hub repo id or folder name, for messages and the model card. */
  source: string;
  files: Map<string, Uint8Array>;
}

export const CONFIG_FILE = 'config.json';

/** In order of preference: safetensors loads without unpickling, so it wins when both exist. */
export const WEIGHTS_FILES = ['model.safetensors', 'pytorch_model.bin'] as const;

export const TOKENIZER_FILES = [
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'vocab.txt',
  'vocab.json',
  'merges.txt',
] as const;

export type ModelPart = 'config' | 'weights' | 'tokenizer';

/**
 * The model's files are there but incomplete. The message is for people who may not be
 * programmers: it says what is missing, what would do, and what was found instead.
 */
export class ModelFilesError extends Error {
  readonly missing: ModelPart;

  /**
   * @param where names the model, e.g. `Folder "my-model"`.
   * @param present what was found; other entries than model files (README.md, `onnx/`) help
   *   people see that they picked the wrong folder.
   */
  constructor(where: string, missing: ModelPart, present: readonly string[]) {
    super(`${where} ${MISSING_PROBLEMS[missing]}${describePresent(present)}`);
    this.name = 'ModelFilesError';
    this.missing = missing;
  }
}

const MISSING_PROBLEMS: Record<ModelPart, string> = {
  config: `has no ${CONFIG_FILE}, so it is not a Transformers model the studio can fine-tune.`,
  weights: `has no weights: it needs ${WEIGHTS_FILES.join(' or ')} (PyTorch weights; TensorFlow, Flax and ONNX weights cannot be fine-tuned here).`,
  tokenizer: 'has no tokenizer: it needs tokenizer.json, vocab.txt, or vocab.json with merges.txt.',
};

/**
 * Of the names `present` in a model's repo or folder, the ones to load: config.json, one weights
 * file and every tokenizer file. Throws a ModelFilesError when config, weights or a usable
 * tokenizer is missing.
 */
export function chooseModelFiles(where: string, present: readonly string[]): string[] {
  const has = new Set(present);
  if (!has.has(CONFIG_FILE)) throw new ModelFilesError(where, 'config', present);
  const weights = WEIGHTS_FILES.find((name) => has.has(name));
  if (weights === undefined) throw new ModelFilesError(where, 'weights', present);
  if (!hasUsableTokenizer(has)) throw new ModelFilesError(where, 'tokenizer', present);
  return [CONFIG_FILE, weights, ...TOKENIZER_FILES.filter((name) => has.has(name))];
}
// The files each tokenizer kind builds from: a fast tokenizer, WordPiece (BERT) or BPE (RoBERTa).
function hasUsableTokenizer(has: ReadonlySet<string>): boolean {
  return has.has('tokenizer.json') || has.has('vocab.txt') || (has.has('vocab.json') && has.has('merges.txt'));
}

const LISTED_AT_MOST = 12;

function describePresent(present: readonly string[]): string {
  if (present.length === 0) return '';
  const sorted = [...present].sort();
  const listed = sorted.slice(0, LISTED_AT_MOST).join(', ');
  const more = sorted.length > LISTED_AT_MOST ? ` and ${sorted.length - LISTED_AT_MOST} more` : '';
  return ` Found: ${listed}${more}.`;
}
