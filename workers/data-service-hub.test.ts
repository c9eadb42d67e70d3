// The data worker's side of Hub datasets, in Node against the stand-in Hub: look up, load a sampled
// split and a validation split, and a download cut mid-way that leaves the loaded dataset as it was.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classLabelShards } from '../e2e/support/hub-dataset-fixture.ts';
import { type HubServer, type SimulatedFailure, startHubServer } from '../e2e/support/hub-server.ts';
import { HubError } from '../src/hub/hub-error.ts';
import { createTokenizer } from '../src/tokenize/tokenizer.ts';
import { DataService } from './data-service.ts';
import type { DataReply, HubAccess } from './protocol.ts';

const imdbCsv = fileURLToPath(new URL('../../shared/data/imdb/train.csv', import.meta.url));
const missing = existsSync(imdbCsv) ? null : `${imdbCsv} is absent`;

describe.skipIf(missing !== null)(`DataService with a Hub dataset${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let hub: HubServer;
  const failures: Record<string, SimulatedFailure> = {};
  beforeAll(async () => {
    hub = await startHubServer({
      repos: {},
      failures,
      datasets: {
        imdb: {
          files: {
            'plain_text/train': classLabelShards({ csvPath: imdbCsv, names: ['neg', 'pos'], rows: 1000, rowsPerShard: 500, rowGroupSize: 250 }),
            'plain_text/test': classLabelShards({ csvPath: imdbCsv, names: ['neg', 'pos'], rows: 150 }),
          },
        },
      },
    });
  });
  afterAll(() => hub?.close());

  it('looks up, loads 300 random rows of train with test as validation, and keeps them when a download breaks', async () => {
    const replies: DataReply[] = [];
    const service = new DataService({ send: (r) => replies.push(r), createTokenizer, configure: async () => undefined, fetch: (input, init) => fetch(input, init), now: () => 0 });
    const last = <T extends DataReply['type']>(type: T) => replies.filter((r): r is Extract<DataReply, { type: T }> => r.type === type).at(-1);
    const access: HubAccess = { endpoint: hub.url, token: null };
    await service.handle({ type: 'hub-dataset-lookup', id: 'imdb', config: null, access });
    const info = last('hub-dataset-info')!.info;
    expect(info).toMatchObject({ id: 'imdb', configs: ['plain_text'], guess: { text: 'text', label: 'label' } });
    expect(info.config.splits).toEqual([
      { name: 'train', rows: 1000, shards: 2 },
      { name: 'test', rows: 150, shards: 1 },
    ]);

    const source = { kind: 'hub', id: 'imdb', config: 'plain_text', sample: { kind: 'random', rows: 300, seed: 42 }, mapping: info.guess, access } as const;
    await service.handle({ type: 'load-dataset', role: 'main', source: { ...source, split: 'train' } });
    await service.handle({ type: 'load-dataset', role: 'validation', source: { ...source, split: 'test', mapping: null } });
    const summary = last('dataset')!.summary;
    expect(summary).toMatchObject({ fileName: 'imdb · train', rowCount: 300, columns: ['text', 'label'], labels: ['neg', 'pos'], validationFile: { fileName: 'imdb · test', rowCount: 150 } });
    expect(replies.some((r) => r.type === 'dataset-progress' && r.fileName === 'imdb · train' && r.phase === 'reading')).toBe(true);

    failures['datasets/imdb/plain_text/train/0001.parquet'] = 'drop';
    const error = await service.handle({ type: 'load-dataset', role: 'main', source: { ...source, split: 'train', sample: { kind: 'all' } } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubError);
    expect((error as Error).message).toContain('stopped after');
    expect(service.summary()).toEqual(summary);
  });
});
