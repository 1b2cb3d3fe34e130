/**
 * The part of a StorageWriter that does not depend on the backend: hashing and counting while
 * streaming (so callers get per-file checksums without re-reading), and the commit/abort state
 * machine that guarantees a file is either published whole or leaves no trace.
 */
import { createHash, type Hash } from 'node:crypto';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { StorageError, type CommitResult, type StorageWriter } from './storage.js';

type State = 'open' | 'committing' | 'committed' | 'aborted';

const DEFAULT_HIGH_WATER_MARK = 1024 * 1024;

export abstract class HashingWriter extends Writable implements StorageWriter {
  private readonly hash: Hash = createHash('sha256');
  private bytes = 0;
  private state: State = 'open';
  /** The store/flush in progress; discard must wait for it so it cannot recreate what it removes. */
  private busy: Promise<void> = Promise.resolve();
  private discarding: Promise<void> | undefined;
  private committing: Promise<CommitResult> | undefined;
  /** Why the stream was destroyed, so a later commit() can say more than "aborted". */
  private destroyReason: Error | undefined;

  /** @param location display name of the final file, for error messages */
  constructor(
    readonly location: string,
    highWaterMark = DEFAULT_HIGH_WATER_MARK,
  ) {
    super({ highWaterMark });
    // Failures are reported by commit() (and to pipeline(), which listens itself). Without a
    // listener, a part upload failing between two writes would crash the process instead.
    this.on('error', () => undefined);
  }

  /** Stores one chunk; called in order, one at a time. Resolving late is the backpressure. */
  protected abstract store(chunk: Buffer): Promise<void>;
  /** Everything written so far must be stored when this resolves (runs as the stream ends). */
  protected abstract flush(): Promise<void>;
  /** Makes what was stored durable and visible under the final name. */
  protected abstract publish(): Promise<void>;
  /** Removes whatever was stored; must tolerate being called at any point, once. */
  protected abstract discard(): Promise<void>;

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.track(this.store(chunk), cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.track(this.flush(), cb);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    // autoDestroy also lands here after a clean 'finish'; that file is waiting for commit().
    if (err) this.destroyReason ??= err;
    if (this.state === 'open' && (err !== null || !this.writableFinished)) {
      this.state = 'aborted';
      void this.startDiscard();
    }
    cb(err);
  }

  private track(work: Promise<void>, cb: (err?: Error | null) => void): void {
    this.busy = work.then(
      () => cb(),
      (err: unknown) => cb(this.wrap('write', err)),
    );
  }

  private startDiscard(): Promise<void> {
    if (!this.discarding) {
      this.discarding = this.busy.catch(() => undefined).then(() => this.discard());
      // A discard started by destroy() has nobody awaiting it; abort() still sees its error.
      this.discarding.catch(() => undefined);
    }
    return this.discarding;
  }

  protected wrap(what: string, err: unknown): StorageError {
    if (err instanceof StorageError) return err;
    const msg = err instanceof Error ? err.message : String(err);
    return new StorageError(`cannot ${what} ${this.location}: ${msg}`, this.location, { cause: err });
  }

  commit(): Promise<CommitResult> {
    if (this.state === 'aborted') {
      const why = this.destroyReason ? ` after an error: ${this.destroyReason.message}` : '';
      return Promise.reject(new StorageError(`cannot commit ${this.location}: the file was aborted${why}`, this.location, { cause: this.destroyReason }));
    }
    this.committing ??= this.runCommit();
    return this.committing;
  }

  private async runCommit(): Promise<CommitResult> {
    this.state = 'committing';
    try {
      if (!this.writableEnded) this.end();
      await finished(this);
      await this.publish();
      this.state = 'committed';
      return { size: this.bytes, sha256: this.hash.digest('hex') };
    } catch (err) {
      this.state = 'aborted';
      if (!this.destroyed) this.destroy();
      // The original failure is what the caller needs to see; a cleanup failure would hide it.
      await this.startDiscard().catch(() => undefined);
      throw this.wrap('write', err);
    }
  }

  async abort(): Promise<void> {
    if (this.state === 'committing') await this.committing?.catch(() => undefined);
    if (this.state === 'committed') return;
    this.state = 'aborted';
    if (!this.destroyed) this.destroy();
    try {
      await this.startDiscard();
    } catch (err) {
      throw this.wrap('clean up', err);
    }
  }
}
