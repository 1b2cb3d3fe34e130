/**
 * One backup file being written: `.asb` text → optional zstd → optional AES → storage, with
 * backpressure end to end. Bytes are counted where they reach storage, which is what the file
 * size limit is compared against (as asbackup does).
 */
import { Transform, type Writable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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
  private readonly counter = new ByteCounter();
  private readonly done: Promise<void>;
  private failure: Error | undefined;

  private constructor(
    readonly name: string,
    private readonly writer: StorageWriter,
    stages: Transform[],
  ) {
    const chain = [...stages, this.counter];
    this.head = chain[0]!;
    this.done = pipeline([...chain, writer] as unknown as [Transform, Writable]).catch((err: Error) => {
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
    return this.counter.bytes;
  }

  async write(chunk: Buffer, records: number): Promise<void> {
    if (this.failure) throw this.failure;
    this.records += records;
    this.textBytes += chunk.length;
    if (!this.head.write(chunk)) {
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
