import { describe, expect, it } from 'vitest';
import { parseModelConfig } from '../models/config.ts';
import { classifierParamSpecs } from '../models/params.ts';
import { decaysParameter } from './adamw.ts';
import { chunkElementsFor, chunkParams } from './param-chunks.ts';

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

describe('chunkParams', () => {
  it('packs whole parameters in order, decayed first, and gives an oversized parameter a chunk of its own', () => {
    const params = [
      { name: 'emb.weight', size: 50 },
      { name: 'a.weight', size: 6 },
      { name: 'a.bias', size: 2 },
      { name: 'b.weight', size: 6 },
      { name: 'b.bias', size: 2 },
      { name: 'c.weight', size: 3 },
    ];
    const chunks = chunkParams(params, decaysParameter, 10);
    expect(chunks).toEqual([
      { decay: true, size: 50, entries: [{ name: 'emb.weight', offset: 0, size: 50 }] },
      { decay: true, size: 6, entries: [{ name: 'a.weight', offset: 0, size: 6 }] },
      {
        decay: true,
        size: 9,
        entries: [
          { name: 'b.weight', offset: 0, size: 6 },
          { name: 'c.weight', offset: 6, size: 3 },
        ],
      },
      {
        decay: false,
        size: 4,
        entries: [
          { name: 'a.bias', offset: 0, size: 2 },
          { name: 'b.bias', offset: 2, size: 2 },
        ],
      },
    ]);
  });

  it('covers every parameter of a BERT classifier exactly once, contiguously, in a handful of chunks', () => {
    const config = parseModelConfig({ model_type: 'bert', hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12, intermediate_size: 3072, vocab_size: 30522 });
    const specs = classifierParamSpecs(config, 2);
    const sized = specs.map((s) => ({ name: s.name, size: sizeOf(s.shape) }));
    const total = sized.reduce((n, p) => n + p.size, 0);
    const chunks = chunkParams(sized, decaysParameter, chunkElementsFor(total, 2 ** 30));
    const seen = chunks.flatMap((c) => c.entries.map((e) => e.name));
    expect([...seen].sort()).toEqual(specs.map((s) => s.name).sort());
    for (const chunk of chunks) {
      let offset = 0;
      for (const e of chunk.entries) {
        expect(e.offset).toBe(offset);
        expect(decaysParameter(e.name)).toBe(chunk.decay);
        offset += e.size;
      }
      expect(chunk.size).toBe(offset);
    }
    // ~110M values in chunks of a 20th: far fewer launches than ~200 tensors.
    expect(chunks.length).toBeLessThanOrEqual(26);
    expect(chunks.length).toBeGreaterThan(15);
  });

  it('gives a sparse table a chunk of its own, with its row width', () => {
    const chunks = chunkParams(
      [
        { name: 'a.weight', size: 2 },
        { name: 'emb.weight', size: 6, rowWidth: 3 },
        { name: 'b.weight', size: 2 },
      ],
      decaysParameter,
      100,
    );
    expect(chunks).toEqual([
      { decay: true, size: 6, entries: [{ name: 'emb.weight', offset: 0, size: 6 }], rowWidth: 3 },
      {
        decay: true,
        size: 4,
        entries: [
          { name: 'a.weight', offset: 0, size: 2 },
          { name: 'b.weight', offset: 2, size: 2 },
        ],
      },
    ]);
  });

  it('sizes chunks at a 20th of the model, within what the device binds', () => {
    expect(chunkElementsFor(120_000_000, 2 ** 30)).toBe(6_000_000);
    expect(chunkElementsFor(120_000_000, 2 ** 21)).toBe(2 ** 19);
  });

  it('refuses a chunk size that is not a positive whole number', () => {
    expect(() => chunkParams([], decaysParameter, 0)).toThrow(/positive whole number/);
  });
});
