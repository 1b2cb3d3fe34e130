/** A storage that delegates to another and calls back on every file it starts writing (to cancel mid-way). */
import type { BackupStorage } from '../../electron/core/storage/storage.js';

export function onEveryWrite(inner: BackupStorage, fn: (path: string, n: number) => void): BackupStorage {
  let n = 0;
  return {
    openWrite: async (path) => {
      fn(path, ++n);
      return inner.openWrite(path);
    },
    openRead: (path, o) => inner.openRead(path, o),
    list: (prefix, o) => inner.list(prefix, o),
    stat: (path) => inner.stat(path),
    exists: (path) => inner.exists(path),
    remove: (path) => inner.remove(path),
    removeTree: (prefix) => inner.removeTree(prefix),
    describe: () => inner.describe(),
  };
}

export async function listAll(storage: BackupStorage, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for await (const e of storage.list(prefix, { recursive: true })) out.push(e.path);
  return out;
}
