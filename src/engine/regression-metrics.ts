/** Regression metrics computed on the CPU, as scipy.stats and scikit-learn define them. */

export interface RegressionMetrics {
  /** Mean squared error of the predictions (MSELoss). */
  readonly loss: number;
  readonly mse: number;
  readonly pearson: number;
  /** Pearson's r of the ranks, ties sharing their mean rank (scipy.stats.spearmanr). */
  readonly spearman: number;
  readonly examples: number;
}

export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  // A constant input has no correlation; scipy answers nan too.
  return sxx === 0 || syy === 0 ? NaN : sxy / Math.sqrt(sxx * syy);
}

/** 1-based ranks, tied values sharing the mean of their ranks. */
export function ranks(values: ArrayLike<number>): Float64Array {
  const order = Array.from({ length: values.length }, (_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const result = new Float64Array(values.length);
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (end < order.length && values[order[end]!] === values[order[start]!]) end++;
    const mean = (start + 1 + end) / 2;
    for (let i = start; i < end; i++) result[order[i]!] = mean;
    start = end;
  }
  return result;
}

export function regressionMetrics(predictions: ArrayLike<number>, truth: ArrayLike<number>): RegressionMetrics {
  const n = predictions.length;
  if (truth.length !== n) throw new Error(`regressionMetrics: ${n} predictions for ${truth.length} scores`);
  let squared = 0;
  for (let i = 0; i < n; i++) squared += (predictions[i]! - truth[i]!) ** 2;
  const mse = n === 0 ? NaN : squared / n;
  return { loss: mse, mse, pearson: pearson(predictions, truth), spearman: pearson(ranks(predictions), ranks(truth)), examples: n };
}
