/**
 * One backup file being written: `.asb` text → optional zstd → optional AES → storage, with
 * backpressure end to end. Bytes are counted where they reach storage, which is what the file
 * size limit is compared against (as asbackup does).
 *
 * A written chunk can be handed back to its producer for reuse once the first stage is done
 * with it: storage writers and the zstd/AES stages all copy or consume their input before
 * their write callback runs. That is why the byte counter (which passes chunks through
 * untouched) only sits behind transforms, never first.
 *
 * When zstd is the only stage (no encryption), the sink compresses each chunk itself, as one
 * frame, into buffers storage hands back (see `ZstdFrameEncoder` and docs/engine-data-path.md).
 */
import { Transform, type Writable, type TransformCallback } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { ZstdCompressStream, type ZstdFrameEncoder, type ZstdFrameOutput } from '../format/zstd-stream.js';
import type { BackupStorage, StorageWriter } from '../storage/storage.js';
import { toRanges } from './partitions.js';
import type { BackupFileEntry } from '../../../shared/schemas/backup-metadata.js';

/**
 * Most chunks handed to `write()` with a `release` callback that may be unreleased at once; a
 * further write waits for one to come back. Draining alone does not bound them: a stage that
 * transforms synchronously (zstd) drains at once but hands chunks back on a later tick, and a
 * worker that never leaves the microtask queue (scan frames already queued) would otherwise
 * allocate a new chunk for every one still on its way back.
 */
export const MAX_UNRELEASED_CHUNKS = 3;

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
  /**
   * zstd as the only stage: frames are compressed here, synchronously, into buffers that come
   * back once storage has stored them, instead of through the stream (which pushes a fresh copy
   * of every frame for the GC to collect whenever it gets round to it).
   */
  private readonly zstd: ZstdFrameEncoder | undefined;
  private zstdBytes = 0;
  /** Frame buffers storage has handed back. */
  private readonly frameBuffers: Buffer[] = [];
  private readonly frameOutput: ZstdFrameOutput = {
    buffer: (bound) => this.frameBuffer(bound),
    frame: (buf, n) => this.storeFrame(buf, n),
  };
  private readonly done: Promise<void>;
  private failure: Error | undefined;
  /** Chunks (or frames) written with a release callback that has not run yet. */
  private unreleased = 0;
  /** Set when the head stream asked for a drain. */
  private needDrain = false;
  /** Wakes a write() waiting for a chunk to come back (or for the failure that stops them). */
  private onRelease: (() => void) | undefined;

  private constructor(
    readonly name: string,
    private readonly writer: StorageWriter,
    stages: Transform[],
  ) {
    const only = stages.length === 1 ? stages[0] : undefined;
    if (only instanceof ZstdCompressStream) {
      this.zstd = only.encoder;
      stages = [];
    }
    this.counter = stages.length > 0 ? new ByteCounter() : undefined;
    const chain: Writable[] = this.counter ? [...stages, this.counter, writer] : [writer];
    this.head = chain[0]!;
    const flowing = chain.length > 1 ? pipeline(chain as unknown as [Transform, Writable]) : finished(writer);
    this.done = flowing.catch((err: Error) => {
      this.failure = err;
      this.wakeWriter();
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
    if (this.counter) return this.counter.bytes;
    return this.zstd ? this.zstdBytes : this.textBytes;
  }

  /**
   * Queues a chunk of `records` records; resolves when the chain has room for more. `release`
   * gets the chunk back once nothing references it any more (not at all if the write fails).
   */
  async write(chunk: Buffer, records: number, release?: (chunk: Buffer) => void): Promise<void> {
    if (this.failure) throw this.failure;
    this.records += records;
    this.textBytes += chunk.length;
    if (this.zstd) {
      // Compressed before this returns: the chunk is free again at once. A chunk of records is
      // a frame of its own (with the header before it, for the file's first), so what reaches
      // storage keeps up with the text even where a small file limit makes chunks small.
      this.zstd.write(chunk, this.frameOutput);
      if (records > 0) this.zstd.endFrame(this.frameOutput);
      release?.(chunk);
    } else {
      if (release) this.unreleased++;
      const written = this.head.write(
        chunk,
        release
          ? (err) => {
              this.unreleased--;
              this.wakeWriter();
              if (!err) release(chunk);
            }
          : undefined,
      );
      if (!written) this.needDrain = true;
    }
    await this.settle();
  }

  /** A buffer for the next zstd frame: one storage gave back, or a new one. */
  private frameBuffer(bound: number): Buffer {
    for (let i = this.frameBuffers.length - 1; i >= 0; i--) {
      if (this.frameBuffers[i]!.length >= bound) return this.frameBuffers.splice(i, 1)[0]!;
    }
    return Buffer.allocUnsafeSlow(bound);
  }

  private storeFrame(buf: Buffer, n: number): void {
    this.zstdBytes += n;
    this.unreleased++;
    const written = this.writer.write(buf.subarray(0, n), (err) => {
      this.unreleased--;
      this.wakeWriter();
      if (!err && this.frameBuffers.length <= MAX_UNRELEASED_CHUNKS) this.frameBuffers.push(buf);
    });
    if (!written) this.needDrain = true;
  }

  /** Waits until the head stream has drained and fewer than MAX_UNRELEASED_CHUNKS are out. */
  private async settle(): Promise<void> {
    if (this.needDrain) {
      this.needDrain = false;
      if (this.head.writableNeedDrain) {
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
    while (this.unreleased >= MAX_UNRELEASED_CHUNKS) {
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve) => (this.onRelease = resolve));
    }
  }

  private wakeWriter(): void {
    const w = this.onRelease;
    this.onRelease = undefined;
    w?.();
  }

  /** Flushes every stage and makes the file durable under its final name. */
  async close(): Promise<BackupFileEntry> {
    if (this.zstd && !this.failure) this.zstd.end(this.frameOutput);
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
