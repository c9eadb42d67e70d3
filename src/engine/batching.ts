/**
 * Turning tokenized rows into padded batches. Each batch is padded only to a bucketed
 * length of its longest row: short batches run fast, and the few bucket sizes keep WebGPU
 * from compiling kernels for every new sequence length.
 */
import { Rng } from './random.ts';
import type { Target, TargetLayout } from './tasks/task.ts';

export interface TokenizedExample {
  readonly inputIds: Int32Array;
  /** null for architectures without token types (RoBERTa, DistilBERT) or single-text rows. */
  readonly tokenTypeIds: Int32Array | null;
  /** What the loss compares the logits with, as the task encodes it (tasks/task.ts). */
  readonly target: Target;
}

/** The target of a row without a label (predict, try-it): its labels input holds the pad value. */
export const NO_TARGET: Target = new Int32Array(0);

export interface PaddedBatch {
  readonly size: number;
  readonly seq: number;
  readonly inputIds: Int32Array;
  readonly positionIds: Int32Array;
  readonly tokenTypeIds: Int32Array;
  readonly attentionMask: Int32Array;
  /** The rows' targets in the task's layout: [size], [size, labels] or [size, seq]. */
  readonly labels: Target;
  readonly labelDims: readonly number[];
}

const BUCKETS = [16, 32, 64, 128, 256, 512];

export function bucketLength(longest: number, maxLength: number): number {
  const bucket = BUCKETS.find((b) => b >= longest) ?? longest;
  return Math.max(1, Math.min(bucket, maxLength));
}

export interface PaddingRules {
  readonly padTokenId: number;
  readonly maxLength: number;
  /** Position ids for one padded row, as the architecture defines them. */
  readonly positionIds: (ids: Int32Array, seq: number) => Int32Array;
  readonly target: TargetLayout;
  /** Values per row of a target laid out per label. */
  readonly numLabels: number;
}

export function padBatch(rows: readonly TokenizedExample[], rules: PaddingRules): PaddedBatch {
  const longest = rows.reduce((m, r) => Math.max(m, r.inputIds.length), 1);
  if (longest > rules.maxLength) throw new Error(`a row has ${longest} tokens, more than max length ${rules.maxLength}`);
  const seq = bucketLength(longest, rules.maxLength);
  const n = rows.length;
  const inputIds = new Int32Array(n * seq);
  const positionIds = new Int32Array(n * seq);
  const tokenTypeIds = new Int32Array(n * seq);
  const attentionMask = new Int32Array(n * seq);
  const { labels, labelDims, width } = targetBuffer(rules, n, seq);
  rows.forEach((row, r) => {
    const ids = new Int32Array(seq).fill(rules.padTokenId);
    ids.set(row.inputIds);
    const positions = rules.positionIds(ids, seq);
    for (let s = 0; s < seq; s++) {
      const at = r * seq + s;
      inputIds[at] = ids[s]!;
      positionIds[at] = positions[s]!;
      if (s < row.inputIds.length) {
        attentionMask[at] = 1;
        tokenTypeIds[at] = row.tokenTypeIds?.[s] ?? 0;
      }
    }
    if (row.target.length === 0) return;
    if (rules.target.per === 'token' ? row.target.length > seq : row.target.length !== width) {
      throw new Error(`row ${r + 1} of the batch has ${row.target.length} target values, expected ${rules.target.per === 'token' ? `at most ${seq}` : width}`);
    }
    labels.set(row.target, r * width);
  });
  return { size: n, seq, inputIds, positionIds, tokenTypeIds, attentionMask, labels, labelDims };
}

function targetBuffer(rules: PaddingRules, rows: number, seq: number): { labels: Target; labelDims: number[]; width: number } {
  const { target } = rules;
  const width = target.per === 'row' ? 1 : target.per === 'label' ? rules.numLabels : seq;
  const labels = target.dtype === 'int32' ? new Int32Array(rows * width) : new Float32Array(rows * width);
  labels.fill(target.pad);
  return { labels, labelDims: target.per === 'row' ? [rows] : [rows, width], width };
}

/** The epoch's shuffled row order, a pure function of (seed, epoch) so a resumed run reshuffles identically. */
export function epochOrder(rows: number, seed: number, epoch: number): number[] {
  return Array.from(new Rng(seed * 1_000_003 + epoch).permutation(rows));
}

/** Indices grouped into batches of rows with similar length, for evaluation (order does not matter there). */
export function lengthSortedBatches(rows: readonly TokenizedExample[], batchSize: number): number[][] {
  const order = rows.map((_, i) => i).sort((a, b) => rows[a]!.inputIds.length - rows[b]!.inputIds.length);
  const batches: number[][] = [];
  for (let i = 0; i < order.length; i += batchSize) batches.push(order.slice(i, i + batchSize));
  return batches;
}
