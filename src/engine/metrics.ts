/** Classification metrics computed on the CPU from logits, as scikit-learn defines them. */

export interface ClassMetrics {
  readonly label: string;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly support: number;
}

export interface ClassificationMetrics {
  readonly loss: number;
  readonly accuracy: number;
  readonly macroF1: number;
  readonly perClass: ClassMetrics[];
  /** confusion[true][predicted] */
  readonly confusion: number[][];
  readonly examples: number;
}

export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

/** Softmax probabilities in float64, stable for large logits. */
export function softmax(row: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) max = Math.max(max, row[i]!);
  const exps = Array.from(row, (x) => Math.exp(x - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/** −log softmax(row)[label], in float64. */
export function crossEntropyOf(row: ArrayLike<number>, label: number): number {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) max = Math.max(max, row[i]!);
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += Math.exp(row[i]! - max);
  return Math.log(sum) + max - row[label]!;
}

/** `logits` holds one row of length labels.length per example, in order. */
export function classificationMetrics(logits: Float32Array, labelIds: ArrayLike<number>, labels: readonly string[]): ClassificationMetrics {
  const k = labels.length;
  const n = labelIds.length;
  if (logits.length !== n * k) throw new Error(`classificationMetrics: ${logits.length} logits for ${n} examples × ${k} labels`);
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let lossSum = 0;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const row = logits.subarray(i * k, (i + 1) * k);
    const truth = labelIds[i]!;
    const predicted = argmax(row);
    confusion[truth]![predicted]! += 1;
    if (predicted === truth) correct += 1;
    lossSum += crossEntropyOf(row, truth);
  }
  const perClass = labels.map((label, c) => {
    const tp = confusion[c]![c]!;
    const support = confusion[c]!.reduce((a, b) => a + b, 0);
    const predictedCount = confusion.reduce((a, row) => a + row[c]!, 0);
    // scikit-learn's zero_division=0 convention for classes never predicted or never present.
    const precision = predictedCount === 0 ? 0 : tp / predictedCount;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { label, precision, recall, f1, support };
  });
  return {
    loss: n === 0 ? NaN : lossSum / n,
    accuracy: n === 0 ? NaN : correct / n,
    macroF1: perClass.reduce((a, c) => a + c.f1, 0) / Math.max(1, k),
    perClass,
    confusion,
    examples: n,
  };
}
