/**
 * A model from a local folder: picked or dropped in the browser, or read from disk by the CLI.
 */
import { chooseModelFiles, type ModelFiles } from './model-files.ts';

export interface LocalFile {
  /**
   * Path relative to what was picked, '/'-separated, e.g. `my-model/config.json`; the CLI names
   * files `<folder name>/<file>` so the folder name becomes the model's source.
   */
  name: string;
  bytes(): Promise<Uint8Array>;
}

/**
 * The model files among `files`. A folder all files share (the picked folder itself, as browsers
 * name them) is stripped and becomes the source; files outside the model's top level and ones a
 * model does not need (.git, README.md, onnx/) are never read. Rejects with a ModelFilesError,
 * naming what the folder holds, when config.json, weights or a tokenizer is missing.
 */
export async function modelFilesFromFileList(files: readonly LocalFile[]): Promise<ModelFiles> {
  // Windows paths from the CLI use backslashes.
  const paths = files.map((file) => file.name.replaceAll('\\', '/').split('/').filter((part) => part !== ''));
  const folders = commonFolders(paths);
  const byName = new Map<string, LocalFile>();
  const present = new Set<string>();
  paths.forEach((path, index) => {
    const inside = path.slice(folders.length);
    if (inside.length === 0) return;
    if (inside.length === 1) byName.set(inside[0], files[index]);
    present.add(inside.length === 1 ? inside[0] : `${inside[0]}/`);
  });

  const folder = folders.at(-1);
  const chosen = chooseModelFiles(folder === undefined ? 'The selection' : `Folder "${folder}"`, [...present]);
  // chooseModelFiles picks among the top-level file names, which are all in byName.
  const contents = await Promise.all(chosen.map(async (name) => [name, await byName.get(name)!.bytes()] as const));
  return { source: folder ?? 'local files', files: new Map(contents) };
}

// The leading folders every path shares, keeping at least the file name of each path; repeated
// so that a model folder inside a picked folder (e.g. an unpacked archive) is found too.
function commonFolders(paths: readonly string[][]): string[] {
  const folders: string[] = [];
  for (;;) {
    const depth = folders.length;
    const candidate = paths[0]?.[depth];
    if (candidate === undefined || !paths.every((path) => path.length > depth + 1 && path[depth] === candidate)) return folders;
    folders.push(candidate);
  }
}
