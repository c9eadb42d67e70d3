/** A fine-tuned model's classification head and a new label set: what happens to the head, in words. */

/**
 * What happens to the head of `name`, fine-tuned for `known`, on data with `labels`; null when
 * they are the same labels in the same order. Said in the CLI log and on the Model screen.
 */
export function headFitNote(name: string, known: readonly string[], labels: readonly string[]): string | null {
  const sameNames = known.length === labels.length && labels.every((l) => known.includes(l));
  if (sameNames && known.every((l, i) => l === labels[i])) return null;
  const list = (names: readonly string[]) => `${names.length} label${names.length === 1 ? '' : 's'} (${names.join(', ')})`;
  if (sameNames) return `${name} was fine-tuned for these ${list(known)}: its classification head is kept, its outputs matched to the data's labels by name.`;
  return (
    `${name} was fine-tuned for ${list(known)}, and this data has ${list(labels)}: ` +
    (known.length === labels.length
      ? 'its head has as many outputs as the data has labels, so it is kept, its outputs now standing for the new labels, as from_pretrained does.'
      : 'a new classification head is trained for them, as from_pretrained(..., ignore_mismatched_sizes=True) does.')
  );
}
