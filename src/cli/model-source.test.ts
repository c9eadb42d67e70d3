import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultHubHttpPolicy } from '../hub/hub-client.ts';
import { hubHttpPolicy, looksLikePath, modelLocation } from './model-source.ts';

const work = mkdtempSync(path.join(tmpdir(), 'model-source-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('where --model points', () => {
  it('treats a path-looking argument as a folder, never as a Hub id', () => {
    for (const spec of ['./tiny', '../models/tiny', '/opt/models/tiny', '~/tiny', 'models\\tiny', 'a/b/c', '.', '..']) expect(looksLikePath(spec), spec).toBe(true);
    for (const spec of ['bert-base-uncased', 'google-bert/bert-base-uncased', 'prajjwal1/bert-tiny']) expect(looksLikePath(spec), spec).toBe(false);
  });

  it('says "no such folder" for a mistyped folder, naming what its parent holds', () => {
    mkdirSync(path.join(work, 'models', 'tiny'), { recursive: true });
    mkdirSync(path.join(work, 'models', 'base'));
    writeFileSync(path.join(work, 'models', 'notes.txt'), '');
    const typo = path.join(work, 'models', 'tinny');
    expect(() => modelLocation(typo)).toThrow(
      `--model ${typo}: no such folder (${path.join(work, 'models')}/ has: base, tiny). Give the folder that holds config.json, or a Hub id such as "google-bert/bert-base-uncased".`,
    );
    expect(modelLocation(path.join(work, 'models', 'tiny'))).toEqual({ kind: 'folder', path: path.join(work, 'models', 'tiny') });
    expect(() => modelLocation(path.join(work, 'models', 'notes.txt'))).toThrow(/is a file; give the folder that holds config.json/);
    expect(modelLocation('google-bert/bert-base-uncased')).toEqual({ kind: 'hub', id: 'google-bert/bert-base-uncased' });
  });

  it('takes the Hub timeouts from HF_HUB_DOWNLOAD_TIMEOUT, as huggingface_hub does', () => {
    expect(hubHttpPolicy({})).toEqual(defaultHubHttpPolicy);
    expect(hubHttpPolicy({ HF_HUB_DOWNLOAD_TIMEOUT: '2.5' })).toEqual({ ...defaultHubHttpPolicy, connectTimeoutMs: 2500, idleTimeoutMs: 2500 });
    expect(() => hubHttpPolicy({ HF_HUB_DOWNLOAD_TIMEOUT: 'soon' })).toThrow('HF_HUB_DOWNLOAD_TIMEOUT must be a number of seconds above 0, got "soon"');
  });
});
