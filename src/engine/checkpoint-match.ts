/**
 * Whether a saved checkpoint belongs to the model and the data a run is about to use: the same
 * architecture and shapes (the loaded model supplies the tokenizer), the same labels, and, to
 * continue the run, the same training rows. Each refusal names what differs.
 */
import type { TrainingCheckpoint } from './checkpoint.ts';

/** config.json entries that fix the weights' shapes: a checkpoint fits a model only where they agree. */
const SHAPE_KEYS = ['model_type', 'vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size', 'max_position_embeddings', 'type_vocab_size', 'dim', 'n_layers', 'n_heads', 'hidden_dim', 'embedding_size'];

/** The config entries on which the checkpoint and the model differ, as "hidden_size 16 vs 32"; empty when it fits. */
export function architectureDifferences(c: TrainingCheckpoint, modelConfig: Readonly<Record<string, unknown>>): string[] {
  return SHAPE_KEYS.filter((key) => JSON.stringify(c.modelConfig[key]) !== JSON.stringify(modelConfig[key])).map(
    (key) => `${key} ${JSON.stringify(c.modelConfig[key])} vs ${JSON.stringify(modelConfig[key])}`,
  );
}

/** Refuses a checkpoint of another architecture than the model whose tokenizer the run will use. */
export function requireSameArchitecture(c: TrainingCheckpoint, model: { readonly name: string; readonly configJson: Readonly<Record<string, unknown>> }, fileName: string, remedy: string): void {
  const differing = architectureDifferences(c, model.configJson);
  if (differing.length > 0) throw new Error(`${fileName} was trained from another model than ${model.name} (${differing.join(', ')}); ${remedy}`);
}

/** Refuses data whose label set is not the checkpoint's: its classifier has one output per label, in this order. */
export function requireSameLabels(c: TrainingCheckpoint, labels: readonly string[], fileName: string, remedy: string): void {
  if (c.labels.join('\n') === labels.join('\n')) return;
  const known = new Set(c.labels);
  const wanted = new Set(labels);
  const missing = labels.filter((l) => !known.has(l));
  const extra = c.labels.filter((l) => !wanted.has(l));
  const detail = [
    missing.length > 0 ? `the data has ${quoted(missing)}, which it does not know` : '',
    extra.length > 0 ? `it knows ${quoted(extra)}, which the data lacks` : '',
  ].filter((part) => part !== '');
  throw new Error(
    `${fileName} holds a classifier for ${c.labels.length} labels [${c.labels.join(', ')}] and the data has ${labels.length} [${labels.join(', ')}]` +
      `${detail.length > 0 ? `: ${detail.join('; ')}` : ''}. ${remedy}`,
  );
}

/** Refuses to continue a run on rows other than those it trained on (its data order is a permutation of them). */
export function requireSameRows(c: TrainingCheckpoint, fingerprint: string, rows: number, fileName: string, remedy: string): void {
  const trainedOn = c.dataFingerprint ?? (c.dataOrder.length > 0 ? `${c.dataOrder.length}:` : null);
  if (trainedOn === null || trainedOn === fingerprint || (c.dataFingerprint === undefined && c.dataOrder.length === rows)) return;
  const before = Number.parseInt(trainedOn, 10);
  const counts = before === rows ? `as many rows (${rows}), but not the same ones` : `${before} training rows, and this data gives ${rows}`;
  throw new Error(`${fileName} comes from a run that trained on other rows: ${counts}. ${remedy}`);
}

function quoted(labels: readonly string[]): string {
  return labels.map((l) => `"${l}"`).join(', ');
}
