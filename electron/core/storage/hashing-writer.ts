/** A Writable that hashes and counts what passes through, for per-file checksums without re-reading. */
import { createHash, type Hash } from 'node:crypto';
import { Writable } from 'node:stream';
import type { CommitResult } from './storage.js';

export abstract class HashingWriter extends Writable {
  private readonly hash: Hash = createHash('sha256');
  size = 0;
  private finishedPromise: Promise<void>;
  private committed = false;
  private aborted = false;

  constructor(highWaterMark = 1024 * 1024) {
    super({ highWaterMark });
    this.finishedPromise = new Promise((resolve, reject) => {
      this.once('finish', resolve);
      this.once('error', reject);
    });
    this.finishedPromise.catch(() => undefined);
  }

  /** Stores one chunk; called in order, one at a time. */
  protected abstract store(chunk: Buffer): Promise<void>;
  /** Makes what was stored durable and visible under the final name. */
  protected abstract publish(): Promise<void>;
  /** Removes whatever was stored. */
  protected abstract discard(): Promise<void>;

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    this.store(chunk).then(() => cb(), cb);
  }

  async commit(): Promise<CommitResult> {
    if (this.aborted) throw new Error('cannot commit an aborted file');
    if (this.committed) throw new Error('file already committed');
    if (!this.writableEnded) this.end();
    await this.finishedPromise;
    await this.publish();
    this.committed = true;
    return { size: this.size, sha256: this.hash.digest('hex') };
  }

  async abort(): Promise<void> {
    if (this.committed || this.aborted) return;
    this.aborted = true;
    this.destroy();
    await this.discard();
  }
}
