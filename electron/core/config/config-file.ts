/**
 * Where the config document lives. One JSON file, written atomically (temp file, fsync, rename)
 * by `conf` in plain Node; the desktop app passes `electron-store`, which is `conf` underneath and
 * writes the same format. The service never touches the file directly, so either can back it.
 */
import { existsSync, renameSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import Conf, { type Options } from 'conf';

export type ReadResult = { state: 'missing' } | { state: 'ok'; doc: unknown } | { state: 'unreadable'; message: string };

export interface ConfigDocumentStore {
  /** Shown to users in messages. */
  readonly path: string;
  read(): ReadResult;
  write(doc: Record<string, unknown>): void;
  /** Renames the file aside (kept, never deleted) and returns the new path. */
  moveAside(suffix: string): string | undefined;
}

/** conf keeps its own bookkeeping under this key; it is not part of Tidemark's config. */
const CONF_INTERNAL = '__internal__';

/** What reads and writes the file: conf, or in the desktop app electron-store (a conf with Electron's defaults). */
export type ConfFactory = (options: Options<Record<string, unknown>>) => { store: Record<string, unknown> };

const plainConf: ConfFactory = (options) => new Conf<Record<string, unknown>>(options);

export class ConfFileStore implements ConfigDocumentStore {
  constructor(
    readonly path: string,
    private readonly make: ConfFactory = plainConf,
  ) {
    if (extname(path) !== '.json') throw new Error(`config file ${path}: must end in .json`);
  }

  /** conf reads the file when it is constructed, so a broken file fails here, inside read(). */
  private conf(): { store: Record<string, unknown> } {
    const ext = extname(this.path);
    return this.make({
      cwd: dirname(this.path),
      configName: basename(this.path, ext),
      projectName: 'tidemark',
      // A broken file must be reported and kept, never replaced by an empty one.
      clearInvalidConfig: false,
      // Secrets may be in it (keychain-encrypted or explicitly allowed): owner only.
      configFileMode: 0o600,
      watch: false,
      serialize: (v) => `${JSON.stringify(v, null, 2)}\n`,
      deserialize: (text) => {
        const v: unknown = JSON.parse(text);
        if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('the file must hold one JSON object');
        return v as Record<string, unknown>;
      },
    });
  }

  read(): ReadResult {
    if (!existsSync(this.path)) return { state: 'missing' };
    try {
      const doc = { ...this.conf().store };
      delete doc[CONF_INTERNAL];
      return { state: 'ok', doc };
    } catch (err) {
      return { state: 'unreadable', message: (err as Error).message };
    }
  }

  write(doc: Record<string, unknown>): void {
    this.conf().store = doc;
  }

  moveAside(suffix: string): string | undefined {
    if (!existsSync(this.path)) return undefined;
    const to = join(dirname(this.path), `${basename(this.path)}.${suffix}`);
    renameSync(this.path, to);
    return to;
  }
}
