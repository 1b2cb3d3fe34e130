/**
 * Reads an S3 object (or a byte range of it) as a stream that survives a broken connection:
 * the SDK retries a failing GetObject, but not a body that dies half way, which on a
 * multi-gigabyte backup file is the likelier failure. Here the stream continues with a new ranged
 * GetObject from the byte it reached, pinned to the same ETag (If-Match) so that a file replaced
 * in the meantime fails loudly instead of splicing two versions together.
 */
import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeS3Error, httpStatus } from './s3-client.js';
import { backoffDelay } from './retry-strategy.js';
import { StorageError, StorageNotFoundError } from './storage.js';

export interface S3ReadOptions {
  client: S3Client;
  bucket: string;
  key: string;
  location: string;
  start: number;
  /** Inclusive. */
  end?: number | undefined;
  /** Times a read may be resumed in a row without receiving a byte in between. */
  maxResumes: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

function rangeHeader(start: number, end: number | undefined): string | undefined {
  // No header for a plain full read: S3 answers 416 to "bytes=0-" on an empty object.
  if (start === 0 && end === undefined) return undefined;
  return `bytes=${start}-${end ?? ''}`;
}

async function get(o: S3ReadOptions, start: number, etag: string | undefined): Promise<GetObjectCommandOutput | undefined> {
  const range = rangeHeader(start, o.end);
  try {
    return await o.client.send(
      new GetObjectCommand({ Bucket: o.bucket, Key: o.key, ...(range ? { Range: range } : {}), ...(etag ? { IfMatch: etag } : {}) }),
    );
  } catch (err) {
    const status = httpStatus(err);
    if (status === 404) throw new StorageNotFoundError(`${o.location} does not exist`, o.location, { cause: err });
    // Start at or past the end: an empty read, the same as a local file.
    if (status === 416) return undefined;
    if (status === 412) throw new StorageError(`${o.location} changed while it was being read`, o.location, { cause: err });
    throw new StorageError(`cannot read ${o.location}: ${describeS3Error('GetObject', err)}`, o.location, { cause: err });
  }
}

function bodyStream(r: GetObjectCommandOutput, location: string): Readable {
  if (r.Body instanceof Readable) return r.Body;
  throw new StorageError(`cannot read ${location}: the S3 client returned no Node.js stream`, location);
}

/** Absolute offset of the body's first byte: from Content-Range, or 0 if the range was ignored. */
function bodyOffset(r: GetObjectCommandOutput, location: string): number {
  if (!r.ContentRange) return 0;
  const m = /^bytes (\d+)-\d+\/(?:\d+|\*)$/.exec(r.ContentRange);
  if (!m) throw new StorageError(`cannot read ${location}: unexpected Content-Range '${r.ContentRange}'`, location);
  return Number(m[1]);
}

/**
 * Opens the object; the first request is made here so a missing object fails at open.
 * The byte window is enforced here too, not only by the Range header: HTTP lets a server ignore
 * Range (answering 200 with everything), and some S3-compatible servers get edge cases wrong.
 */
export async function openS3Read(o: S3ReadOptions): Promise<Readable> {
  const first = await get(o, o.start, undefined);
  if (!first) return Readable.from([]);
  const etag = first.ETag;
  const stop = o.end === undefined ? Number.POSITIVE_INFINITY : o.end + 1;

  async function* chunks(): AsyncGenerator<Buffer> {
    let pos = o.start;
    let response: GetObjectCommandOutput | undefined = first;
    let resumes = 0;
    while (response && pos < stop) {
      const body = bodyStream(response, o.location);
      try {
        let at = bodyOffset(response, o.location);
        if (at > pos) throw new StorageError(`cannot read ${o.location}: asked for byte ${pos}, the server sent from ${at}`, o.location);
        const bodyEnd = Math.min(stop, at + (response.ContentLength ?? Number.POSITIVE_INFINITY));
        for await (const raw of body as AsyncIterable<Buffer>) {
          const from = Math.max(0, pos - at);
          const to = Math.min(raw.length, stop - at);
          at += raw.length;
          if (to > from) {
            pos += to - from;
            // Progress since the last break: the budget is for breaks in a row, not per file.
            resumes = 0;
            yield from === 0 && to === raw.length ? raw : raw.subarray(from, to);
          }
          if (pos >= stop) return;
        }
        if (Number.isFinite(bodyEnd) && pos < bodyEnd) throw new Error(`connection closed after byte ${pos} of ${bodyEnd}`);
        return;
      } catch (err) {
        if (err instanceof StorageError) throw err;
        body.destroy();
        if (++resumes > o.maxResumes) {
          throw new StorageError(`cannot read ${o.location}: the download broke off at byte ${pos}, ${resumes} times in a row: ${(err as Error).message}`, o.location, { cause: err });
        }
        await sleep(backoffDelay(resumes, o.baseDelayMs, o.maxDelayMs));
        response = await get(o, pos, etag);
      } finally {
        // Reached when the consumer stops early or the window is complete; the socket must not
        // stay half-read.
        if (!body.destroyed && !body.readableEnded) body.destroy();
      }
    }
  }

  return Readable.from(chunks(), { objectMode: false, highWaterMark: 64 * 1024 });
}
