/**
 * One backup file being written: `.asb` text → optional zstd → optional AES → storage, with
 * backpressure end to end. Bytes are counted where they reach storage, which is what the file
 * size limit is compared against (as asbackup does).
 *
 * A written chunk can be handed back to its producer for reuse once the first stage is done
 * with it: storage writers and the zstd/AES stages all copy or consume their input before
 * their write callback runs. That is why the byte counter (which passes chunks through
 * untouched) only sits behind transforms, never first.
 */
import { Transform, type Writable, type TransformCallback } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import type { BackupStorage, StorageWriter } from '../storage/storage.js';
import { toRanges } from './partitions.js';
import type { BackupFileEntry } from '../../../shared/schemas/backup-metadata.js';

/** Builds the compression/encryption stages for one file (fresh state per file). */
export type EncodeStages = () => Transform[];

class ByteCounter extends Transform {
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    cb(null, chunk);
  }
}

export class FileSink {
  readonly partitions = new Set<number>();
  records = 0;
  textBytes = 0;
  private readonly head: Writable;
  /** Counts what the last transform emits; without transforms the text is what is stored. */
  private readonly counter: ByteCounter | undefined;
  private readonly done: Promise<void>;
  private failure: Error | undefined;

  private constructor(
    readonly name: string,
    private readonly writer: StorageWriter,
    stages: Transform[],
  ) {
    this.counter = stages.length > 0 ? new ByteCounter() : undefined;
    const chain: Writable[] = this.counter ? [...stages, this.counter, writer] : [writer];
    this.head = chain[0]!;
    const flowing = chain.length > 1 ? pipeline(chain as unknown as [Transform, Writable]) : finished(writer);
    this.done = flowing.catch((err: Error) => {
      this.failure = err;
      throw err;
    });
    // Surface failures through write()/close(); keep the rejection from going unhandled meanwhile.
    this.done.catch(() => undefined);
  }

  static async open(storage: BackupStorage, path: string, name: string, stages: EncodeStages, header: Buffer): Promise<FileSink> {
    const writer = await storage.openWrite(path);
    const sink = new FileSink(name, writer, stages());
    await sink.write(header, 0);
    return sink;
  }

  /** Bytes that have reached storage so far (after compression and encryption). */
  get storedBytes(): number {
    return this.counter ? this.counter.bytes : this.textBytes;
  }

  /**
   * Queues a chunk of `records` records; resolves when the chain has room for more. `release`
   * gets the chunk back once nothing references it any more (not at all if the write fails).
   */
  async write(chunk: Buffer, records: number, release?: (chunk: Buffer) => void): Promise<void> {
    if (this.failure) throw this.failure;
    this.records += records;
    this.textBytes += chunk.length;
    const written = this.head.write(
      chunk,
      release
        ? (err) => {
            if (!err) release(chunk);
          }
        : undefined,
    );
    if (!written) {
      await new Promise<void>((resolve, reject) => {
        const onDrain = (): void => {
          this.head.off('error', onError);
          resolve();
        };
        const onError = (err: Error): void => {
          this.head.off('drain', onDrain);
          reject(err);
        };
        this.head.once('drain', onDrain);
        this.head.once('error', onError);
        void this.done.catch(onError);
      });
    }
  }

  /** Flushes every stage and makes the file durable under its final name. */
  async close(): Promise<BackupFileEntry> {
    this.head.end();
    await this.done;
    const { size, sha256 } = await this.writer.commit();
    return { name: this.name, size, sha256, 'record-count': this.records, partitions: toRanges(this.partitions) };
  }

  /** Drops the file: nothing of it stays in storage. */
  async abort(): Promise<void> {
    this.head.destroy();
    await this.done.catch(() => undefined);
    await this.writer.abort();
  }
}
