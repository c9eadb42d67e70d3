/**
 * Logits for tokenized rows with dropout off: the evaluation graph behind the trainer's
 * per-epoch metrics, `finetune-studio predict`/`eval`, and the studio's try-it box.
 * It takes the parameter tensors per call, so a trainer can pass its device-resident ones.
 */
import { compileEvalStep, io } from './artifacts.ts';
import { lengthSortedBatches, padBatch, type PaddedBatch, type PaddingRules, type TokenizedExample } from './batching.ts';
import type { EncoderConfig } from './models/config.ts';
import type { AnyTask } from './tasks/index.ts';
import type { LoraAdapter } from './models/fine-tune-method.ts';
import { positionIdsFor } from './models/positions.ts';
import { type Backend, readFloat32, type RuntimeSession, type RuntimeTensor, sessionOptions } from './runtime.ts';

export class Predictor {
  private constructor(
    private readonly backend: Backend,
    private readonly config: EncoderConfig,
    private readonly numLabels: number,
    private readonly task: AnyTask,
    private readonly session: RuntimeSession,
  ) {}

  /** `adapters`: a LoRA run's, whose weights are fed beside the base model's until export merges them. */
  static async create(backend: Backend, config: EncoderConfig, numLabels: number, task: AnyTask, adapters: readonly LoraAdapter[] = []): Promise<Predictor> {
    const session = await backend.ort.InferenceSession.create(compileEvalStep(config, numLabels, task, adapters), sessionOptions(backend, []));
    return new Predictor(backend, config, numLabels, task, session);
  }

  paddingRules(maxLength: number): PaddingRules {
    return {
      padTokenId: this.config.padTokenId,
      maxLength,
      positionIds: (ids, seq) => positionIdsFor(this.config, ids, 1, seq),
      target: this.task.target,
      numLabels: this.numLabels,
    };
  }

  /** Uploads CPU weights once, for callers that hold them as arrays (predict, eval). */
  upload(params: ReadonlyMap<string, Float32Array>, shapes: ReadonlyMap<string, readonly number[]>): Map<string, RuntimeTensor> {
    const { Tensor } = this.backend.ort;
    return new Map([...params].map(([name, data]) => [name, new Tensor('float32', data, shapes.get(name) ?? [data.length])] as const));
  }

  /** The tensors a batch feeds, shared by training and evaluation graphs. */
  batchFeeds(batch: PaddedBatch): Record<string, RuntimeTensor> {
    const { Tensor } = this.backend.ort;
    const dims = [batch.size, batch.seq];
    const feeds: Record<string, RuntimeTensor> = {
      [io.inputIds]: new Tensor('int32', batch.inputIds, dims),
      [io.positionIds]: new Tensor('int32', batch.positionIds, dims),
      [io.attentionMask]: new Tensor('int32', batch.attentionMask, dims),
      [io.labels]: batch.labels instanceof Int32Array ? new Tensor('int32', batch.labels, [...batch.labelDims]) : new Tensor('float32', batch.labels, [...batch.labelDims]),
    };
    if (this.config.typeVocabSize > 0) feeds[io.tokenTypeIds] = new Tensor('int32', batch.tokenTypeIds, dims);
    return feeds;
  }

  /**
   * Row-major logits in the order of `rows`: numLabels per row for a sequence head; for a token
   * head numLabels per token of each row, its padding left out.
   */
  async logits(rows: readonly TokenizedExample[], params: ReadonlyMap<string, RuntimeTensor>, options: { maxLength: number; batchSize: number }): Promise<Float32Array> {
    const k = this.numLabels;
    const perToken = this.task.head === 'token-classification';
    const offsets = new Int32Array(rows.length + 1);
    rows.forEach((row, r) => (offsets[r + 1] = offsets[r]! + (perToken ? row.inputIds.length : 1)));
    const result = new Float32Array(offsets[rows.length]! * k);
    const rules = this.paddingRules(options.maxLength);
    for (const indices of lengthSortedBatches(rows, options.batchSize)) {
      const batch = padBatch(indices.map((i) => rows[i]!), rules);
      const out = await this.session.run(pickFeeds(this.session, { ...this.batchFeeds(batch), ...Object.fromEntries(params) }));
      const logits = await readFloat32(out[io.logits]!);
      const stride = perToken ? batch.seq * k : k;
      indices.forEach((row, j) => result.set(logits.subarray(j * stride, j * stride + (offsets[row + 1]! - offsets[row]!) * k), offsets[row]! * k));
      for (const t of Object.values(out)) t.dispose();
    }
    return result;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** Exactly the feeds a session declares, so one feed record can serve graphs with fewer inputs. */
export function pickFeeds(session: RuntimeSession, feeds: Record<string, RuntimeTensor>): Record<string, RuntimeTensor> {
  const picked: Record<string, RuntimeTensor> = {};
  for (const name of session.inputNames) {
    const t = feeds[name];
    if (!t) throw new Error(`no feed for graph input ${name}`);
    picked[name] = t;
  }
  return picked;
}
