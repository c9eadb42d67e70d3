import { describe, expect, it } from 'vitest';
import { startingPoint } from '../src/engine/pretrained.ts';
import { defaultSettings } from '../src/engine/settings.ts';
import { packRows } from './packed-rows.ts';
import { type BlobStore, SavedRun, type SavedSession } from './saved-run.ts';

/** OPFS and IndexedDB behave alike for SavedRun: named byte files. */
function memoryStore(): BlobStore & { files: Map<string, Uint8Array> } {
  const files = new Map<string, Uint8Array>();
  return {
    kind: 'opfs',
    files,
    read: async (name) => files.get(name)?.slice() ?? null,
    write: async (name, bytes) => void files.set(name, bytes.slice()),
    remove: async (name) => void files.delete(name),
  };
}

const configJson = { model_type: 'bert', vocab_size: 30, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 16, max_position_embeddings: 16 };
const checkpoint = startingPoint({ name: 'scratch', configJson, weights: new Map() }, ['a', 'b'], defaultSettings).checkpoint;
const taskFields = {
  task: { id: 'regression', guess: { id: 'regression', reason: 'every label is a number and some have decimals (such as "3.8")' }, chosen: false, labelOptions: { labelSeparator: ';' } },
  tagged: false,
  tagNames: null,
  trainRows: 3,
  validationRows: 1,
  scores: { min: 0, max: 5, mean: 2.5, bins: [] },
  entities: null,
} as const;
/** What a summary saved before tasks has; its counts are single-label rows per label. */
const pretaskDataset = { fileName: 'd.csv', labels: ['a', 'b'], trainCounts: [2, 1], validationCounts: [1, 0] };
const session = {
  dataset: { ...pretaskDataset, ...taskFields },
  validationTexts: ['hello'],
  tokenizer: { tokenizerJson: {}, tokenizerConfig: {}, specialTokensMap: {} },
} as unknown as SavedSession;
const rows = { train: packRows([{ inputIds: Int32Array.of(1, 2), tokenTypeIds: null, target: Int32Array.of(1) }]), validation: packRows([]) };
const info = { modelName: 'm', datasetName: 'd.csv', step: 0, totalSteps: 10, epochsDone: 0, epochs: 3, state: 'paused' as const };

describe('SavedRun', () => {
  it('offers nothing until the first checkpoint is saved', async () => {
    const saved = new SavedRun(memoryStore());
    await saved.begin(session, rows);
    expect(await saved.info()).toBeNull();
    expect(await saved.load()).toBeNull();
  });

  it('gives back the session, the rows and the checkpoint as saved', async () => {
    const saved = new SavedRun(memoryStore());
    await saved.begin(session, rows);
    const written = await saved.save(checkpoint, info, new Date('2025-01-02T03:04:05Z'));
    expect(written).toEqual({ ...info, savedAt: '2025-01-02T03:04:05.000Z', storage: 'opfs' });
    expect(await saved.info()).toEqual(written);
    const loaded = (await saved.load())!;
    expect(loaded.session).toEqual(session);
    expect(loaded.rows).toEqual(rows);
    expect(loaded.checkpoint.labels).toEqual(['a', 'b']);
    expect([...loaded.checkpoint.params.keys()]).toEqual([...checkpoint.params.keys()].sort());
  });

  it('reads a run saved before the studio had tasks as single-label, its rows its label counts summed', async () => {
    const saved = new SavedRun(memoryStore());
    await saved.begin({ ...session, dataset: pretaskDataset } as unknown as SavedSession, rows);
    await saved.save(checkpoint, info);
    const { dataset } = (await saved.load())!.session;
    expect(dataset).toMatchObject({ task: { id: 'single-label', chosen: false, labelOptions: { labelSeparator: ';' } }, tagged: false, trainRows: 3, validationRows: 1, scores: null, entities: null });
  });

  it('forgets the old run when a new one begins, and on discard', async () => {
    const store = memoryStore();
    const saved = new SavedRun(store);
    await saved.begin(session, rows);
    await saved.save(checkpoint, info);
    await saved.begin(session, rows);
    expect(await saved.info()).toBeNull();
    await saved.save(checkpoint, info);
    await saved.discard();
    expect(store.files.size).toBe(0);
  });

  it('keeps the previous checkpoint, and the info describing it, when the tab dies while the next one is written', async () => {
    const store = memoryStore();
    const saved = new SavedRun(store);
    await saved.begin(session, rows);
    await saved.save({ ...checkpoint, progress: { ...checkpoint.progress, step: 4 } }, { ...info, step: 4 });
    // The next save dies after writing its checkpoint file, before the info that would name it.
    const dying = new SavedRun({ ...store, write: async (name, bytes) => (name === 'run.json' ? Promise.reject(new Error('tab closed')) : store.write(name, bytes)) });
    await expect(dying.save({ ...checkpoint, progress: { ...checkpoint.progress, step: 6 } }, { ...info, step: 6 })).rejects.toThrow('tab closed');
    expect((await saved.info())!.step).toBe(4);
    expect((await saved.load())!.checkpoint.progress.step).toBe(4);
    await saved.save({ ...checkpoint, progress: { ...checkpoint.progress, step: 8 } }, { ...info, step: 8 });
    expect((await saved.load())!.checkpoint.progress.step).toBe(8);
  });

  it('says so when the browser dropped part of the run', async () => {
    const store = memoryStore();
    const saved = new SavedRun(store);
    await saved.begin(session, rows);
    await saved.save(checkpoint, info);
    store.files.delete('rows.bin');
    await expect(saved.load()).rejects.toThrow(/incomplete/);
  });
});
