/**
 * Splits items into training and validation sets, label by label, so both
 * sets keep the label proportions. The same items, fraction and seed always
 * give the same split, and both sets keep the items' original order.
 *
 * Every label with at least 2 items gets at least one validation item (when
 * the fraction is above 0) and keeps at least one for training; a label with
 * a single item goes to training.
 */
export function stratifiedSplit<T>(
  items: readonly T[],
  labelOf: (item: T) => string,
  validationFraction: number,
  seed: number,
): { train: T[]; validation: T[] } {
  if (!(validationFraction >= 0 && validationFraction < 1)) {
    throw new RangeError(`validationFraction must be at least 0 and below 1, got ${validationFraction}`);
  }
  const indicesByLabel = new Map<string, number[]>();
  items.forEach((item, index) => {
    const label = labelOf(item);
    const indices = indicesByLabel.get(label);
    if (indices === undefined) indicesByLabel.set(label, [index]);
    else indices.push(index);
  });

  const random = mulberry32(seed);
  const inValidation = new Uint8Array(items.length);
  for (const indices of indicesByLabel.values()) {
    const count = validationCount(indices.length, validationFraction);
    // Partial Fisher-Yates: the first `count` positions become a uniform random sample.
    for (let position = 0; position < count; position += 1) {
      const pick = position + Math.floor(random() * (indices.length - position));
      [indices[position], indices[pick]] = [indices[pick], indices[position]];
      inValidation[indices[position]] = 1;
    }
  }

  const train: T[] = [];
  const validation: T[] = [];
  items.forEach((item, index) => (inValidation[index] === 1 ? validation : train).push(item));
  return { train, validation };
}

function validationCount(labelSize: number, validationFraction: number): number {
  if (validationFraction === 0 || labelSize < 2) return 0;
  const proportional = Math.round(labelSize * validationFraction);
  return Math.min(Math.max(proportional, 1), labelSize - 1);
}

/** Small, fast 32-bit seeded generator; kept local so this module has no dependencies. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}
