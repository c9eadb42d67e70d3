import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initialProgress, parseCheckpoint } from '../engine/checkpoint.ts';
import { defaultSettings } from '../engine/settings.ts';
import { CHECKPOINT_FILE, checkNewFolder, checkWritableFile, RunFolder } from './run-folder.ts';

const work = mkdtempSync(path.join(tmpdir(), 'run-folder-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const at = (...parts: string[]) => path.join(work, ...parts);

describe('the folders train writes', () => {
  it('checks before any work that --out is free and can be made', () => {
    writeFileSync(at('a-file'), 'x');
    mkdirSync(at('taken'));
    expect(() => checkNewFolder(at('new', 'deeper'), '--out')).not.toThrow();
    expect(() => checkNewFolder(at('taken'), '--out')).toThrow(`--out ${at('taken')} already exists; choose a new folder so nothing is overwritten`);
    expect(() => checkNewFolder(at('taken'), '--out', at('taken'))).not.toThrow();
    expect(() => checkNewFolder(at('a-file', 'model'), '--out')).toThrow(`--out ${at('a-file', 'model')}: ${at('a-file')} is a file, so no folder can be made inside it`);
    expect(() => checkWritableFile(at('taken'), '--out')).toThrow(`--out ${at('taken')} is a folder; give a file name`);
    expect(() => checkWritableFile(at('missing', 'preds.jsonl'), '--out')).toThrow(`--out ${at('missing', 'preds.jsonl')}: the folder ${at('missing')} does not exist`);
  });

  it('writes the checkpoint by renaming a complete file into place, and leaves no empty folder behind a failed run', () => {
    const folder = RunFolder.claim(at('run'));
    const checkpoint = {
      modelConfig: {},
      labels: ['a', 'b'],
      settings: defaultSettings,
      progress: { ...initialProgress, step: 3 },
      dataOrder: [],
      history: { steps: [], evals: [] },
      params: new Map([['w', Float32Array.of(1, 2)]]),
      paramShapes: new Map([['w', [2]]]),
      moments: null,
    };
    folder.writeCheckpoint(checkpoint);
    folder.writeFiles(new Map([['onnx/model.onnx', Uint8Array.of(1)], ['config.json', Uint8Array.of(2)]]));
    expect(readdirSync(at('run')).sort()).toEqual(['config.json', 'onnx', CHECKPOINT_FILE]);
    expect(parseCheckpoint(new Uint8Array(readFileSync(folder.checkpointPath))).progress.step).toBe(3);
    folder.abandon();
    expect(readdirSync(work)).toContain('run');

    const failed = RunFolder.claim(at('failed'));
    failed.abandon();
    expect(readdirSync(work)).not.toContain('failed');
  });
});
