/**
 * Token classification (named-entity recognition): each word of a sentence has one tag, IOB2
 * (`O`, `B-PER`, `I-PER`…). transformers' `*ForTokenClassification` with no problem_type: logits
 * per token, the word's tag on its first token and -100 on the others and on special tokens (the
 * Hugging Face tutorial's alignment), CrossEntropyLoss over the tokens that are not -100, and
 * seqeval's entity-level precision/recall/F1 plus token accuracy over words.
 */
import { decodeTaggedCell } from '../../data/tagged-cells.ts';
import { alignWordLabels, firstTokenOfWords, IGNORED_LABEL } from '../../tokenize/word-labels.ts';
import { type EntityScores, entitiesOf, entityScores } from '../entity-metrics.ts';
import { crossEntropy } from '../loss.ts';
import { argmax, crossEntropyOf, softmax } from '../metrics.ts';
import { type CellPlace, describePlace, labelMaps, type Task, type TaskMetricsBase } from './task.ts';

export type TokenClassificationMetrics = EntityScores & TaskMetricsBase<'token-classification'>;

export interface TaggedWord {
  readonly word: string;
  /** Null for a word cut off by the max length: the model never saw it. */
  readonly tag: string | null;
  /** The softmax probability of `tag` on the word's first token. */
  readonly score: number | null;
}

export interface PredictedEntity {
  /** The entity type: "PER" for B-PER/I-PER. */
  readonly entity: string;
  /** Word indices, end exclusive. */
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

export interface TokenClassificationPrediction {
  readonly words: TaggedWord[];
  readonly entities: PredictedEntity[];
}

/** The tags of one cell: a JSON list or tags separated by spaces (a CoNLL sentence). */
function tagsOf(cell: string, place: CellPlace): string[] {
  return decodeTaggedCell(cell, { file: place.file ?? 'the data', row: place.row });
}

const PREFIX_ORDER = ['B', 'I', 'E', 'S', 'L', 'U'];

/**
 * Tags in the order the Hugging Face datasets list them (wnut_17, conll2003): O first, then by
 * entity type, B- before I-; tags of no scheme after those, by code unit.
 */
export function orderTags(tags: Iterable<string>): string[] {
  const key = (tag: string): [number, string, number] => {
    if (tag === 'O') return [0, '', 0];
    const match = /^([A-Z])-(.+)$/.exec(tag);
    const prefix = match === null ? -1 : PREFIX_ORDER.indexOf(match[1]!);
    return prefix < 0 ? [2, tag, 0] : [1, match![2]!, prefix];
  };
  return [...new Set(tags)].sort((a, b) => {
    const [ka, kb] = [key(a), key(b)];
    return ka[0] - kb[0] || (ka[1] < kb[1] ? -1 : ka[1] > kb[1] ? 1 : 0) || ka[2] - kb[2];
  });
}

export const tokenClassification: Task<'token-classification', TokenClassificationMetrics, TokenClassificationPrediction> = {
  id: 'token-classification',
  title: 'Token classification (NER)',
  head: 'token-classification',
  problemType: null,

  labelSet: (cells, _options, place) => orderTags(cells.flatMap((cell, i) => tagsOf(cell, place(i)))),
  labelsAreClasses: true,
  // Sentences that have each tag at least once.
  labelCounts: (cells, labels) => {
    const counts = labels.map(() => 0);
    cells.forEach((cell, row) => {
      for (const tag of new Set(tagsOf(cell, { file: null, row: row + 1 }))) {
        const id = labels.indexOf(tag);
        if (id >= 0) counts[id]! += 1;
      }
    });
    return counts;
  },
  minLabels: 2,
  numLabels: (labels) => labels.length,
  target: { dtype: 'int32', per: 'token', pad: IGNORED_LABEL },
  encodeTarget(cell, labels, _options, place, wordIds) {
    if (wordIds === null) throw new Error('token classification needs the word of each token: encode the sentence as words');
    const tags = tagsOf(cell, place);
    const ids = tags.map((tag) => {
      const id = labels.indexOf(tag);
      if (id < 0) {
        const shown = labels.slice(0, 10).map((l) => JSON.stringify(l)).join(', ');
        throw new Error(`${describePlace(place)} has the tag ${JSON.stringify(tag)}, which is not one of the ${labels.length} tags (${shown}${labels.length > 10 ? ', …' : ''}).`);
      }
      return id;
    });
    const words = wordIds.reduce<number>((most, word) => Math.max(most, (word ?? -1) + 1), 0);
    if (words > tags.length) throw new Error(`${describePlace(place)} has ${tags.length} tag${tags.length === 1 ? '' : 's'} for at least ${words} words; each word needs one tag.`);
    return alignWordLabels(wordIds, ids);
  },

  loss: crossEntropy,

  metrics(logits, rows, labels) {
    const k = labels.length;
    const truth: string[][] = [];
    const predicted: string[][] = [];
    let lossSum = 0;
    let offset = 0;
    for (const row of rows) {
      const rowTruth: string[] = [];
      const rowPredicted: string[] = [];
      row.target.forEach((id, position) => {
        if (id === IGNORED_LABEL) return;
        const tokenLogits = logits.subarray((offset + position) * k, (offset + position + 1) * k);
        rowTruth.push(labels[id]!);
        rowPredicted.push(labels[argmax(tokenLogits)]!);
        lossSum += crossEntropyOf(tokenLogits, id);
      });
      truth.push(rowTruth);
      predicted.push(rowPredicted);
      offset += row.inputIds.length;
    }
    if (offset * k !== logits.length) throw new Error(`token-classification metrics: ${logits.length} logits for ${offset} tokens × ${k} labels`);
    const scores = entityScores(truth, predicted);
    return { task: 'token-classification', ...scores, loss: scores.words === 0 ? NaN : lossSum / scores.words, examples: rows.length };
  },
  // Trainer's "f1" for a token classifier is seqeval's overall (micro) entity F1, "accuracy" the token accuracy.
  bestModelValue: (metrics, metric) => (metric === 'loss' ? metrics.loss : metric === 'accuracy' ? metrics.accuracy : metrics.f1),
  summary: (m) => `entity F1 ${m.f1.toFixed(4)} (precision ${m.precision.toFixed(4)}, recall ${m.recall.toFixed(4)}) | token accuracy ${(m.accuracy * 100).toFixed(2)}%`,
  trainerMetrics: (m) => ({ precision: m.precision, recall: m.recall, f1: m.f1, accuracy: m.accuracy }),
  predict({ logits, labels, wordIds, words }) {
    if (wordIds === null || words === null) throw new Error('token-classification predict needs the words and the word of each token');
    const k = labels.length;
    const tagged = firstTokenOfWords(wordIds, words.length).map((position, word): TaggedWord => {
      if (position === null) return { word: words[word]!, tag: null, score: null };
      const probabilities = softmax(logits.subarray(position * k, (position + 1) * k));
      const best = argmax(probabilities);
      return { word: words[word]!, tag: labels[best]!, score: probabilities[best]! };
    });
    const entities = entitiesOf(tagged.map((w) => w.tag ?? 'O')).map(({ type, start, end }) => ({
      entity: type,
      start,
      end: end + 1,
      text: words.slice(start, end + 1).join(' '),
    }));
    return { words: tagged, entities };
  },

  configFields: (labels) => ({ problem_type: null, ...labelMaps(labels) }),
  trainScript: () => ({
    autoModelClass: 'AutoModelForTokenClassification',
    collator: 'DataCollatorForTokenClassification(tokenizer)',
    encodeLabel: [
      'def cell_items(cell):',
      '    """The words or tags of a cell as the studio reads them: a JSON list (numbers as text) or items separated by spaces."""',
      '    import json',
      '',
      '    cell = cell.strip()',
      '    return [str(item) for item in json.loads(cell)] if cell.startswith("[") else cell.split()',
      '',
      '',
      'def encode_label(cell):',
      '    """The tag ids of a sentence."""',
      '    return [LABEL2ID[tag] for tag in cell_items(cell)]',
    ].join('\n'),
    computeMetrics: [
      'def entities(tags):',
      '    """seqeval\'s get_entities (default mode) for IOB2 tags: (type, start, end) tuples."""',
      '    found, previous_tag, previous_type, begin = [], "O", "", 0',
      '    for i, chunk in enumerate(list(tags) + ["O"]):',
      '        tag, kind = chunk[0], chunk[1:].split("-", 1)[-1] or "_"',
      '        ends = previous_tag in ("E", "S") or (previous_tag in ("B", "I") and tag in ("B", "S", "O")) or (previous_tag not in ("O", ".") and previous_type != kind)',
      '        if ends:',
      '            found.append((previous_type, begin, i - 1))',
      '        starts = tag in ("B", "S") or (previous_tag in ("E", "S", "O") and tag in ("E", "I")) or (tag not in ("O", ".") and previous_type != kind)',
      '        if starts:',
      '            begin = i',
      '        previous_tag, previous_type = tag, kind',
      '    return found',
      '',
      '',
      'def compute_metrics(eval_pred):',
      '    """seqeval\'s overall precision, recall, F1 and accuracy over the first token of each word."""',
      '    logits, labels = eval_pred',
      '    predictions = np.argmax(logits, axis=-1)',
      '    found = predicted = true = correct = words = 0',
      '    for row_predictions, row_labels in zip(predictions, labels):',
      '        keep = row_labels != -100',
      '        truth = [LABELS[i] for i in row_labels[keep]]',
      '        guess = [LABELS[i] for i in row_predictions[keep]]',
      '        true_entities, guessed_entities = set(entities(truth)), set(entities(guess))',
      '        found += len(true_entities & guessed_entities)',
      '        predicted += len(guessed_entities)',
      '        true += len(true_entities)',
      '        correct += sum(t == g for t, g in zip(truth, guess))',
      '        words += len(truth)',
      '    precision = found / predicted if predicted else 0.0',
      '    recall = found / true if true else 0.0',
      '    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0',
      '    return {"precision": precision, "recall": recall, "f1": f1, "accuracy": correct / max(words, 1)}',
    ].join('\n'),
    tokenize: [
      '    if type(tokenizer).__name__.startswith("Roberta"):',
      '        # Byte-level BPE reads words given one by one only with a space before each, as the studio does.',
      '        tokenizer = AutoTokenizer.from_pretrained(MODEL, add_prefix_space=True)',
      '',
      '    def tokenize(batch):',
      "        # The words, each tokenized alone; a word's tag on its first piece, -100 on the others and on special tokens.",
      '        words = [cell_items(t) for t in batch["text"]]',
      '        encoded = tokenizer(words, is_split_into_words=True, truncation=True, max_length=MAX_LENGTH)',
      '        encoded["labels"] = []',
      '        for row, tags in enumerate(batch["label"]):',
      '            aligned, previous = [], None',
      '            for word in encoded.word_ids(row):',
      '                aligned.append(-100 if word is None or word == previous else tags[word])',
      '                previous = word',
      '            encoded["labels"].append(aligned)',
      '        return encoded',
    ].join('\n'),
  }),
  trainerMetricName: (metric) => (metric === 'macroF1' ? 'f1' : metric),
  cardMetrics: (metrics) => [
    { type: 'seqeval', name: 'Entity F1', value: metrics.f1 },
    { type: 'precision', name: 'Entity precision', value: metrics.precision },
    { type: 'recall', name: 'Entity recall', value: metrics.recall },
    { type: 'accuracy', name: 'Token accuracy', value: metrics.accuracy },
  ],
};
