/**
 * Streaming zstd for `.asb` files (asb-format.md §8.2) on zstd-napi's native streaming contexts.
 * The package's own stream classes are not used because their errors carry no file name and
 * they cannot tell "wrong key / not compressed" apart from a file cut short; both matter when a
 * restore fails.
 */
import { Transform, type TransformCallback } from 'node:stream';
import binding from 'zstd-napi/binding.js';

/** The 4 bytes every zstd frame starts with (`28 b5 2f fd`). */
export const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

/** libzstd's default, which asbackup uses when no level is given. */
export const ZSTD_DEFAULT_LEVEL = 3;

export class ZstdStreamError extends Error {
  override name = 'ZstdStreamError';
}

const EMPTY = Buffer.alloc(0);
/** Written by endFrame(); recognised by identity, so it cannot collide with caller data. */
const END_FRAME = Buffer.alloc(0);
const OUT_SIZE = binding.cStreamOutSize();
const D_OUT_SIZE = binding.dStreamOutSize();

function where(file: string | undefined): string {
  return file === undefined ? '' : `${file}: `;
}

/**
 * Compresses everything written into one zstd frame, closed when the stream ends. `endFrame()`
 * closes the current frame early (as asbackup does on every flush); decoders read the
 * concatenation as one stream.
 */
export class ZstdCompressStream extends Transform {
  private readonly cctx = new binding.CCtx();
  private out = Buffer.allocUnsafe(OUT_SIZE);
  private frameOpen = false;

  constructor(level: number = ZSTD_DEFAULT_LEVEL) {
    super();
    if (!Number.isInteger(level)) throw new RangeError(`zstd level must be an integer, got ${level}`);
    this.cctx.setParameter(binding.CParameter.compressionLevel, level);
  }

  /** Ends the current frame so everything written so far is decodable on its own. */
  endFrame(callback?: (error?: Error | null) => void): void {
    this.write(END_FRAME, callback);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      if (chunk === END_FRAME) {
        if (this.frameOpen) this.compress(EMPTY, binding.EndDirective.end);
      } else if (chunk.length > 0) {
        this.compress(chunk, binding.EndDirective.continue);
      }
    } catch (e) {
      callback(new ZstdStreamError(`zstd compression failed: ${(e as Error).message}`, { cause: e }));
      return;
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    try {
      // An empty input still gets one (empty) frame, so the output is always a valid zstd stream.
      this.frameOpen = true;
      this.compress(EMPTY, binding.EndDirective.end);
    } catch (e) {
      callback(new ZstdStreamError(`zstd compression failed: ${(e as Error).message}`, { cause: e }));
      return;
    }
    callback();
  }

  private compress(input: Buffer, directive: binding.EndDirective): void {
    let src = input;
    this.frameOpen = directive !== binding.EndDirective.end;
    for (;;) {
      const [remaining, produced, consumed] = this.cctx.compressStream2(this.out, src, directive);
      if (produced > 0) this.emit_(produced);
      src = src.subarray(consumed);
      if (src.length === 0 && (directive === binding.EndDirective.continue || remaining === 0)) return;
    }
  }

  /** Small outputs are copied so a mostly-empty 128 KiB buffer is not kept alive downstream. */
  private emit_(produced: number): void {
    if (produced * 2 < this.out.length) {
      this.push(Buffer.from(this.out.subarray(0, produced)));
    } else {
      this.push(this.out.subarray(0, produced));
      this.out = Buffer.allocUnsafe(OUT_SIZE);
    }
  }
}

export interface ZstdDecompressOptions {
  /** Named in error messages. */
  file?: string;
}

/**
 * Decompresses a sequence of concatenated zstd frames (empty ones included) until the input
 * ends. Fails if the input is not zstd or ends inside a frame.
 */
export class ZstdDecompressStream extends Transform {
  private readonly dctx = new binding.DCtx();
  private readonly file: string | undefined;
  private inFrame = false;
  private sawInput = false;

  constructor(options: ZstdDecompressOptions = {}) {
    super();
    this.file = options.file;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (chunk.length === 0) {
      callback();
      return;
    }
    this.sawInput = true;
    try {
      let src = chunk;
      for (;;) {
        const out = Buffer.allocUnsafe(D_OUT_SIZE);
        const [remaining, produced, consumed] = this.dctx.decompressStream(out, src);
        if (produced > 0) this.push(produced * 2 < out.length ? Buffer.from(out.subarray(0, produced)) : out.subarray(0, produced));
        src = src.subarray(consumed);
        // A full output buffer may leave decoded bytes inside the context: drain before leaving.
        if (src.length === 0 && produced < out.length) {
          this.inFrame = remaining !== 0;
          break;
        }
      }
    } catch (e) {
      callback(
        new ZstdStreamError(`${where(this.file)}zstd decompression failed: ${(e as Error).message} (not zstd data, or wrong encryption key?)`, {
          cause: e,
        }),
      );
      return;
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.inFrame) {
      callback(new ZstdStreamError(`${where(this.file)}zstd data ends inside a frame (file truncated?)`));
      return;
    }
    if (!this.sawInput) {
      callback(new ZstdStreamError(`${where(this.file)}zstd data is empty (no frame at all)`));
      return;
    }
    callback();
  }
}

export function createZstdCompressStream(level?: number): ZstdCompressStream {
  return new ZstdCompressStream(level);
}

export function createZstdDecompressStream(options?: ZstdDecompressOptions): ZstdDecompressStream {
  return new ZstdDecompressStream(options);
}
