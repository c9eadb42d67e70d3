import { describe, expect, it } from 'vitest';
import type { TokenizedExample } from '../batching.ts';
import { defaultLabelOptions } from './task.ts';
import { orderTags, tokenClassification as task } from './token-classification.ts';

const X = -100;
const TAGS = ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC'];
const place = (i: number) => ({ file: 'train.jsonl', row: i + 1 });

/** Logits that pick `tags[i]` at token i (3 nats ahead of the others). */
function logitsFor(tagIds: readonly number[]): Float32Array {
  const logits = new Float32Array(tagIds.length * TAGS.length);
  tagIds.forEach((id, token) => (logits[token * TAGS.length + id] = 3));
  return logits;
}

describe('token classification', () => {
  it('lists tags as the Hugging Face datasets do: O, then by type, B- before I-', () => {
    const wnutOrder = ['O', 'B-corporation', 'I-corporation', 'B-creative-work', 'I-creative-work', 'B-group', 'I-group', 'B-location', 'I-location', 'B-person', 'I-person', 'B-product', 'I-product'];
    expect(orderTags([...wnutOrder].reverse())).toEqual(wnutOrder);
    expect(task.labelSet(['B-PER I-PER O', '["B-LOC", "O", "I-LOC"]'], defaultLabelOptions, place)).toEqual(['O', 'B-LOC', 'I-LOC', 'B-PER', 'I-PER']);
    expect(orderTags(['PER', 'O', 'B-PER'])).toEqual(['O', 'B-PER', 'PER']);
  });

  it('puts each word’s tag on its first token and -100 elsewhere', () => {
    // [CLS] @ paul ##walk in paris [SEP]: "@paulwalk" B-PER, "in" O, "paris" B-LOC
    const target = task.encodeTarget('["B-PER", "O", "B-LOC"]', TAGS, defaultLabelOptions, place(0), [null, 0, 0, 0, 1, 2, null]);
    expect(Array.from(target)).toEqual([X, 1, X, X, 0, 3, X]);
    expect(task.target).toEqual({ dtype: 'int32', per: 'token', pad: X });
  });

  it('names the row of an unknown tag, or of too few tags', () => {
    expect(() => task.encodeTarget('B-ORG', TAGS, defaultLabelOptions, place(3), [null, 0, null])).toThrow('train.jsonl: Row 4 has the tag "B-ORG", which is not one of the 5 tags ("O", "B-PER", "I-PER", "B-LOC", "I-LOC").');
    expect(() => task.encodeTarget('O', TAGS, defaultLabelOptions, place(3), [null, 0, 1, null])).toThrow('train.jsonl: Row 4 has 1 tag for at least 2 words; each word needs one tag.');
  });

  it('scores entities and words at first tokens only, and its loss over them', () => {
    const rows: TokenizedExample[] = [
      { inputIds: new Int32Array(5), tokenTypeIds: null, target: Int32Array.of(X, 1, X, 2, X) },
      { inputIds: new Int32Array(4), tokenTypeIds: null, target: Int32Array.of(X, 3, 0, X) },
    ];
    // Row 1: the person is found (the later piece's logits say O, which must not count).
    // Row 2: the location is missed (tagged O); its O word is right.
    const logits = new Float32Array([...logitsFor([0, 1, 0, 2, 0]), ...logitsFor([0, 0, 0, 0])]);
    const metrics = task.metrics(logits, rows, TAGS, {});
    expect(metrics.task).toBe('token-classification');
    expect(metrics.precision).toBe(1);
    expect(metrics.recall).toBe(0.5);
    expect(metrics.f1).toBeCloseTo(2 / 3, 12);
    expect(metrics.accuracy).toBe(3 / 4);
    expect(metrics.words).toBe(4);
    expect(metrics.perType.map((t) => [t.type, t.f1, t.support])).toEqual([
      ['LOC', 0, 1],
      ['PER', 1, 1],
    ]);
    const right = Math.log(1 + 4 * Math.exp(-3));
    const wrong = Math.log(Math.exp(3) + 4) ;
    expect(metrics.loss).toBeCloseTo((3 * right + wrong) / 4, 6);
    expect(task.bestModelValue(metrics, 'macroF1')).toBe(metrics.f1);
    expect(task.bestModelValue(metrics, 'accuracy')).toBe(0.75);
    expect(task.trainerMetrics(metrics)).toEqual({ precision: 1, recall: 0.5, f1: metrics.f1, accuracy: 0.75 });
  });

  it('predicts a tag per word with its probability and the entity spans, a truncated word untagged', () => {
    const out = task.predict({
      logits: logitsFor([0, 1, 2, 2, 0, 0]),
      labels: TAGS,
      wordIds: [null, 0, 1, 1, 2, null],
      words: ['Ada', 'Lovelace', 'wrote', 'notes'],
      options: {},
    });
    const words = out.words as { word: string; tag: string | null; score: number | null }[];
    expect(words.map((w) => [w.word, w.tag])).toEqual([
      ['Ada', 'B-PER'],
      ['Lovelace', 'I-PER'],
      ['wrote', 'O'],
      ['notes', null],
    ]);
    expect(words[0]!.score).toBeCloseTo(Math.exp(3) / (Math.exp(3) + 4), 6);
    expect(out.entities).toEqual([{ entity: 'PER', start: 0, end: 2, text: 'Ada Lovelace' }]);
  });

  it('writes no problem_type and the tag names into config.json, and train.py’s token-classification parts', () => {
    expect(task.configFields(['O', 'B-PER'])).toEqual({ problem_type: null, id2label: { 0: 'O', 1: 'B-PER' }, label2id: { O: 0, 'B-PER': 1 } });
    const script = task.trainScript(defaultLabelOptions);
    expect(script.autoModelClass).toBe('AutoModelForTokenClassification');
    expect(script.collator).toBe('DataCollatorForTokenClassification(tokenizer)');
    expect(task.cardMetrics({ ...task.metrics(new Float32Array(0), [], TAGS, {}), f1: 0.5 }).map((m) => [m.type, m.value])).toContainEqual(['seqeval', 0.5]);
  });
});
