/**
 * Word labels on word pieces, as the Hugging Face token-classification tutorial aligns them: the
 * first token of each word gets the word's label, the word's other tokens and the special tokens get
 * -100, the index CrossEntropyLoss ignores. A prediction is read back at the same first tokens.
 */

/** torch's CrossEntropyLoss `ignore_index` default, which the tutorial puts on every position not to learn. */
export const IGNORED_LABEL = -100;

/** One label per token from one per word; `wordIds` is the encoding's `word_ids()`. */
export function alignWordLabels(wordIds: readonly (number | null)[], wordLabels: ArrayLike<number>): Int32Array {
  const aligned = new Int32Array(wordIds.length).fill(IGNORED_LABEL);
  let previous: number | null = null;
  wordIds.forEach((word, position) => {
    if (word !== null && word !== previous) {
      const label = wordLabels[word];
      if (label === undefined) throw new Error(`alignWordLabels: token ${position} belongs to word ${word}, but only ${wordLabels.length} word labels were given`);
      aligned[position] = label;
    }
    previous = word;
  });
  return aligned;
}

/** The position of each word's first token, null for a word with no token (cut by truncation, or one the tokenizer drops). */
export function firstTokenOfWords(wordIds: readonly (number | null)[], wordCount: number): (number | null)[] {
  const first = new Array<number | null>(wordCount).fill(null);
  wordIds.forEach((word, position) => {
    if (word !== null && word < wordCount && first[word] === null) first[word] = position;
  });
  return first;
}
