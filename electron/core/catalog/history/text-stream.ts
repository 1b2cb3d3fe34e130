/**
 * The `.asb` text of one backup file, from the start or from a text offset. Plain files are read
 * from the offset with a ranged read; compressed or encrypted files have no random access (one
 * zstd stream, CTR over the whole file), so they are decoded from the start and the bytes before
 * the offset dropped.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { decodeFileStream, type FileCodecOptions } from '../../format/file-codec.js';
import type { BackupStorage } from '../../storage/storage.js';

export function isPlain(codec: FileCodecOptions): boolean {
  return codec.compression === 'none' && codec.encryption === 'none';
}

/** Passes bytes through while hashing and counting them (the stored bytes, before decoding). */
export class HashTap extends Transform {
  private readonly hash: Hash = createHash('sha256');
  size = 0;
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    cb(null, chunk);
  }
  digest(): string {
    return this.hash.digest('hex');
  }
}

export interface OpenedText {
  text: AsyncIterable<Buffer>;
  /** Releases the file (safe to call more than once). */
  close(): void;
}

/** The file's text from `offset` on. */
export async function openText(storage: BackupStorage, path: string, codec: FileCodecOptions, offset = 0, tap?: HashTap): Promise<OpenedText> {
  if (isPlain(codec) && !tap) {
    const raw = await storage.openRead(path, offset > 0 ? { start: offset } : {});
    return { text: raw as AsyncIterable<Buffer>, close: () => raw.destroy() };
  }
  const raw = await storage.openRead(path);
  let source: Readable = raw;
  if (tap) {
    raw.on('error', (err) => tap.destroy(err));
    source = raw.pipe(tap);
  }
  const decoded = decodeFileStream(source, codec, path);
  const close = (): void => {
    raw.destroy();
    decoded.destroy();
  };
  return { text: offset > 0 ? skipBytes(decoded as AsyncIterable<Buffer>, offset) : (decoded as AsyncIterable<Buffer>), close };
}

async function* skipBytes(source: AsyncIterable<Buffer>, n: number): AsyncGenerator<Buffer> {
  let left = n;
  for await (const chunk of source) {
    if (left >= chunk.length) {
      left -= chunk.length;
      continue;
    }
    yield left > 0 ? chunk.subarray(left) : chunk;
    left = 0;
  }
}
