/**
 * Local filesystem storage. A file is written under a temporary name in its final folder,
 * fsynced, renamed, and the folder fsynced: after a crash a file is either complete or absent,
 * and a half-written file never carries a name that listings or ABS would pick up.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep, isAbsolute } from 'node:path';
import type { Readable } from 'node:stream';
import { HashingWriter } from './hashing-writer.js';
import {
  StorageError,
  StorageNotFoundError,
  StoragePathError,
  checkFolder,
  checkPath,
  checkRange,
  comparePaths,
  type BackupStorage,
  type ListOptions,
  type ReadOptions,
  type StorageEntry,
  type StorageWriter,
} from './storage.js';

/** `.<name>.tidemark-tmp-<12 hex>`: hidden, and recognisable so listings can skip it. */
const TEMP_NAME = /^\..*\.tidemark-tmp-[0-9a-f]{12}$/;

export function isTempName(name: string): boolean {
  return TEMP_NAME.test(name);
}

function tempNameFor(finalPath: string): string {
  return join(dirname(finalPath), `.${basename(finalPath)}.tidemark-tmp-${randomBytes(6).toString('hex')}`);
}

function errnoCode(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

/** Makes a rename durable. Windows cannot open a folder for fsync; NTFS journals the rename. */
async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const h = await open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

class LocalWriter extends HashingWriter {
  constructor(
    location: string,
    private readonly finalPath: string,
    private readonly tempPath: string,
    private handle: FileHandle | undefined,
  ) {
    super(location);
  }

  protected async store(chunk: Buffer): Promise<void> {
    const h = this.openHandle();
    let off = 0;
    while (off < chunk.length) off += (await h.write(chunk, off, chunk.length - off)).bytesWritten;
  }

  protected async flush(): Promise<void> {
    await this.openHandle().sync();
  }

  protected async publish(): Promise<void> {
    await this.openHandle().close();
    this.handle = undefined;
    await rename(this.tempPath, this.finalPath);
    await fsyncDir(dirname(this.finalPath));
  }

  protected async discard(): Promise<void> {
    // close() waits for operations still pending on the handle, so nothing writes after unlink.
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
    await unlink(this.tempPath).catch((err: unknown) => {
      if (errnoCode(err) !== 'ENOENT') throw err;
    });
  }

  private openHandle(): FileHandle {
    if (!this.handle) throw new StorageError(`${this.location}: file is already closed`, this.location);
    return this.handle;
  }
}

export class LocalStorage implements BackupStorage {
  readonly root: string;

  constructor(root: string) {
    if (!root) throw new StoragePathError('local storage needs a folder');
    this.root = resolve(root);
  }

  /** The OS path of a storage path; also refuses anything that would resolve outside the root. */
  private full(path: string): string {
    const p = resolve(this.root, checkPath(path));
    const rel = relative(this.root, p);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw new StoragePathError(`storage path '${path}' resolves outside ${this.root}`, path);
    return p;
  }

  private fullFolder(prefix: string): string {
    const folder = checkFolder(prefix);
    return folder === '' ? this.root : this.full(folder);
  }

  describe(): string {
    return this.root;
  }

  private display(path: string): string {
    return join(this.root, path);
  }

  async openWrite(path: string): Promise<StorageWriter> {
    const finalPath = this.full(path);
    const temp = tempNameFor(finalPath);
    let handle: FileHandle;
    try {
      await mkdir(dirname(finalPath), { recursive: true });
      // Opened here so that an unwritable folder fails at open, naming the file.
      handle = await open(temp, 'wx');
    } catch (err) {
      throw new StorageError(`cannot create ${this.display(path)}: ${(err as Error).message}`, this.display(path), { cause: err });
    }
    return new LocalWriter(this.display(path), finalPath, temp, handle);
  }

  async openRead(path: string, options: ReadOptions = {}): Promise<Readable> {
    const p = this.full(path);
    checkRange(options);
    let h: FileHandle;
    try {
      // Opened eagerly so a missing file fails here, with its name, not later inside a pipeline.
      h = await open(p, 'r');
      if (!(await h.stat()).isFile()) {
        await h.close();
        throw new StorageNotFoundError(`${this.display(path)} is not a file`, this.display(path));
      }
    } catch (err) {
      if (err instanceof StorageError) throw err;
      if (errnoCode(err) === 'ENOENT') throw new StorageNotFoundError(`${this.display(path)} does not exist`, this.display(path), { cause: err });
      throw new StorageError(`cannot read ${this.display(path)}: ${(err as Error).message}`, this.display(path), { cause: err });
    }
    return createReadStream(p, {
      fd: h,
      autoClose: true,
      ...(options.start !== undefined ? { start: options.start } : {}),
      ...(options.end !== undefined ? { end: options.end } : {}),
    });
  }

  async *list(prefix: string, options: ListOptions = {}): AsyncIterable<StorageEntry> {
    const base = checkFolder(prefix);
    yield* this.walk(base, options.recursive === true);
  }

  private async *walk(rel: string, recursive: boolean): AsyncGenerator<StorageEntry> {
    let dirents;
    try {
      dirents = await readdir(rel === '' ? this.root : join(this.root, rel), { withFileTypes: true });
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw new StorageError(`cannot list ${this.display(rel)}: ${(err as Error).message}`, this.display(rel), { cause: err });
    }
    // Folders sort as "name/" so a recursive walk yields paths in the same byte order as a flat
    // S3 listing ("a.txt" before "a/b").
    const items = dirents
      .filter((d) => !isTempName(d.name) && (d.isFile() || d.isDirectory()))
      .map((d) => ({ name: d.name, dir: d.isDirectory(), key: d.isDirectory() ? `${d.name}/` : d.name }))
      .sort((a, b) => comparePaths(a.key, b.key));
    for (const item of items) {
      const childRel = rel ? `${rel}/${item.name}` : item.name;
      if (item.dir) {
        if (recursive) yield* this.walk(childRel, recursive);
        continue;
      }
      // A file removed between readdir and stat is simply no longer there.
      const st = await stat(join(this.root, childRel)).catch(() => undefined);
      if (st?.isFile()) yield { path: childRel, size: st.size, modified: st.mtime };
    }
  }

  async stat(path: string): Promise<StorageEntry | undefined> {
    const p = this.full(path);
    try {
      const st = await stat(p);
      return st.isFile() ? { path, size: st.size, modified: st.mtime } : undefined;
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw new StorageError(`cannot stat ${this.display(path)}: ${(err as Error).message}`, this.display(path), { cause: err });
    }
  }

  async exists(path: string): Promise<boolean> {
    return (await this.stat(path)) !== undefined;
  }

  async remove(path: string): Promise<void> {
    const p = this.full(path);
    try {
      await unlink(p);
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw new StorageError(`cannot remove ${this.display(path)}: ${(err as Error).message}`, this.display(path), { cause: err });
    }
  }

  async removeTree(prefix: string): Promise<void> {
    const folder = checkFolder(prefix);
    if (folder === '') throw new StoragePathError(`refusing to remove the whole storage root ${this.root}`, prefix);
    const p = this.fullFolder(folder);
    try {
      await rm(p, { recursive: true, force: true });
    } catch (err) {
      throw new StorageError(`cannot remove ${p}${sep}: ${(err as Error).message}`, p, { cause: err });
    }
  }
}
