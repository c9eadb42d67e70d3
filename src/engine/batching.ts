/**
 * Turning tokenized rows into padded batches. Each batch is padded only to a bucketed
 * length of its longest row: short batches run fast, and the few bucket sizes keep WebGPU
 * from compiling kernels for every new sequence length.
 */
import { Rng } from './random.ts';

export interface TokenizedExample {
  readonly inputIds: Int32Array;
  /** null for architectures without token types (RoBERTa, DistilBERT) or single-text rows. */
  readonly tokenTypeIds: Int32Array | null;
  readonly label: number;
}

export interface PaddedBatch {
  readonly size: number;
  readonly seq: number;
  readonly inputIds: Int32Array;
  readonly positionIds: Int32Array;
  readonly tokenTypeIds: Int32Array;
  readonly attentionMask: Int32Array;
  readonly labels: Int32Array;
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
  const labels = new Int32Array(n);
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
    labels[r] = row.label;
  });
  return { size: n, seq, inputIds, positionIds, tokenTypeIds, attentionMask, labels };
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
