// `finetune-studio train --data hub:imdb --split train`: a Hub dataset by id from the local
// stand-in Hub (real imdb rows as Hub-style Parquet with ClassLabel metadata), in a separate process.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureBertRepo, TINY_BERT } from '../../e2e/support/fixture-model.ts';
import { classLabelShards } from '../../e2e/support/hub-dataset-fixture.ts';
import { type HubServer, startHubServer } from '../../e2e/support/hub-server.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(repo, 'bin/finetune-studio.mjs');
const imdbCsv = path.resolve(repo, '../shared/data/imdb/train.csv');
const missing = existsSync(imdbCsv) ? null : `${imdbCsv} is absent`;

describe.skipIf(missing !== null)(`train --data hub:<id>${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let hub: HubServer;
  let work: string;
  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'cli-hub-'));
    hub = await startHubServer({
      repos: { 'fixtures/bert-tiny': fixtureBertRepo(TINY_BERT) },
      datasets: {
        imdb: {
          files: {
            'plain_text/train': classLabelShards({ csvPath: imdbCsv, names: ['neg', 'pos'], rows: 1000, rowsPerShard: 500, rowGroupSize: 250 }),
            'plain_text/test': classLabelShards({ csvPath: imdbCsv, names: ['neg', 'pos'], rows: 120 }),
          },
        },
      },
    });
  });
  afterAll(async () => {
    await hub?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const cli = (args: string[]) =>
    new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(process.execPath, [bin, ...args], { cwd: work, env: { ...process.env, HF_ENDPOINT: hub.url }, maxBuffer: 64 << 20 }, (error, _stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stderr });
      });
    });

  it('samples 300 seeded random rows of the train split, validates on the test split, and names the classes', { timeout: 240_000 }, async () => {
    const run = await cli([
      'train', '--model', 'fixtures/bert-tiny', '--data', 'hub:imdb', '--split', 'train', '--eval-split', 'test',
      '--sample-rows', '300', '--sample', 'random', '--epochs', '1', '--batch-size', '32', '--max-length', '32',
      '--backend', 'wasm', '--load-best-model-at-end', '--out', 'tuned',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`read 300 rows of imdb · train from ${hub.url} (text: text; label: label)`);
    expect(run.stderr).toContain(`read 120 rows of imdb · test from ${hub.url}`);
    expect(run.stderr).toContain('data: 300 training rows, 120 validation rows, labels neg, pos');
    // Only byte ranges of the Parquet files were asked for, never a whole file by its plain URL.
    expect(hub.requests.filter((r) => r.includes('/resolve/refs%2Fconvert%2Fparquet/')).length).toBeGreaterThan(2);
    const config = JSON.parse(readFileSync(path.join(work, 'tuned/config.json'), 'utf8')) as { id2label: Record<string, string> };
    expect(config.id2label).toEqual({ 0: 'neg', 1: 'pos' });
    expect(readFileSync(path.join(work, 'tuned/README.md'), 'utf8')).toContain('imdb · train');
  });

  it('refuses the Hub flags for a file, and a split the dataset lacks', async () => {
    expect((await cli(['train', '--model', 'm', '--data', 'x.csv', '--split', 'train', '--out', 'o'])).stderr).toContain('--split is for Hub datasets (--data hub:<id>); --data x.csv is a file');
    const wrong = await cli(['train', '--model', 'fixtures/bert-tiny', '--data', 'hub:imdb', '--split', 'validation', '--out', 'o2']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('error: dataset "imdb" (plain_text) has no split "validation"; it has train, test.');
  });
});
