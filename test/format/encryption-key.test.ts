import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AesCtrDecryptStream } from '../../electron/core/format/aes-ctr.js';
import {
  aesKeyFromHash,
  EncryptionKeyError,
  keyHashFromEnv,
  keyHashFromEnvValue,
  keyHashFromPem,
  keyHashFromPemFile,
} from '../../electron/core/format/encryption-key.js';
import { KEY_PEM, variantFiles } from './fixtures.js';

const pemText = readFileSync(KEY_PEM, 'utf8');
const pkcs1 = createPrivateKey(pemText).export({ type: 'pkcs1', format: 'der' });
const pkcs8 = createPrivateKey(pemText).export({ type: 'pkcs8', format: 'der' });

async function decryptHead(file: string, mode: 'aes128' | 'aes256', key: Buffer): Promise<string> {
  const d = new AesCtrDecryptStream(mode, key);
  const out: Buffer[] = [];
  d.on('data', (c: Buffer) => out.push(c));
  const done = new Promise((resolve, reject) => {
    d.on('end', resolve);
    d.on('error', reject);
  });
  d.end(readFileSync(file).subarray(0, 64));
  await done;
  return Buffer.concat(out).toString('latin1', 0, 12);
}

describe('AES key derivation', () => {
  test('key.pem (PKCS#8 PEM) hashes its PKCS#1 DER, and that key decrypts the fixtures', async () => {
    assert.match(pemText, /^-----BEGIN PRIVATE KEY-----/);
    const hash = await keyHashFromPemFile(KEY_PEM);
    assert.ok(hash.equals(createHash('sha256').update(pkcs1).digest()));
    assert.equal(await decryptHead(variantFiles('aes128')[0]!, 'aes128', aesKeyFromHash(hash, 'aes128')), 'Version 3.1\n');
    assert.equal(await decryptHead(variantFiles('aes256')[0]!, 'aes256', aesKeyFromHash(hash, 'aes256')), 'Version 3.1\n');
    // Negative controls from the fact sheet: other hashes or the last 16 bytes give garbage.
    const pkcs8Hash = createHash('sha256').update(pkcs8).digest();
    assert.notEqual(await decryptHead(variantFiles('aes256')[0]!, 'aes256', pkcs8Hash), 'Version 3.1\n');
    assert.notEqual(await decryptHead(variantFiles('aes128')[0]!, 'aes128', hash.subarray(16)), 'Version 3.1\n');
  });

  test('a PKCS#1 PEM of the same key gives the same hash', () => {
    const rsaPem = createPrivateKey(pemText).export({ type: 'pkcs1', format: 'pem' }).toString();
    assert.match(rsaPem, /BEGIN RSA PRIVATE KEY/);
    assert.ok(keyHashFromPem(rsaPem).equals(keyHashFromPem(pemText)));
  });

  test('aesKeyFromHash: first 16 bytes for AES-128, all 32 for AES-256', () => {
    const h = createHash('sha256').update('x').digest();
    assert.ok(aesKeyFromHash(h, 'aes128').equals(h.subarray(0, 16)));
    assert.ok(aesKeyFromHash(h, 'aes256').equals(h));
    assert.throws(() => aesKeyFromHash(h.subarray(0, 16), 'aes128'), EncryptionKeyError);
  });

  test('environment form: base64 whose decoded bytes are hashed as they are', async () => {
    const viaEnv = keyHashFromEnvValue(pkcs1.toString('base64'));
    assert.ok(viaEnv.equals(await keyHashFromPemFile(KEY_PEM)), 'base64 PKCS#1 DER = the PEM file key');
    const pemBody = pemText.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
    const fromPemBody = keyHashFromEnvValue(pemBody);
    assert.ok(fromPemBody.equals(createHash('sha256').update(pkcs8).digest()), 'base64 PKCS#8 DER is hashed as is');
    assert.ok(!fromPemBody.equals(viaEnv));
    assert.ok(keyHashFromEnv('TM_KEY', { TM_KEY: `${pkcs1.toString('base64')}\n` }).equals(viaEnv));
    assert.throws(() => keyHashFromEnv('TM_KEY', {}), /environment variable TM_KEY is not set/);
  });

  test('errors never contain key material', async () => {
    const secret = 'c2VjcmV0IGtleSBtYXRlcmlhbA=';
    assert.throws(
      () => keyHashFromEnv('TM_KEY', { TM_KEY: secret }),
      (e: unknown) => {
        assert.ok(e instanceof EncryptionKeyError);
        assert.equal(e.message, 'environment variable TM_KEY does not hold non-empty standard base64');
        assert.ok(!e.message.includes(secret) && !String(e.stack).includes(secret));
        return true;
      },
    );
    const garbled = pemText.replace(/\n[A-Za-z0-9+/]{64}\n/, '\nAAAA\n');
    assert.notEqual(garbled, pemText);
    assert.throws(
      () => keyHashFromPem(garbled, { source: 'key file k.pem' }),
      (e: unknown) => {
        assert.ok(e instanceof EncryptionKeyError);
        assert.equal(e.message, 'cannot use key file k.pem: it is not a readable PEM private key');
        return true;
      },
    );
    const encrypted = createPrivateKey(pemText).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' });
    assert.throws(() => keyHashFromPem(encrypted), /it is encrypted/);
    const legacyEncrypted = createPrivateKey(pemText).export({ type: 'pkcs1', format: 'pem', cipher: 'aes-128-cbc', passphrase: 'pw' });
    assert.throws(() => keyHashFromPem(legacyEncrypted), /it is encrypted/);
    await assert.rejects(keyHashFromPemFile('/nonexistent/key.pem'), /cannot read key file \/nonexistent\/key\.pem/);
  });

  test('EC keys: refused by default (backup-go/ABS cannot use them), SEC1 DER hashed when allowed', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
    assert.throws(() => keyHashFromPem(pem), /EC keys work with asbackup but not with backup-go\/ABS; use an RSA key/);
    const sec1 = privateKey.export({ type: 'sec1', format: 'der' });
    assert.ok(keyHashFromPem(pem, { allowEc: true }).equals(createHash('sha256').update(sec1).digest()));
    const { privateKey: ed } = generateKeyPairSync('ed25519');
    assert.throws(() => keyHashFromPem(ed.export({ type: 'pkcs8', format: 'pem' })), /key type 'ed25519' is not supported/);
  });
});
