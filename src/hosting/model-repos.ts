/**
 * Model folders served under the Hugging Face Hub's download URLs
 * (`/{repo}/resolve/{revision}/{file}`), so the studio loads them by id from a local server as
 * it would from the Hub: `finetune-studio serve --models`, and the tests' stand-in Hub. Node only.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve, sep } from 'node:path';

/** Repo id (`owner/name` or a legacy `name`) → its folder. */
export type ModelRepos = ReadonlyMap<string, string>;

const isModelFolder = async (folder: string) => (await stat(join(folder, 'config.json')).catch(() => null))?.isFile() ?? false;

async function subfolders(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
}

/**
 * The models in `folder`, each a folder with a config.json: `folder/name` is served as `name`,
 * `folder/owner/name` as `owner/name`, and a `folder` that is itself a model under its own name.
 */
export async function findModelRepos(folder: string): Promise<ModelRepos> {
  const root = resolve(folder);
  const info = await stat(root).catch(() => null);
  if (!info?.isDirectory()) throw new Error(`--models: ${folder} is not a folder`);
  if (await isModelFolder(root)) return new Map([[basename(root), root]]);
  const repos = new Map<string, string>();
  for (const name of await subfolders(root)) {
    const path = join(root, name);
    if (await isModelFolder(path)) {
      repos.set(name, path);
      continue;
    }
    for (const inner of await subfolders(path)) {
      if (await isModelFolder(join(path, inner))) repos.set(`${name}/${inner}`, join(path, inner));
    }
  }
  if (repos.size === 0) {
    throw new Error(
      `--models: no model in ${folder}. Put each model in its own folder with its config.json, weights and tokenizer files ` +
        `(${join(folder, 'bert-tiny', 'config.json')} is served as "bert-tiny", ${join(folder, 'owner', 'name', 'config.json')} as "owner/name").`,
    );
  }
  return repos;
}

/** The repo and file of `/{repo}/resolve/{revision}/{file}`, or null when `hasRepo` knows no such repo. */
export function parseResolvePath(pathname: string, hasRepo: (repoId: string) => boolean): { repoId: string; file: string } | null {
  let segments: string[];
  try {
    // Split before decoding: a revision like refs/pr/1 arrives as one %2F-encoded segment.
    segments = pathname.split('/').slice(1).map(decodeURIComponent);
  } catch {
    return null; // a malformed %-escape
  }
  for (const repoLength of [2, 1]) {
    const repoId = segments.slice(0, repoLength).join('/');
    if (segments[repoLength] === 'resolve' && segments.length > repoLength + 2 && hasRepo(repoId)) {
      return { repoId, file: segments.slice(repoLength + 2).join('/') };
    }
  }
  return null;
}

/** `file` inside `folder`, or null when the path would leave it (`..`, an absolute path). */
export function pathInside(folder: string, file: string): string | null {
  const root = resolve(folder);
  const path = resolve(root, file);
  return path.startsWith(root + sep) ? path : null;
}
