/**
 * S3 storage through @aws-sdk/client-s3. Files stream out as multipart uploads with bounded
 * memory (a few parts in flight); nothing is visible until CompleteMultipartUpload, and an
 * abort removes the upload, so a failed backup leaves no half-written object.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { HashingWriter } from './hashing-writer.js';
import { checkPath, type BackupStorage, type StorageEntry, type StorageWriter } from './storage.js';

export interface S3StorageOptions {
  bucket: string;
  /** Key prefix every path is placed under ('' for the bucket root). */
  prefix?: string;
  region?: string | undefined;
  endpoint?: string | undefined;
  forcePathStyle?: boolean | undefined;
  profile?: string | undefined;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined;
  /** Bytes per multipart part; S3 requires at least 5 MiB for all but the last part. */
  partSize?: number;
  /** Parts uploaded at once per file. */
  queueSize?: number;
  /** Attempts per request, including the first; throttling and 5xx are retried with backoff. */
  maxAttempts?: number;
}

const MIN_PART = 5 * 1024 * 1024;

class S3Writer extends HashingWriter implements StorageWriter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private uploadId: string | undefined;
  private readonly parts: Array<{ PartNumber: number; ETag: string }> = [];
  private readonly inflight = new Set<Promise<void>>();
  private failure: Error | undefined;

  constructor(
    private readonly s3: S3Storage,
    private readonly key: string,
  ) {
    super(s3.partSize);
  }

  protected async store(chunk: Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    while (this.pendingBytes >= this.s3.partSize) {
      await this.uploadPart(this.takePart(this.s3.partSize));
      // Backpressure: hold the writer while the queue of parts is full.
      while (this.inflight.size >= this.s3.queueSize) await Promise.race(this.inflight);
      if (this.failure) throw this.failure;
    }
  }

  private takePart(n: number): Buffer {
    const all = Buffer.concat(this.pending, this.pendingBytes);
    const part = all.subarray(0, n);
    const rest = all.subarray(n);
    this.pending = rest.length ? [rest] : [];
    this.pendingBytes = rest.length;
    return part;
  }

  private async uploadPart(body: Buffer): Promise<void> {
    if (!this.uploadId) {
      const r = await this.s3.client.send(new CreateMultipartUploadCommand({ Bucket: this.s3.bucket, Key: this.key }));
      if (!r.UploadId) throw new Error(`S3 did not start a multipart upload for ${this.key}`);
      this.uploadId = r.UploadId;
    }
    const partNumber = this.parts.length + this.inflight.size + 1;
    const p = this.s3.client
      .send(new UploadPartCommand({ Bucket: this.s3.bucket, Key: this.key, UploadId: this.uploadId, PartNumber: partNumber, Body: body }))
      .then((r) => {
        this.parts.push({ PartNumber: partNumber, ETag: r.ETag ?? '' });
      })
      .catch((err: Error) => {
        this.failure ??= new Error(`uploading part ${partNumber} of s3://${this.s3.bucket}/${this.key} failed: ${err.message}`);
      })
      .finally(() => this.inflight.delete(p));
    this.inflight.add(p);
  }

  protected async publish(): Promise<void> {
    if (!this.uploadId) {
      await this.s3.client.send(new PutObjectCommand({ Bucket: this.s3.bucket, Key: this.key, Body: Buffer.concat(this.pending, this.pendingBytes) }));
      return;
    }
    if (this.pendingBytes > 0) await this.uploadPart(this.takePart(this.pendingBytes));
    await Promise.all(this.inflight);
    if (this.failure) {
      await this.discard();
      throw this.failure;
    }
    this.parts.sort((a, b) => a.PartNumber - b.PartNumber);
    await this.s3.client.send(
      new CompleteMultipartUploadCommand({ Bucket: this.s3.bucket, Key: this.key, UploadId: this.uploadId, MultipartUpload: { Parts: this.parts } }),
    );
  }

  protected async discard(): Promise<void> {
    await Promise.allSettled(this.inflight);
    if (this.uploadId) {
      const id = this.uploadId;
      this.uploadId = undefined;
      await this.s3.client.send(new AbortMultipartUploadCommand({ Bucket: this.s3.bucket, Key: this.key, UploadId: id }));
    }
  }
}

export class S3Storage implements BackupStorage {
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix: string;
  readonly partSize: number;
  readonly queueSize: number;

  constructor(o: S3StorageOptions) {
    this.bucket = o.bucket;
    this.prefix = (o.prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.partSize = Math.max(MIN_PART, o.partSize ?? 8 * 1024 * 1024);
    this.queueSize = Math.max(1, o.queueSize ?? 4);
    const config: S3ClientConfig = {
      region: o.region ?? process.env.AWS_REGION ?? 'us-east-1',
      maxAttempts: o.maxAttempts ?? 5,
      retryMode: 'standard',
      ...(o.endpoint ? { endpoint: o.endpoint } : {}),
      ...(o.forcePathStyle !== undefined ? { forcePathStyle: o.forcePathStyle } : o.endpoint ? { forcePathStyle: true } : {}),
      ...(o.credentials ? { credentials: o.credentials } : {}),
      ...(o.profile ? { profile: o.profile } : {}),
    };
    this.client = new S3Client(config);
  }

  private key(path: string): string {
    checkPath(path);
    return this.prefix ? `${this.prefix}/${path}` : path;
  }

  describe(): string {
    return `s3://${this.bucket}${this.prefix ? `/${this.prefix}` : ''}`;
  }

  async openWrite(path: string): Promise<StorageWriter> {
    return new S3Writer(this, this.key(path));
  }

  async openRead(path: string, options: { start?: number; end?: number } = {}): Promise<Readable> {
    const range = options.start !== undefined || options.end !== undefined ? `bytes=${options.start ?? 0}-${options.end ?? ''}` : undefined;
    const r = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(path), ...(range ? { Range: range } : {}) }));
    if (!(r.Body instanceof Readable)) throw new Error(`s3://${this.bucket}/${this.key(path)}: no body`);
    return r.Body;
  }

  async *list(prefix: string, options: { recursive?: boolean } = {}): AsyncIterable<StorageEntry> {
    const base = prefix.replace(/\/+$/, '');
    if (base) checkPath(base);
    const full = [this.prefix, base].filter(Boolean).join('/');
    const keyPrefix = full ? `${full}/` : '';
    let token: string | undefined;
    const strip = this.prefix ? this.prefix.length + 1 : 0;
    do {
      const r = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: keyPrefix, ContinuationToken: token, ...(options.recursive ? {} : { Delimiter: '/' }) }),
      );
      for (const o of r.Contents ?? []) {
        if (!o.Key || o.Key.endsWith('/')) continue;
        yield { path: o.Key.slice(strip), size: o.Size ?? 0, modified: o.LastModified ?? new Date(0) };
      }
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
  }

  async stat(path: string): Promise<StorageEntry | undefined> {
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(path) }));
      return { path, size: r.ContentLength ?? 0, modified: r.LastModified ?? new Date(0) };
    } catch (err) {
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404 || (err as Error).name === 'NotFound' || (err as Error).name === 'NoSuchKey') return undefined;
      throw err;
    }
  }

  async exists(path: string): Promise<boolean> {
    return (await this.stat(path)) !== undefined;
  }

  async remove(path: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(path) }));
  }

  async removeTree(prefix: string): Promise<void> {
    let batch: string[] = [];
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      const keys = batch;
      batch = [];
      const r = await this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }));
      if (r.Errors?.length) throw new Error(`deleting from ${this.describe()} failed for ${r.Errors.length} object(s): ${r.Errors[0]?.Key}: ${r.Errors[0]?.Message}`);
    };
    for await (const e of this.list(prefix, { recursive: true })) {
      batch.push(this.key(e.path));
      if (batch.length === 1000) await flush();
    }
    await flush();
  }
}
