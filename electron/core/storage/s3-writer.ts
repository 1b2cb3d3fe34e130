/**
 * Streams one S3 object: bytes collect into a part buffer; each full part is uploaded while the
 * next fills, with a bounded number in flight, and the writable waits (backpressure) when that
 * bound is reached. Memory per file is therefore at most (in-flight parts + 1) × part size, no
 * matter how large the object. An object smaller than one part is sent with a single PutObject
 * at commit. Nothing is visible before CompleteMultipartUpload / PutObject, and abort is
 * AbortMultipartUpload.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { HashingWriter } from './hashing-writer.js';
import { describeS3Error, httpStatus } from './s3-client.js';

export const MIN_PART_SIZE = 5 * 1024 * 1024;
export const MAX_PART_SIZE = 5 * 1024 * 1024 * 1024;
export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
const MAX_PARTS = 10_000;
/** Parts per size step: part size doubles every this many parts, so 10,000 parts never run out. */
const PARTS_PER_STEP = 1_000;

/** Counts requests in flight across every writer of one storage (max_async_connections). */
export class Slots {
  private used = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly size: number) {}

  async acquire(): Promise<void> {
    if (this.used < this.size) {
      this.used++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    // The slot passes straight to the next waiter, so `used` stays the same.
    if (next) next();
    else this.used--;
  }
}

export interface S3WriterOptions {
  client: S3Client;
  bucket: string;
  key: string;
  /** Display name for messages. */
  location: string;
  partSize: number;
  /** Parts of this file in flight at once. */
  partConcurrency: number;
  slots: Slots;
}

export class S3Writer extends HashingWriter {
  /** The part being filled; chunks are copied in, so callers may reuse them once written. */
  private part: Buffer | undefined;
  private pendingBytes = 0;
  private uploadId: string | undefined;
  private partNumber = 0;
  private readonly parts: CompletedPart[] = [];
  private readonly inflight = new Set<Promise<void>>();
  private failure: Error | undefined;

  constructor(private readonly o: S3WriterOptions) {
    super(o.location);
  }

  /** Size of the part being filled now. */
  private currentPartSize(): number {
    const step = Math.floor(this.partNumber / PARTS_PER_STEP);
    return Math.min(MAX_PART_SIZE, this.o.partSize * 2 ** step);
  }

  protected async store(chunk: Buffer): Promise<void> {
    let off = 0;
    while (off < chunk.length) {
      const size = this.currentPartSize();
      const take = Math.min(size - this.pendingBytes, chunk.length - off);
      const part = this.room(this.pendingBytes + take, size);
      chunk.copy(part, this.pendingBytes, off, off + take);
      this.pendingBytes += take;
      off += take;
      if (this.pendingBytes === this.currentPartSize()) await this.sendPart();
    }
  }

  protected async flush(): Promise<void> {
    // Without an upload the whole object is still in memory and goes out as one PutObject.
    if (this.uploadId === undefined) return;
    if (this.pendingBytes > 0) await this.sendPart();
    await this.settle();
    if (this.failure) throw this.failure;
  }

  protected async publish(): Promise<void> {
    const { client, bucket, key } = this.o;
    if (this.uploadId === undefined) {
      const body = this.takePart();
      try {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: body.length }));
      } catch (err) {
        throw new Error(describeS3Error('PutObject', err), { cause: err });
      }
      return;
    }
    const parts = [...this.parts].sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
    try {
      await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: this.uploadId, MultipartUpload: { Parts: parts } }));
    } catch (err) {
      throw new Error(describeS3Error('CompleteMultipartUpload', err), { cause: err });
    }
    this.uploadId = undefined;
  }

  protected async discard(): Promise<void> {
    this.part = undefined;
    this.pendingBytes = 0;
    // Parts still uploading could otherwise land after the abort and be kept (and billed).
    await this.settle();
    const uploadId = this.uploadId;
    if (uploadId === undefined) return;
    this.uploadId = undefined;
    try {
      await this.o.client.send(new AbortMultipartUploadCommand({ Bucket: this.o.bucket, Key: this.o.key, UploadId: uploadId }));
    } catch (err) {
      // Already gone (completed elsewhere or aborted by a retried request): nothing is left.
      if (httpStatus(err) === 404) return;
      throw new Error(describeS3Error(`AbortMultipartUpload (upload id ${uploadId})`, err), { cause: err });
    }
  }

  private async settle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /**
   * The part buffer, with room for `need` bytes: it grows by doubling up to the part size, so a
   * small object does not reserve a whole part and a large one is copied at most twice over.
   */
  private room(need: number, partSize: number): Buffer {
    if (this.part && this.part.length >= need) return this.part;
    const next = Buffer.allocUnsafeSlow(Math.min(partSize, Math.max(need, 2 * (this.part?.length ?? 0), 256 * 1024)));
    this.part?.copy(next, 0, 0, this.pendingBytes);
    this.part = next;
    return next;
  }

  /** What was collected, as the body of one request; the next bytes go into a new part. */
  private takePart(): Buffer {
    const body = this.part ? this.part.subarray(0, this.pendingBytes) : Buffer.alloc(0);
    this.part = undefined;
    this.pendingBytes = 0;
    return body;
  }

  private async sendPart(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.partNumber >= MAX_PARTS) throw new Error(`object is larger than S3's ${MAX_PARTS} parts allow; raise the part size`);
    const { client, bucket, key } = this.o;
    if (this.uploadId === undefined) {
      try {
        const r = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ChecksumAlgorithm: 'CRC32' }));
        if (!r.UploadId) throw new Error('the server returned no upload id');
        this.uploadId = r.UploadId;
      } catch (err) {
        throw new Error(describeS3Error('CreateMultipartUpload', err), { cause: err });
      }
    }
    // Backpressure: hold this write until the file and the storage have a free upload slot.
    while (this.inflight.size >= this.o.partConcurrency) await Promise.race(this.inflight);
    if (this.failure) throw this.failure;
    await this.o.slots.acquire();

    const body = this.takePart();
    const partNumber = ++this.partNumber;
    const uploadId = this.uploadId;
    const task = (async () => {
      try {
        // A Buffer body (not a stream) is what lets the SDK's retry middleware resend the part.
        const r = await client.send(
          new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: body, ContentLength: body.length, ChecksumAlgorithm: 'CRC32' }),
        );
        this.parts.push({ PartNumber: partNumber, ETag: r.ETag, ...(r.ChecksumCRC32 ? { ChecksumCRC32: r.ChecksumCRC32 } : {}) });
      } catch (err) {
        this.failure ??= new Error(describeS3Error(`UploadPart (part ${partNumber})`, err), { cause: err });
      } finally {
        this.o.slots.release();
      }
    })();
    this.inflight.add(task);
    void task.finally(() => this.inflight.delete(task));
  }
}
