/** Finds a model for the CLI: a local folder when the path exists, otherwise a Hub id. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fetchModelFiles } from '../hub/hub-client.ts';
import { modelFilesFromFileList } from '../hub/local-folder.ts';
import type { ModelFiles } from '../hub/model-files.ts';

function listFiles(root: string, dir = root): { name: string; bytes(): Promise<Uint8Array> }[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name.startsWith('.') ? [] : listFiles(root, full);
    return [{ name: path.relative(root, full).split(path.sep).join('/'), bytes: async () => new Uint8Array(readFileSync(full)) }];
  });
}

export async function loadModelFiles(spec: string, log: (line: string) => void): Promise<ModelFiles> {
  if (existsSync(spec)) {
    if (!statSync(spec).isDirectory()) throw new Error(`--model ${spec} is a file; give the folder that holds config.json`);
    return modelFilesFromFileList(listFiles(spec));
  }
  if (spec.startsWith('.') || spec.startsWith('/') || spec.includes('\\')) throw new Error(`--model ${spec}: no such folder`);
  const endpoint = process.env.HF_ENDPOINT ?? 'https://huggingface.co';
  log(`downloading ${spec} from ${endpoint}`);
  let lastFile = '';
  return fetchModelFiles(spec, {
    endpoint,
    onProgress: (p) => {
      if (p.file !== lastFile) {
        lastFile = p.file;
        log(`  ${p.file}${p.total ? ` (${(p.total / 1e6).toFixed(1)} MB)` : ''}`);
      }
    },
  });
}
