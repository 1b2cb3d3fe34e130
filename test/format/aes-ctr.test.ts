import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AesCtrDecryptStream, AesCtrEncryptStream, AesCtrError, nextCounterBlock, type AesMode } from '../../electron/core/format/aes-ctr.js';
import { aesKeyFromHash, keyHashFromPemFile } from '../../electron/core/format/encryption-key.js';
import { KEY_PEM, PLAIN_FILE, variantFiles } from './fixtures.js';
import { pieces, runStream } from './streams.js';

const plain = readFileSync(PLAIN_FILE);
const keyHash = await keyHashFromPemFile(KEY_PEM);


describe('AES-CTR file layer', () => {
  for (const mode of ['aes128', 'aes256'] as const) {
    test(`${mode}: the fixture decrypts, in 1-byte and odd-sized pieces`, async () => {
      const key = aesKeyFromHash(keyHash, mode);
      const file = readFileSync(variantFiles(mode)[0]!);
      assert.equal(file.length, plain.length + 16);
      const whole = await runStream([file], new AesCtrDecryptStream(mode, key));
      assert.equal(whole.length, plain.length);
      const head = plain.indexOf('\n+ ') + 1;
      assert.ok(whole.subarray(0, head).equals(plain.subarray(0, head)), 'header and globals as in plain/');
      assert.ok((await runStream(pieces(file, 1), new AesCtrDecryptStream(mode, key))).equals(whole));
      assert.ok((await runStream(pieces(file, 23), new AesCtrDecryptStream(mode, key))).equals(whole));
    });
  }

  test('layout: AES-ECB(C), then the payload under CTR from C + 1', async () => {
    const cases: Array<[AesMode, Buffer]> = [
      ['aes128', randomBytes(16)],
      ['aes256', randomBytes(32)],
    ];
    for (const [mode, key] of cases) {
      const counter = randomBytes(16);
      const out = await runStream(pieces(plain, 1000), new AesCtrEncryptStream(mode, key, { counter }));
      assert.equal(out.length, plain.length + 16);
      // Independent check (asb-format.md §8.4): the whole file is CTR from C over 16 zero bytes + payload.
      const ref = createCipheriv(`aes-${mode.slice(3)}-ctr`, key, counter).update(Buffer.concat([Buffer.alloc(16), plain]));
      assert.ok(out.equals(ref));
      const ecb = createDecipheriv(`aes-${mode.slice(3)}-ecb`, key, null).setAutoPadding(false).update(out.subarray(0, 16));
      assert.ok(ecb.equals(counter));
      assert.ok((await runStream([out], new AesCtrDecryptStream(mode, key))).equals(plain));
    }
  });

  test('the counter carries across all 16 bytes and wraps at 2^128', async () => {
    assert.equal(nextCounterBlock(Buffer.from('000000000000000000000000000000ff', 'hex')).toString('hex'), '00000000000000000000000000000100');
    assert.equal(nextCounterBlock(Buffer.from('00ffffffffffffffffffffffffffffff', 'hex')).toString('hex'), '01000000000000000000000000000000');
    assert.equal(nextCounterBlock(Buffer.alloc(16, 0xff)).toString('hex'), '0'.repeat(32));
    const key = randomBytes(16);
    const counter = Buffer.from('fffffffffffffffffffffffffffffffd', 'hex');
    const payload = randomBytes(100);
    const out = await runStream([payload], new AesCtrEncryptStream('aes128', key, { counter }));
    const ref = createCipheriv('aes-128-ctr', key, counter).update(Buffer.concat([Buffer.alloc(16), payload]));
    assert.ok(out.equals(ref));
    assert.ok((await runStream(pieces(out, 5), new AesCtrDecryptStream('aes128', key))).equals(payload));
  });

  test('empty payload: 16 bytes; fewer than 16 bytes cannot be decrypted', async () => {
    const key = randomBytes(32);
    const out = await runStream([], new AesCtrEncryptStream('aes256', key));
    assert.equal(out.length, 16);
    assert.equal((await runStream([out], new AesCtrDecryptStream('aes256', key))).length, 0);
    await assert.rejects(runStream([out.subarray(0, 15)], new AesCtrDecryptStream('aes256', key, { file: 'short.asb' })), (e: unknown) => {
      assert.ok(e instanceof AesCtrError);
      assert.match(e.message, /^short\.asb: encrypted data is too short: 15 of the 16/);
      return true;
    });
  });

  test('a fresh counter block per stream, starting with the Unix time as asbackup does', async () => {
    const key = randomBytes(16);
    const a = await runStream([plain.subarray(0, 10)], new AesCtrEncryptStream('aes128', key));
    const b = await runStream([plain.subarray(0, 10)], new AesCtrEncryptStream('aes128', key));
    assert.notDeepEqual(a, b);
    const c = createDecipheriv('aes-128-ecb', key, null).setAutoPadding(false).update(a.subarray(0, 16));
    assert.ok(Math.abs(c.readUInt32BE(0) - Date.now() / 1000) < 60);
  });

  test('key length is checked without revealing the key', () => {
    const key = Buffer.from('secretsecretsecretsecret');
    assert.throws(
      () => new AesCtrEncryptStream('aes128', key),
      (e: unknown) => {
        assert.ok(e instanceof AesCtrError);
        assert.equal(e.message, 'aes128 needs a 16-byte key, got 24 bytes');
        return true;
      },
    );
    assert.throws(() => new AesCtrDecryptStream('aes256', Buffer.alloc(16)), /aes256 needs a 32-byte key/);
  });
});
