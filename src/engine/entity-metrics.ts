/**
 * Entity-level scores of tag sequences as seqeval computes them in its default mode (what the
 * Hugging Face `seqeval` metric and the token-classification tutorial report): entities are read
 * from IOB2 tags by conlleval's chunking rules (an I- after O or after another type starts an
 * entity), an entity counts as found only when its type, start and end all match, and precision,
 * recall and F1 are micro-averaged over entities. Token accuracy is the share of words whose tag
 * is right.
 */

export interface Entity {
  readonly type: string;
  /** Word index of the first word. */
  readonly start: number;
  /** Word index of the last word (inclusive, as seqeval's tuples). */
  readonly end: number;
}

export interface EntityTypeScores {
  readonly type: string;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Entities of this type in the true tags. */
  readonly support: number;
  /** Entities of this type predicted. */
  readonly predicted: number;
}

export interface EntityScores {
  /** Micro-averaged over every entity, seqeval's `overall_precision`… */
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Words tagged right among all words, seqeval's `overall_accuracy`. */
  readonly accuracy: number;
  /** One per entity type of the true or predicted tags, by type name. */
  readonly perType: EntityTypeScores[];
  readonly words: number;
}

/** The entities of one sentence's tags (seqeval's `get_entities`, prefix mode). */
export function entitiesOf(tags: readonly string[]): Entity[] {
  const entities: Entity[] = [];
  let previousTag = 'O';
  let previousType = '';
  let begin = 0;
  [...tags, 'O'].forEach((chunk, index) => {
    const tag = chunk[0] ?? 'O';
    // chunk[1:].split('-', maxsplit=1)[-1] or '_': "B-creative-work" is of type "creative-work".
    const rest = chunk.slice(1);
    const type = rest.slice(rest.indexOf('-') + 1) || '_';
    if (endsChunk(previousTag, tag, previousType, type)) entities.push({ type: previousType, start: begin, end: index - 1 });
    if (startsChunk(previousTag, tag, previousType, type)) begin = index;
    previousTag = tag;
    previousType = type;
  });
  return entities;
}

function endsChunk(previousTag: string, tag: string, previousType: string, type: string): boolean {
  if (previousTag === 'E' || previousTag === 'S') return true;
  if ((previousTag === 'B' || previousTag === 'I') && (tag === 'B' || tag === 'S' || tag === 'O')) return true;
  return previousTag !== 'O' && previousTag !== '.' && previousType !== type;
}

function startsChunk(previousTag: string, tag: string, previousType: string, type: string): boolean {
  if (tag === 'B' || tag === 'S') return true;
  if ((previousTag === 'E' || previousTag === 'S' || previousTag === 'O') && (tag === 'E' || tag === 'I')) return true;
  return tag !== 'O' && tag !== '.' && previousType !== type;
}

/** Scores of predicted against true tags, sentence by sentence (each pair of the same length). */
export function entityScores(trueTags: readonly (readonly string[])[], predictedTags: readonly (readonly string[])[]): EntityScores {
  if (trueTags.length !== predictedTags.length) throw new Error(`entityScores: ${trueTags.length} true sentences but ${predictedTags.length} predicted`);
  const counts = new Map<string, { support: number; predicted: number; found: number }>();
  const countOf = (type: string) => counts.get(type) ?? counts.set(type, { support: 0, predicted: 0, found: 0 }).get(type)!;
  let words = 0;
  let correctWords = 0;
  trueTags.forEach((truth, sentence) => {
    const predicted = predictedTags[sentence]!;
    if (predicted.length !== truth.length) throw new Error(`entityScores: sentence ${sentence} has ${truth.length} true tags but ${predicted.length} predicted`);
    words += truth.length;
    truth.forEach((tag, i) => {
      if (predicted[i] === tag) correctWords++;
    });
    const trueKeys = new Set(entitiesOf(truth).map((e) => `${e.type}\u0000${e.start}\u0000${e.end}`));
    for (const e of entitiesOf(truth)) countOf(e.type).support++;
    for (const e of entitiesOf(predicted)) {
      const count = countOf(e.type);
      count.predicted++;
      if (trueKeys.has(`${e.type}\u0000${e.start}\u0000${e.end}`)) count.found++;
    }
  });
  const perType = [...counts.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([type, { support, predicted, found }]) => ({ type, ...precisionRecallF1(found, predicted, support), support, predicted }));
  const total = (key: 'support' | 'predicted' | 'found') => [...counts.values()].reduce((sum, c) => sum + c[key], 0);
  return {
    ...precisionRecallF1(total('found'), total('predicted'), total('support')),
    accuracy: words === 0 ? NaN : correctWords / words,
    perType,
    words,
  };
}

/** scikit-learn's zero_division=0, as seqeval: no prediction gives precision 0, no true entity recall 0. */
function precisionRecallF1(found: number, predicted: number, support: number): { precision: number; recall: number; f1: number } {
  const precision = predicted === 0 ? 0 : found / predicted;
  const recall = support === 0 ? 0 : found / support;
  return { precision, recall, f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall) };
}
