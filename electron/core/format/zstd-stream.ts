/**
 * zstd for `.asb` files (asb-format.md §8.2) on zstd-napi's native contexts.
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
/** libzstd's recommended output size for streaming decompression (a block, 128 KiB). */
export const D_OUT_SIZE = binding.dStreamOutSize();

function where(file: string | undefined): string {
  return file === undefined ? '' : `${file}: `;
}

/**
 * Input is compressed in frames of about this much text: smaller writes are gathered until there
 * is this much, a write at least this large is a frame of its own.
 */
export const ZSTD_FRAME_BYTES = 256 * 1024;
/** Largest frame: a larger write is cut into frames of this size. */
export const ZSTD_MAX_FRAME_BYTES = 1024 * 1024;

/** Where compressed frames go: `buffer()` lends room for one, `frame()` takes it back filled. */
export interface ZstdFrameOutput {
  /** A buffer of at least `bound` bytes to compress the next frame into. */
  buffer(bound: number): Buffer;
  /** The frame is `buf[0, n)`. */
  frame(buf: Buffer, n: number): void;
}

/**
 * The synchronous core of zstd compression for `.asb` files: text in, whole zstd frames out,
 * each frame holding at most ZSTD_MAX_FRAME_BYTES of text. Decoders (asrestore, `zstd -d`, ours)
 * read the concatenation as one stream; asbackup itself writes a frame per flush.
 *
 * Each frame is compressed in one call whose input size the compressor knows, so its window is
 * the frame (256 KiB for the backup engine's chunks) rather than libzstd's streaming window
 * (2 MiB at level 3, plus as much again in stream buffers): a context stays under 1 MB however
 * many files are open, and this is about twice as fast as streaming at the same ratio.
 */
export class ZstdFrameEncoder {
  private readonly cctx = new binding.CCtx();
  /** Small writes gathered for the next frame. */
  private staged: Buffer = EMPTY;
  private stagedLength = 0;
  private frames = 0;

  constructor(level: number = ZSTD_DEFAULT_LEVEL) {
    if (!Number.isInteger(level)) throw new RangeError(`zstd level must be an integer, got ${level}`);
    this.cctx.setParameter(binding.CParameter.compressionLevel, level);
  }

  /** Takes `chunk` (not kept: it may be reused once this returns); frames that are ready go to `out`. */
  write(chunk: Buffer, out: ZstdFrameOutput): void {
    if (chunk.length === 0) return;
    if (this.stagedLength > 0) {
      // Gathered bytes (a file's header, say) go in front of the next chunk when both fit one frame.
      if (this.stagedLength + chunk.length <= ZSTD_MAX_FRAME_BYTES) {
        this.stage(chunk);
        if (this.stagedLength >= ZSTD_FRAME_BYTES) this.endFrame(out);
        return;
      }
      this.endFrame(out);
    }
    if (chunk.length < ZSTD_FRAME_BYTES) {
      this.stage(chunk);
      return;
    }
    for (let at = 0; at < chunk.length; at += ZSTD_MAX_FRAME_BYTES) this.frame(chunk.subarray(at, at + ZSTD_MAX_FRAME_BYTES), out);
  }

  /** Closes the current frame: everything written so far becomes decodable on its own. */
  endFrame(out: ZstdFrameOutput): void {
    if (this.stagedLength === 0) return;
    const n = this.stagedLength;
    this.stagedLength = 0;
    this.frame(this.staged.subarray(0, n), out);
    // A large staging buffer is only needed while small writes keep coming; let it go.
    if (this.staged.length > ZSTD_FRAME_BYTES) this.staged = EMPTY;
  }

  /** Closes the last frame; an input that was empty still gets one (empty) frame, so the output is always valid zstd. */
  end(out: ZstdFrameOutput): void {
    this.endFrame(out);
    if (this.frames === 0) this.frame(EMPTY, out);
  }

  private stage(chunk: Buffer): void {
    const need = this.stagedLength + chunk.length;
    if (need > this.staged.length) {
      const next = Buffer.allocUnsafeSlow(Math.min(ZSTD_MAX_FRAME_BYTES, Math.max(need, 2 * this.staged.length, 16 * 1024)));
      this.staged.copy(next, 0, 0, this.stagedLength);
      this.staged = next;
    }
    chunk.copy(this.staged, this.stagedLength);
    this.stagedLength = need;
  }

  /** Compresses `src` as one whole frame (its size in the frame header). */
  private frame(src: Buffer, out: ZstdFrameOutput): void {
    const dst = out.buffer(binding.compressBound(src.length));
    let n: number;
    try {
      n = this.cctx.compress2(dst, src);
    } catch (e) {
      throw new ZstdStreamError(`zstd compression failed: ${(e as Error).message}`, { cause: e });
    }
    this.frames++;
    out.frame(dst, n);
  }
}

/**
 * ZstdFrameEncoder as a stream: each frame is compressed into one scratch buffer and pushed as an
 * exact-size copy. `endFrame()` closes the current frame early. A FileSink whose only stage is
 * this stream drives `encoder` itself, writing frames to storage from recycled buffers.
 */
export class ZstdCompressStream extends Transform {
  readonly encoder: ZstdFrameEncoder;
  /** Scratch output, grown to the bound of the largest frame so far. */
  private scratch: Buffer = EMPTY;
  private readonly output: ZstdFrameOutput = {
    buffer: (bound) => {
      if (this.scratch.length < bound) this.scratch = Buffer.allocUnsafeSlow(bound);
      return this.scratch;
    },
    frame: (buf, n) => {
      this.push(Buffer.from(buf.subarray(0, n)));
    },
  };

  constructor(level: number = ZSTD_DEFAULT_LEVEL) {
    super();
    this.encoder = new ZstdFrameEncoder(level);
  }

  /** Ends the current frame so everything written so far is decodable on its own. */
  endFrame(callback?: (error?: Error | null) => void): void {
    this.write(END_FRAME, callback);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      if (chunk === END_FRAME) this.encoder.endFrame(this.output);
      else this.encoder.write(chunk, this.output);
    } catch (e) {
      callback(e as Error);
      return;
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.encoder.end(this.output);
    } catch (e) {
      callback(e as Error);
      return;
    }
    callback();
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
  private readonly decoder: ZstdFrameDecoder;
  private readonly output = {
    buffer: (): Buffer => Buffer.allocUnsafe(D_OUT_SIZE),
    data: (out: Buffer, produced: number): void => {
      this.push(produced * 2 < out.length ? Buffer.from(out.subarray(0, produced)) : out.subarray(0, produced));
    },
  };

  constructor(options: ZstdDecompressOptions = {}) {
    super();
    this.decoder = new ZstdFrameDecoder(options);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.decoder.write(chunk, this.output);
    } catch (e) {
      callback(e as Error);
      return;
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.decoder.end();
    } catch (e) {
      callback(e as Error);
      return;
    }
    callback();
  }
}

/** Where decompressed bytes go: `buffer()` lends room, `data()` hands over what was written there. */
export interface ZstdDecodeOutput {
  /** A buffer to decompress into (at least 64 KiB); a fresh one, or one reused once `data()` returned. */
  buffer(): Buffer;
  /** `out[0, produced)` holds decompressed bytes. */
  data(out: Buffer, produced: number): void;
}

/**
 * The synchronous core of zstd decompression: a sequence of concatenated frames (empty ones
 * included) in, text out. Fails if the input is not zstd or ends inside a frame.
 */
export class ZstdFrameDecoder {
  private readonly dctx = new binding.DCtx();
  private readonly file: string | undefined;
  private inFrame = false;
  private sawInput = false;

  constructor(options: ZstdDecompressOptions = {}) {
    this.file = options.file;
  }

  write(chunk: Buffer, output: ZstdDecodeOutput): void {
    if (chunk.length === 0) return;
    this.sawInput = true;
    let src = chunk;
    for (;;) {
      const out = output.buffer();
      let remaining: number;
      let produced: number;
      let consumed: number;
      try {
        [remaining, produced, consumed] = this.dctx.decompressStream(out, src);
      } catch (e) {
        throw new ZstdStreamError(`${where(this.file)}zstd decompression failed: ${(e as Error).message} (not zstd data, or wrong encryption key?)`, { cause: e });
      }
      if (produced > 0) output.data(out, produced);
      src = src.subarray(consumed);
      // A full output buffer may leave decoded bytes inside the context: drain before leaving.
      if (src.length === 0 && produced < out.length) {
        this.inFrame = remaining !== 0;
        return;
      }
    }
  }

  /** Checks that the input ended between frames, after at least one. */
  end(): void {
    if (this.inFrame) throw new ZstdStreamError(`${where(this.file)}zstd data ends inside a frame (file truncated?)`);
    if (!this.sawInput) throw new ZstdStreamError(`${where(this.file)}zstd data is empty (no frame at all)`);
  }
}

export function createZstdCompressStream(level?: number): ZstdCompressStream {
  return new ZstdCompressStream(level);
}

export function createZstdDecompressStream(options?: ZstdDecompressOptions): ZstdDecompressStream {
  return new ZstdDecompressStream(options);
}
