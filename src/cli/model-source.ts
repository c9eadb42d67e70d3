/**
 * Finds a model for the CLI: a local folder when one of that name exists, otherwise a Hub id.
 * An argument that looks like a path is never sent to the Hub: a mistyped folder gets "no such
 * folder" (naming what its parent folder holds), not a Hub lookup of "models/tinny".
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { defaultHubHttpPolicy, fetchModelFiles, type HubHttpPolicy } from '../hub/hub-client.ts';
import { modelFilesFromFileList } from '../hub/local-folder.ts';
import type { ModelFiles } from '../hub/model-files.ts';

function listFiles(root: string, dir = root): { name: string; bytes(): Promise<Uint8Array> }[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name.startsWith('.') ? [] : listFiles(root, full);
    return [{ name: path.relative(root, full).split(path.sep).join('/'), bytes: async () => new Uint8Array(readFileSync(full)) }];
  });
}

/**
 * Whether `spec` names a local path rather than a Hub id: it starts like a path (./, ../, /, ~),
 * has a backslash or more than one "/", or its first part is a file or folder here.
 */
export function looksLikePath(spec: string): boolean {
  if (/^(\.{1,2}|~)?[/\\]/.test(spec) || spec === '.' || spec === '..' || spec.includes('\\')) return true;
  const parts = spec.split('/');
  return parts.length > 2 || (parts.length === 2 && existsSync(parts[0]!));
}

/** Where the model is: a folder that exists, a Hub id, or an error that says which folder is missing. */
export function modelLocation(spec: string): { kind: 'folder'; path: string } | { kind: 'hub'; id: string } {
  if (existsSync(spec)) {
    if (!statSync(spec).isDirectory()) throw new Error(`--model ${spec} is a file; give the folder that holds config.json`);
    return { kind: 'folder', path: spec };
  }
  if (looksLikePath(spec)) throw new Error(`--model ${spec}: no such folder${nearbyFolders(spec)}. Give the folder that holds config.json, or a Hub id such as "google-bert/bert-base-uncased".`);
  return { kind: 'hub', id: spec };
}

/** " (models/ has: tiny, base)" when the parent folder exists, to show the likely typo. */
function nearbyFolders(spec: string): string {
  const parent = path.dirname(spec);
  if (!existsSync(parent) || !statSync(parent).isDirectory()) return '';
  const folders = readdirSync(parent, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .sort();
  if (folders.length === 0) return ` (${parent}/ has no folders)`;
  const shown = folders.slice(0, 12).join(', ');
  return ` (${parent}/ has: ${shown}${folders.length > 12 ? ', …' : ''})`;
}

/** The Hub's timeouts, from huggingface_hub's own HF_HUB_DOWNLOAD_TIMEOUT (seconds) when set. */
export function hubHttpPolicy(env: NodeJS.ProcessEnv): HubHttpPolicy {
  const raw = env.HF_HUB_DOWNLOAD_TIMEOUT;
  if (raw === undefined || raw === '') return defaultHubHttpPolicy;
  const seconds = Number(raw);
  if (!(seconds > 0)) throw new Error(`HF_HUB_DOWNLOAD_TIMEOUT must be a number of seconds above 0, got "${raw}"`);
  return { ...defaultHubHttpPolicy, connectTimeoutMs: seconds * 1000, idleTimeoutMs: seconds * 1000 };
}

export async function loadModelFiles(spec: string, log: (line: string) => void): Promise<ModelFiles> {
  const location = modelLocation(spec);
  if (location.kind === 'folder') return modelFilesFromFileList(listFiles(location.path));
  const endpoint = process.env.HF_ENDPOINT ?? 'https://huggingface.co';
  const http = hubHttpPolicy(process.env);
  log(`downloading ${spec} from ${endpoint}`);
  let lastFile = '';
  return fetchModelFiles(location.id, {
    endpoint,
    http,
    onProgress: (p) => {
      if (p.file !== lastFile) {
        lastFile = p.file;
        log(`  ${p.file}${p.total ? ` (${(p.total / 1e6).toFixed(1)} MB)` : ''}`);
      }
    },
  });
}
