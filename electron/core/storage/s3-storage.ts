/**
 * S3 storage: the storage root is a bucket plus an optional key prefix, and storage paths are
 * the keys below it. Writes are streamed multipart uploads (s3-writer.ts), reads are resumable
 * ranged GETs (s3-reader.ts), and every request goes through the retry strategy.
 */
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  type ListMultipartUploadsCommandOutput,
  type ListObjectsV2CommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { createS3Client, describeS3Error, httpStatus, isRegionMissing, redactEndpoint, type S3ConnectionOptions } from './s3-client.js';
import { openS3Read } from './s3-reader.js';
import { DEFAULT_PART_SIZE, MAX_PART_SIZE, MIN_PART_SIZE, S3Writer, Slots } from './s3-writer.js';
import { DEFAULT_MAX_ATTEMPTS } from './retry-strategy.js';
import {
  StorageConfigError,
  StorageError,
  StoragePathError,
  checkFolder,
  checkPath,
  checkRange,
  type BackupStorage,
  type ListOptions,
  type ReadOptions,
  type StorageEntry,
  type StorageWriter,
} from './storage.js';

export interface S3StorageOptions extends S3ConnectionOptions {
  bucket: string;
  /** Key prefix of the storage root inside the bucket ('' or absent: the bucket's root). */
  prefix?: string | undefined;
  /** Multipart part size in bytes (default 8 MiB, at least 5 MiB). */
  partSize?: number | undefined;
  /** Parts of one file uploading at once (default 4). */
  partConcurrency?: number | undefined;
  /** Part uploads at once across all files of this storage (default 16; ABS max_async_connections). */
  maxConcurrentUploads?: number | undefined;
  /** A ready client instead of one built from the connection options (tests, shared clients). */
  client?: S3Client | undefined;
}

const BUCKET_NAME = /^[a-zA-Z0-9][a-zA-Z0-9._-]{1,61}[a-zA-Z0-9]$/;
const DELETE_BATCH = 1000;

export class S3Storage implements BackupStorage {
  readonly bucket: string;
  /** '' or 'some/prefix/' (with the trailing slash), prepended to every storage path. */
  private readonly root: string;
  readonly client: S3Client;
  private readonly partSize: number;
  private readonly partConcurrency: number;
  private readonly slots: Slots;
  private readonly endpoint: string | undefined;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(o: S3StorageOptions) {
    if (!o.bucket) throw new StorageConfigError('S3 storage needs a bucket');
    if (!BUCKET_NAME.test(o.bucket)) throw new StorageConfigError(`'${o.bucket}' is not a valid S3 bucket name (3-63 letters, digits, '.', '-')`);
    this.bucket = o.bucket;
    const prefix = (o.prefix ?? '').replace(/^\/+|\/+$/g, '');
    if (prefix) {
      try {
        checkPath(prefix);
      } catch (err) {
        throw new StorageConfigError(`S3 prefix: ${(err as Error).message}`, undefined, { cause: err });
      }
    }
    this.root = prefix ? `${prefix}/` : '';
    this.partSize = o.partSize ?? DEFAULT_PART_SIZE;
    if (!Number.isSafeInteger(this.partSize) || this.partSize < MIN_PART_SIZE || this.partSize > MAX_PART_SIZE) {
      throw new StorageConfigError(`S3 part size ${o.partSize} must be between ${MIN_PART_SIZE} (5 MiB) and ${MAX_PART_SIZE} (5 GiB) bytes`);
    }
    this.partConcurrency = Math.max(1, o.partConcurrency ?? 4);
    this.slots = new Slots(Math.max(1, o.maxConcurrentUploads ?? 16));
    this.endpoint = o.endpoint;
    this.maxAttempts = o.maxAttempts ?? o.retry?.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.baseDelayMs = o.retry?.baseDelayMs ?? 100;
    this.maxDelayMs = o.retry?.maxDelayMs ?? 20_000;
    this.client = o.client ?? createS3Client(o);
  }

  describe(): string {
    const url = `s3://${this.bucket}/${this.root.replace(/\/$/, '')}`.replace(/\/$/, '');
    return this.endpoint ? `${url} (endpoint ${redactEndpoint(this.endpoint)})` : url;
  }

  private key(path: string): string {
    return this.root + checkPath(path);
  }

  private display(path: string): string {
    return `s3://${this.bucket}/${this.root}${path}`;
  }

  /** Turns SDK failures into one clear StorageError; "region is missing" gets a hint. */
  private fail(what: string, path: string, operation: string, err: unknown): never {
    const hint = isRegionMissing(err) ? ' (set a region: s3-region, --s3-region or AWS_REGION)' : '';
    throw new StorageError(`cannot ${what} ${this.display(path)}: ${describeS3Error(operation, err)}${hint}`, this.display(path), { cause: err });
  }

  async openWrite(path: string): Promise<StorageWriter> {
    return new S3Writer({
      client: this.client,
      bucket: this.bucket,
      key: this.key(path),
      location: this.display(path),
      partSize: this.partSize,
      partConcurrency: this.partConcurrency,
      slots: this.slots,
    });
  }

  async openRead(path: string, options: ReadOptions = {}): Promise<Readable> {
    const key = this.key(path);
    checkRange(options);
    return openS3Read({
      client: this.client,
      bucket: this.bucket,
      key,
      location: this.display(path),
      start: options.start ?? 0,
      end: options.end,
      maxResumes: this.maxAttempts,
      baseDelayMs: this.baseDelayMs,
      maxDelayMs: this.maxDelayMs,
    });
  }

  async *list(prefix: string, options: ListOptions = {}): AsyncIterable<StorageEntry> {
    const folder = checkFolder(prefix);
    const keyPrefix = folder ? `${this.root}${folder}/` : this.root;
    let token: string | undefined;
    do {
      let page: ListObjectsV2CommandOutput;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            ...(keyPrefix ? { Prefix: keyPrefix } : {}),
            ...(options.recursive ? {} : { Delimiter: '/' }),
            ...(token ? { ContinuationToken: token } : {}),
          }),
        );
      } catch (err) {
        this.fail('list', folder, 'ListObjectsV2', err);
      }
      for (const obj of page.Contents ?? []) {
        const key = obj.Key;
        // Keys ending in '/' are folder markers made by consoles and other tools, not files.
        if (!key?.startsWith(this.root) || key.endsWith('/')) continue;
        yield { path: key.slice(this.root.length), size: obj.Size ?? 0, modified: obj.LastModified ?? new Date(0) };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async stat(path: string): Promise<StorageEntry | undefined> {
    const key = this.key(path);
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { path, size: r.ContentLength ?? 0, modified: r.LastModified ?? new Date(0) };
    } catch (err) {
      if (httpStatus(err) === 404) return undefined;
      this.fail('stat', path, 'HeadObject', err);
    }
  }

  async exists(path: string): Promise<boolean> {
    return (await this.stat(path)) !== undefined;
  }

  async remove(path: string): Promise<void> {
    const key = this.key(path);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (err) {
      if (httpStatus(err) === 404) return;
      this.fail('remove', path, 'DeleteObject', err);
    }
  }

  async removeTree(prefix: string): Promise<void> {
    const folder = checkFolder(prefix);
    if (folder === '') throw new StoragePathError(`refusing to remove the whole storage root ${this.describe()}`, prefix);
    let batch: string[] = [];
    const flush = async (): Promise<void> => {
      const keys = batch;
      batch = [];
      if (keys.length === 0) return;
      let errors: { Key?: string | undefined; Code?: string | undefined; Message?: string | undefined }[] = [];
      try {
        const r = await this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }));
        errors = r.Errors ?? [];
      } catch (err) {
        this.fail('remove', `${folder}/`, 'DeleteObjects', err);
      }
      // DeleteObjects answers 200 even when single keys fail; those must not pass silently.
      if (errors.length > 0) {
        const first = errors.slice(0, 3).map((e) => `${e.Key}: ${e.Code ?? 'error'} ${e.Message ?? ''}`.trim());
        throw new StorageError(`cannot remove ${errors.length} file(s) under ${this.display(`${folder}/`)}: ${first.join('; ')}`, this.display(`${folder}/`));
      }
    };
    // Deleting page by page keeps memory flat for trees of any size; continuation tokens are
    // positions in key order, so deleting what was listed does not disturb the next page.
    for await (const entry of this.list(folder, { recursive: true })) {
      batch.push(this.root + entry.path);
      if (batch.length >= DELETE_BATCH) await flush();
    }
    await flush();
  }

  /**
   * Aborts multipart uploads under a folder that were started before `startedBefore`. A process
   * killed mid-backup cannot abort its own uploads, and S3 keeps (and bills) their parts until
   * someone does; a bucket lifecycle rule is the other remedy. Returns the paths cleaned up.
   */
  async abortStaleUploads(prefix: string, startedBefore: Date = new Date()): Promise<string[]> {
    const folder = checkFolder(prefix);
    const keyPrefix = folder ? `${this.root}${folder}/` : this.root;
    const aborted: string[] = [];
    let keyMarker: string | undefined;
    let idMarker: string | undefined;
    do {
      let page: ListMultipartUploadsCommandOutput;
      try {
        page = await this.client.send(
          new ListMultipartUploadsCommand({
            Bucket: this.bucket,
            ...(keyPrefix ? { Prefix: keyPrefix } : {}),
            ...(keyMarker ? { KeyMarker: keyMarker } : {}),
            ...(idMarker ? { UploadIdMarker: idMarker } : {}),
          }),
        );
      } catch (err) {
        this.fail('list uploads under', `${folder}/`, 'ListMultipartUploads', err);
      }
      for (const u of page.Uploads ?? []) {
        if (!u.Key || !u.UploadId || (u.Initiated && u.Initiated >= startedBefore)) continue;
        const path = u.Key.slice(this.root.length);
        try {
          await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: u.Key, UploadId: u.UploadId }));
        } catch (err) {
          if (httpStatus(err) !== 404) this.fail('abort the upload of', path, 'AbortMultipartUpload', err);
        }
        aborted.push(path);
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      idMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
    } while (keyMarker);
    return aborted;
  }
}
