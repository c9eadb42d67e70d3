/**
 * What was dropped on the window: a folder is a model (config.json, weights, tokenizer), a
 * single file is a dataset. Browsers hand folders over only as FileSystemEntry trees.
 */

export type Dropped = { kind: 'folder'; files: { path: string; file: File }[] } | { kind: 'file'; file: File } | { kind: 'nothing' };

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

/** readEntries answers in pages (100 entries in Chromium) until it answers with none. */
function allEntries(dir: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = dir.createReader();
  const entries: FileSystemEntry[] = [];
  return new Promise((resolve, reject) => {
    const next = () =>
      reader.readEntries((page) => {
        if (page.length === 0) return resolve(entries);
        entries.push(...page);
        next();
      }, reject);
    next();
  });
}

async function walk(entry: FileSystemEntry, prefix: string, out: { path: string; file: File }[]): Promise<void> {
  const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
  if (entry.isFile) out.push({ path, file: await fileOf(entry as FileSystemFileEntry) });
  // Version-control and hidden folders hold nothing a model needs, and can be large.
  else if (entry.isDirectory && !entry.name.startsWith('.')) {
    for (const child of await allEntries(entry as FileSystemDirectoryEntry)) await walk(child, path, out);
  }
}

export async function readDrop(transfer: DataTransfer): Promise<Dropped> {
  // Entries must be taken synchronously, before the drop event's data is cleared.
  const entries = [...transfer.items].map((item) => item.webkitGetAsEntry()).filter((e): e is FileSystemEntry => e !== null);
  const folder = entries.find((e) => e.isDirectory);
  if (folder) {
    const files: { path: string; file: File }[] = [];
    await walk(folder, '', files);
    return { kind: 'folder', files };
  }
  const file = transfer.files[0];
  return file ? { kind: 'file', file } : { kind: 'nothing' };
}
