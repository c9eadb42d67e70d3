/**
 * How the optimizer's flat state is laid out on a GPU: parameters grouped into a few chunks,
 * each one contiguous run of float32 values holding whole parameters one after another. A
 * chunk is what one AdamW kernel launch updates, so the launches per step grow with the
 * model's bytes, not with its number of tensors (a BERT-base has ~200). Chunks never mix
 * decayed and non-decayed parameters (Trainer's two parameter groups), so a chunk's weight
 * decay is one number.
 */
export interface ChunkEntry {
  readonly name: string;
  /** Offset of the parameter's first value within the chunk, in elements. */
  readonly offset: number;
  readonly size: number;
}

export interface ParamChunk {
  readonly decay: boolean;
  /** Elements in the chunk: the sum of its entries' sizes. */
  readonly size: number;
  readonly entries: readonly ChunkEntry[];
  /** A sparse table's chunk (its one entry): the width of a row. */
  readonly rowWidth?: number;
}

export interface ChunkedParam {
  readonly name: string;
  readonly size: number;
  /** Set for an embedding table updated from its gathered rows: it always gets a chunk of its own. */
  readonly rowWidth?: number;
}

/**
 * The chunk size for a model of `totalElements` values: a 20th of the model, so the two scratch
 * buffers a chunk needs take a tenth of the model's bytes, and a pass over the model launches
 * at most ~41 kernels whatever its size (at most 20 parameters can be that large, and the rest
 * pack into ~21 chunks). Capped by what the device binds at once.
 */
export function chunkElementsFor(totalElements: number, maxBindingBytes: number): number {
  return Math.max(1, Math.min(Math.ceil(totalElements / 20), Math.floor(maxBindingBytes / 4)));
}

/**
 * Packs parameters, in their order, into chunks of at most `maxChunkElements` values; a
 * parameter larger than that, or a sparse table, gets a chunk of its own. Decayed parameters
 * come first.
 */
export function chunkParams(params: readonly ChunkedParam[], decays: (name: string) => boolean, maxChunkElements: number): ParamChunk[] {
  if (!(Number.isInteger(maxChunkElements) && maxChunkElements > 0)) throw new RangeError(`chunk size must be a positive whole number, got ${maxChunkElements}`);
  const chunks: ParamChunk[] = [];
  for (const decay of [true, false]) {
    let entries: ChunkEntry[] = [];
    let size = 0;
    const close = () => {
      if (entries.length > 0) chunks.push({ decay, size, entries });
      entries = [];
      size = 0;
    };
    for (const p of params) {
      if (decays(p.name) !== decay) continue;
      if (!(Number.isInteger(p.size) && p.size > 0)) throw new RangeError(`parameter ${p.name} has ${p.size} elements`);
      if (p.rowWidth !== undefined) {
        chunks.push({ decay, size: p.size, entries: [{ name: p.name, offset: 0, size: p.size }], rowWidth: p.rowWidth });
        continue;
      }
      if (size > 0 && size + p.size > maxChunkElements) close();
      entries.push({ name: p.name, offset: size, size: p.size });
      size += p.size;
      if (size >= maxChunkElements) close();
    }
    close();
  }
  return chunks;
}
