/**
 * Composition of the file layers (asb-format.md §8.1): writing is text → zstd → AES-CTR,
 * reading is AES-CTR → zstd → text. Nothing in a file announces its layers, so the caller must
 * pass the same settings for both directions.
 */
import { pipeline, Readable, type Transform } from 'node:stream';
import { AES_CTR_HEADER_BYTES, AES_KEY_BYTES, AesCtrDecryptStream, AesCtrEncryptStream, type AesMode } from './aes-ctr.js';
import { readAsb, readAsbBatches, readAsbEncodedBatches, readAsbEncodedBatchesExpanded, type AsbItem, type AsbReaderOptions, type AsbWireItem } from './asb-reader.js';
import { aesKeyFromHash } from './encryption-key.js';
import { D_OUT_SIZE, ZSTD_MAGIC, ZstdCompressStream, ZstdDecompressStream, ZstdFrameDecoder } from './zstd-stream.js';

export type Compression = 'none' | 'zstd';
export type Encryption = 'none' | AesMode;

export interface FileCodecOptions {
  compression: Compression;
  /** zstd level (libzstd bounds); libzstd's default 3 when absent, as asbackup. */
  level?: number;
  encryption: Encryption;
  /**
   * The 32-byte key hash from encryption-key.ts (AES-128 uses its first 16 bytes), or the exact
   * 16-byte AES-128 key. Required when encrypting.
   */
  key?: Buffer;
}

export class FileCodecError extends Error {
  override name = 'FileCodecError';
}

function aesKey(codec: FileCodecOptions, mode: AesMode): Buffer {
  const key = codec.key;
  if (key === undefined) throw new FileCodecError(`${mode} encryption needs a key`);
  if (key.length === 32) return aesKeyFromHash(key, mode);
  if (key.length === AES_KEY_BYTES[mode]) return key;
  throw new FileCodecError(`${mode} needs a 32-byte key hash or a ${AES_KEY_BYTES[mode]}-byte key, got ${key.length} bytes`);
}

/** Transforms turning `.asb` text into file bytes, in pipeline order (may be empty). */
export function createEncodeTransforms(codec: FileCodecOptions): Transform[] {
  const out: Transform[] = [];
  if (codec.compression === 'zstd') out.push(new ZstdCompressStream(codec.level));
  if (codec.encryption !== 'none') out.push(new AesCtrEncryptStream(codec.encryption, aesKey(codec, codec.encryption)));
  return out;
}

/** Transforms turning file bytes back into `.asb` text, in pipeline order (may be empty). */
export function createDecodeTransforms(codec: FileCodecOptions, file?: string): Transform[] {
  const out: Transform[] = [];
  if (codec.encryption !== 'none') out.push(new AesCtrDecryptStream(codec.encryption, aesKey(codec, codec.encryption), { file }));
  if (codec.compression === 'zstd') out.push(new ZstdDecompressStream({ file }));
  return out;
}

/**
 * Pipes `source` through `transforms` and returns the readable end. Errors anywhere destroy the
 * whole chain and surface on the returned stream (e.g. as a rejection in `for await`).
 */
export function chainStreams(source: Readable | AsyncIterable<Uint8Array> | Iterable<Uint8Array>, transforms: Transform[]): Readable {
  const src = source instanceof Readable ? source : Readable.from(source, { objectMode: false });
  const last = transforms[transforms.length - 1];
  if (last === undefined) return src;
  pipeline([src, ...transforms], () => {
    // Errors reach the consumer through `last`, which pipeline destroys with them.
  });
  return last;
}

/** File bytes for a stream of `.asb` text chunks. */
export function encodeFileStream(text: Readable | AsyncIterable<Uint8Array> | Iterable<Uint8Array>, codec: FileCodecOptions): Readable {
  return chainStreams(text, createEncodeTransforms(codec));
}

/** `.asb` text for a stream of file bytes. */
export function decodeFileStream(bytes: Readable | AsyncIterable<Uint8Array> | Iterable<Uint8Array>, codec: FileCodecOptions, file?: string): Readable {
  return chainStreams(bytes, createDecodeTransforms(codec, file));
}

/** Reads a whole file's items: decrypt, decompress, parse, all streaming. */
export async function* readAsbFile(
  bytes: Readable | AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  codec: FileCodecOptions,
  options: AsbReaderOptions,
): AsyncGenerator<AsbItem, void, undefined> {
  yield* readAsb(decodeFileStream(bytes, codec, options.file), options);
}

/** `readAsbFile` in arrays of items, one per decoded chunk. */
export function readAsbFileBatches(
  bytes: Readable | AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  codec: FileCodecOptions,
  options: AsbReaderOptions,
): AsyncGenerator<AsbItem[], void, undefined> {
  return readAsbBatches(decodeFileStream(bytes, codec, options.file), options);
}

/**
 * `readAsbFileBatches` for the restore hot path: records as EncodedRecords. zstd is decompressed
 * here rather than by a stream stage, into one buffer the decoder copies from (a stream pushes a
 * new 128 KiB buffer per block, for the GC to collect later).
 */
export function readAsbFileEncodedBatches(
  bytes: Readable | AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  codec: FileCodecOptions,
  options: AsbReaderOptions,
): AsyncGenerator<AsbWireItem[], void, undefined> {
  if (codec.compression !== 'zstd') return readAsbEncodedBatches(decodeFileStream(bytes, codec, options.file), options);
  const zstd = new ZstdFrameDecoder({ file: options.file });
  const out = Buffer.allocUnsafeSlow(D_OUT_SIZE);
  let piece: (text: Buffer) => void = () => undefined;
  const output = { buffer: (): Buffer => out, data: (buf: Buffer, n: number): void => piece(buf.subarray(0, n)) };
  return readAsbEncodedBatchesExpanded(
    decodeFileStream(bytes, { ...codec, compression: 'none' }, options.file),
    options,
    (chunk, p) => {
      piece = p;
      zstd.write(chunk, output);
    },
    () => zstd.end(),
  );
}

/**
 * Best guess at a file's outer layer from its first bytes, for friendlier errors when the
 * configured settings do not match: plain text starts with `Version `, zstd with its magic,
 * and anything else is taken as encrypted.
 */
export function guessOuterLayer(head: Buffer): 'text' | 'zstd' | 'encrypted' | 'unknown' {
  if (head.length >= 8 && head.toString('latin1', 0, 8) === 'Version ') return 'text';
  if (head.length >= 4 && head.subarray(0, 4).equals(ZSTD_MAGIC)) return 'zstd';
  return head.length >= AES_CTR_HEADER_BYTES ? 'encrypted' : 'unknown';
}
