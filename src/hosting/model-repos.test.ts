import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findModelRepos, parseResolvePath, pathInside } from './model-repos.ts';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'model-repos-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function model(...path: string[]): string {
  const folder = join(root, ...path);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'config.json'), '{}');
  return folder;
}

describe('findModelRepos', () => {
  it('serves name/ as "name" and owner/name/ as "owner/name", skipping folders without a config.json', async () => {
    const tiny = model('bert-tiny');
    const owned = model('google', 'electra-small');
    mkdirSync(join(root, 'notes'));
    mkdirSync(join(root, '.cache', 'x'), { recursive: true });
    writeFileSync(join(root, '.cache', 'x', 'config.json'), '{}');
    expect(await findModelRepos(root)).toEqual(
      new Map([
        ['bert-tiny', tiny],
        ['google/electra-small', owned],
      ]),
    );
  });

  it('serves a folder that is itself a model under its own name', async () => {
    const folder = model('my-model');
    expect(await findModelRepos(folder)).toEqual(new Map([['my-model', folder]]));
  });

  it('says where models go when it finds none, and when the folder is missing', async () => {
    mkdirSync(join(root, 'empty'));
    await expect(findModelRepos(root)).rejects.toThrow(/no model in .*\. Put each model in its own folder with its config\.json.*"bert-tiny"/);
    await expect(findModelRepos(join(root, 'missing'))).rejects.toThrow(/--models: .*missing is not a folder/);
  });
});

describe('parseResolvePath', () => {
  const known = (repoId: string) => ['org/model', 'bert-base-uncased'].includes(repoId);

  it('finds the repo and the file, for owner/name and legacy ids, at any revision', () => {
    expect(parseResolvePath('/org/model/resolve/main/onnx/model.onnx', known)).toEqual({ repoId: 'org/model', file: 'onnx/model.onnx' });
    expect(parseResolvePath('/bert-base-uncased/resolve/refs%2Fpr%2F1/vocab.txt', known)).toEqual({ repoId: 'bert-base-uncased', file: 'vocab.txt' });
  });

  it('is null for unknown repos, other paths and malformed escapes', () => {
    expect(parseResolvePath('/org/other/resolve/main/config.json', known)).toBeNull();
    expect(parseResolvePath('/assets/index.js', known)).toBeNull();
    expect(parseResolvePath('/org/model/resolve/main', known)).toBeNull();
    expect(parseResolvePath('/org/model/resolve/main/%E0%A4%A', known)).toBeNull();
  });
});

describe('pathInside', () => {
  it('keeps paths inside the folder and refuses the ones that leave it', () => {
    expect(pathInside('/srv/models/a', 'onnx/model.onnx')).toBe('/srv/models/a/onnx/model.onnx');
    expect(pathInside('/srv/models/a', '../b/config.json')).toBeNull();
    expect(pathInside('/srv/models/a', '/etc/passwd')).toBeNull();
    expect(pathInside('/srv/models/a', '')).toBeNull();
  });
});
