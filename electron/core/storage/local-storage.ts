/**
 * Local filesystem storage. A file is written under a temporary name in its final folder,
 * fsynced, renamed, and the folder fsynced: after a crash a file is either complete or absent.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { HashingWriter } from './hashing-writer.js';
import { checkPath, type BackupStorage, type StorageEntry, type StorageWriter } from './storage.js';

const TEMP_MARK = '.tidemark-tmp-';

function isTemp(name: string): boolean {
  return name.includes(TEMP_MARK);
}

async function fsyncDir(dir: string): Promise<void> {
  const h = await open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

class LocalWriter extends HashingWriter implements StorageWriter {
  private handle: FileHandle | undefined;

  constructor(
    private readonly finalPath: string,
    private readonly tempPath: string,
  ) {
    super();
  }

  private async file(): Promise<FileHandle> {
    this.handle ??= await open(this.tempPath, 'wx');
    return this.handle;
  }

  protected async store(chunk: Buffer): Promise<void> {
    const h = await this.file();
    let off = 0;
    while (off < chunk.length) off += (await h.write(chunk, off, chunk.length - off)).bytesWritten;
  }

  protected async publish(): Promise<void> {
    const h = await this.file();
    await h.sync();
    await h.close();
    this.handle = undefined;
    await rename(this.tempPath, this.finalPath);
    await fsyncDir(dirname(this.finalPath));
  }

  protected async discard(): Promise<void> {
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
    await unlink(this.tempPath).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }
}

export class LocalStorage implements BackupStorage {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  private full(path: string): string {
    return join(this.root, checkPath(path));
  }

  describe(): string {
    return this.root;
  }

  async openWrite(path: string): Promise<StorageWriter> {
    const finalPath = this.full(path);
    await mkdir(dirname(finalPath), { recursive: true });
    const temp = join(dirname(finalPath), `.${finalPath.slice(dirname(finalPath).length + 1)}${TEMP_MARK}${randomBytes(6).toString('hex')}`);
    return new LocalWriter(finalPath, temp);
  }

  async openRead(path: string, options: { start?: number; end?: number } = {}): Promise<Readable> {
    const p = this.full(path);
    // Open eagerly so a missing file fails here, with its name, not later inside a pipeline.
    const h = await open(p, 'r');
    return h.createReadStream({ autoClose: true, ...(options.start !== undefined ? { start: options.start } : {}), ...(options.end !== undefined ? { end: options.end } : {}) });
  }

  async *list(prefix: string, options: { recursive?: boolean } = {}): AsyncIterable<StorageEntry> {
    const base = prefix.replace(/\/+$/, '');
    if (base) checkPath(base);
    const walk = async function* (this: LocalStorage, rel: string): AsyncGenerator<StorageEntry> {
      let names: string[];
      try {
        names = (await readdir(join(this.root, rel))).sort();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return;
        throw err;
      }
      for (const name of names) {
        if (isTemp(name)) continue;
        const childRel = rel ? `${rel}/${name}` : name;
        const st = await stat(join(this.root, childRel)).catch(() => undefined);
        if (!st) continue;
        if (st.isDirectory()) {
          if (options.recursive) yield* walk.call(this, childRel);
        } else if (st.isFile()) yield { path: childRel, size: st.size, modified: st.mtime };
      }
    };
    yield* walk.call(this, base);
  }

  async stat(path: string): Promise<StorageEntry | undefined> {
    const st = await stat(this.full(path)).catch(() => undefined);
    return st?.isFile() ? { path, size: st.size, modified: st.mtime } : undefined;
  }

  async exists(path: string): Promise<boolean> {
    return (await this.stat(path)) !== undefined;
  }

  async remove(path: string): Promise<void> {
    await rm(this.full(path), { force: true });
  }

  async removeTree(prefix: string): Promise<void> {
    await rm(this.full(prefix.replace(/\/+$/, '')), { recursive: true, force: true });
  }
}
