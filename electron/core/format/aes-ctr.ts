/**
 * The AES-CTR file layer of asbackup / backup-go / ABS (asb-format.md §8.4): the file starts
 * with the initial counter block C encrypted with AES-ECB, followed by the payload under CTR
 * starting at C + 1. No padding and no MAC, so the file is exactly 16 bytes longer than its
 * payload and a wrong key only shows up as garbage in the next layer.
 */
import { createCipheriv, createDecipheriv, randomBytes, type Cipher, type Decipher } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

export type AesMode = 'aes128' | 'aes256';

export const AES_KEY_BYTES: Readonly<Record<AesMode, number>> = { aes128: 16, aes256: 32 };

/** Size of the encrypted counter block in front of the payload. */
export const AES_CTR_HEADER_BYTES = 16;

export class AesCtrError extends Error {
  override name = 'AesCtrError';
}

function bits(mode: AesMode): number {
  return mode === 'aes128' ? 128 : 256;
}

/** Validates the key length only; the message never includes key bytes. */
function checkKey(mode: AesMode, key: Buffer): void {
  if (key.length !== AES_KEY_BYTES[mode]) {
    throw new AesCtrError(`${mode} needs a ${AES_KEY_BYTES[mode]}-byte key, got ${key.length} bytes`);
  }
}

/** C + 1 over the whole 128-bit block, wrapping at 2^128, as OpenSSL/Go/Node CTR count. */
export function nextCounterBlock(block: Buffer): Buffer {
  const out = Buffer.from(block);
  for (let i = 15; i >= 0; i--) {
    out[i] = (out[i]! + 1) & 0xff;
    if (out[i] !== 0) break;
  }
  return out;
}

function ecb(mode: AesMode, key: Buffer, encrypt: boolean, block: Buffer): Buffer {
  const alg = `aes-${bits(mode)}-ecb`;
  const c = encrypt ? createCipheriv(alg, key, null) : createDecipheriv(alg, key, null);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(block), c.final()]);
}

/** asbackup's habit: 4 bytes of Unix time, then 12 random bytes. Any random block would do. */
function newCounterBlock(): Buffer {
  const c = randomBytes(16);
  c.writeUInt32BE(Math.floor(Date.now() / 1000) >>> 0, 0);
  return c;
}

export interface AesCtrEncryptOptions {
  /** Initial counter block C; random when absent. Only tests should need to fix it. */
  counter?: Buffer;
}

export class AesCtrEncryptStream extends Transform {
  private header: Buffer | null;
  private readonly cipher: Cipher;

  constructor(mode: AesMode, key: Buffer, options: AesCtrEncryptOptions = {}) {
    super();
    checkKey(mode, key);
    const counter = options.counter ?? newCounterBlock();
    if (counter.length !== 16) throw new AesCtrError('the counter block must be 16 bytes');
    this.header = ecb(mode, key, true, counter);
    this.cipher = createCipheriv(`aes-${bits(mode)}-ctr`, key, nextCounterBlock(counter));
  }

  private pushHeader(): void {
    if (this.header === null) return;
    this.push(this.header);
    this.header = null;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.pushHeader();
    const out = this.cipher.update(chunk);
    if (out.length > 0) this.push(out);
    callback();
  }

  override _flush(callback: TransformCallback): void {
    // An empty payload still needs the counter block, or the reader could not tell it from a
    // truncated file.
    this.pushHeader();
    const out = this.cipher.final();
    if (out.length > 0) this.push(out);
    callback();
  }
}

export interface AesCtrDecryptOptions {
  /** Named in error messages. */
  file?: string;
}

export class AesCtrDecryptStream extends Transform {
  private readonly mode: AesMode;
  private key: Buffer | null;
  private readonly file: string | undefined;
  private head = Buffer.alloc(0);
  private decipher: Decipher | null = null;

  constructor(mode: AesMode, key: Buffer, options: AesCtrDecryptOptions = {}) {
    super();
    checkKey(mode, key);
    this.mode = mode;
    this.key = key;
    this.file = options.file;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let data = chunk;
    if (this.decipher === null) {
      const need = AES_CTR_HEADER_BYTES - this.head.length;
      this.head = Buffer.concat([this.head, data.subarray(0, need)]);
      data = data.subarray(need);
      if (this.head.length < AES_CTR_HEADER_BYTES) {
        callback();
        return;
      }
      const key = this.key!;
      const counter = ecb(this.mode, key, false, this.head);
      this.decipher = createDecipheriv(`aes-${bits(this.mode)}-ctr`, key, nextCounterBlock(counter));
      // The decipher holds the key from here on; drop our reference.
      this.key = null;
    }
    if (data.length > 0) {
      const out = this.decipher.update(data);
      if (out.length > 0) this.push(out);
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.decipher === null) {
      const where = this.file === undefined ? '' : `${this.file}: `;
      callback(new AesCtrError(`${where}encrypted data is too short: ${this.head.length} of the 16 counter-block bytes present`));
      return;
    }
    const out = this.decipher.final();
    if (out.length > 0) this.push(out);
    callback();
  }
}

export function createAesCtrEncryptStream(mode: AesMode, key: Buffer, options?: AesCtrEncryptOptions): AesCtrEncryptStream {
  return new AesCtrEncryptStream(mode, key, options);
}

export function createAesCtrDecryptStream(mode: AesMode, key: Buffer, options?: AesCtrDecryptOptions): AesCtrDecryptStream {
  return new AesCtrDecryptStream(mode, key, options);
}
