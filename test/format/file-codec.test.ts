import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { AsbParseError, readAsbEncodedBatches, type AsbWireItem } from '../../electron/core/format/asb-reader.js';
import { decodeEncodedRecord } from '../../electron/core/aerospike/record-writer.js';
import { Particle } from '../../electron/core/model/record.js';
import type { EncodedRecord } from '../../electron/core/wire/encoded-record.js';
import { encodeAsbHeader, encodeAsbRecord } from '../../electron/core/format/asb-writer.js';
import { keyHashFromPemFile } from '../../electron/core/format/encryption-key.js';
import {
  chainStreams,
  createDecodeTransforms,
  decodeFileStream,
  encodeFileStream,
  guessOuterLayer,
  readAsbFile,
  readAsbFileEncodedBatches,
  type FileCodecOptions,
} from '../../electron/core/format/file-codec.js';
import { ZSTD_MAGIC, ZstdStreamError } from '../../electron/core/format/zstd-stream.js';
import {
  assertMatchesExpected,
  collectAsync,
  KEY_PEM,
  loadExpected,
  PLAIN_FILE,
  VARIANT_CODEC,
  VARIANTS,
  variantFiles,
  type Collected,
} from './fixtures.js';

const expected = loadExpected();
const keyHash = await keyHashFromPemFile(KEY_PEM);
const plain = readFileSync(PLAIN_FILE);

async function readAll(source: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of source) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

async function decodeBytes(bytes: Buffer, codec: FileCodecOptions, file = 'mem.asb'): Promise<Collected> {
  // Small pieces so every layer sees chunk boundaries in awkward places.
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 777) pieces.push(bytes.subarray(i, i + 777));
  return collectAsync(readAsbFile(pieces, codec, { file }));
}

describe('every asbackup fixture variant decodes to expected.json', () => {
  for (const v of VARIANTS) {
    test(v, async () => {
      const all: Collected = { headers: [], sindexes: [], udfs: [], records: [] };
      for (const f of variantFiles(v)) {
        await collectAsync(readAsbFile(createReadStream(f, { highWaterMark: 4096 }), { ...VARIANT_CODEC[v], key: keyHash }, { file: `${v}/${basename(f)}` }), all);
      }
      assert.equal(all.headers[0]?.firstFile, true);
      assertMatchesExpected(all, expected);
    });
  }

  test('the zstd files hold several frames, the last one empty, and the AES files are the text + 16 bytes', async () => {
    const zstd = readFileSync(variantFiles('zstd')[0]!);
    assert.ok(zstd.subarray(0, 4).equals(ZSTD_MAGIC));
    assert.ok(zstd.subarray(-9).equals(Buffer.from('28b52ffd2000010000', 'hex')));
    for (const v of ['aes128', 'aes256'] as const) assert.equal(readFileSync(variantFiles(v)[0]!).length, plain.length + 16);
    const multi = await readAll(decodeFileStream([readFileSync(variantFiles('zstd-aes128-multiframe')[0]!)], { compression: 'none', encryption: 'aes128', key: keyHash }));
    let frames = 0;
    for (let i = multi.indexOf(ZSTD_MAGIC); i !== -1; i = multi.indexOf(ZSTD_MAGIC, i + 4)) frames++;
    assert.ok(frames >= 5, `expected at least 5 frames, saw ${frames} magic numbers`);
  });
});

describe('files written by our pipeline', () => {
  async function writeFile(codec: FileCodecOptions): Promise<{ file: Buffer; text: Buffer }> {
    const fixture = await collectAsync(readAsbFile([plain], { compression: 'none', encryption: 'none' }, { file: 'plain' }));
    const chunks = [
      encodeAsbHeader({ namespace: 'test', firstFile: true, indexes: fixture.sindexes, udfs: fixture.udfs }),
      ...fixture.records.map((r) => encodeAsbRecord(r)),
    ];
    const text = Buffer.concat(chunks);
    const file = await readAll(encodeFileStream(Readable.from(chunks), codec));
    return { file, text };
  }

  const combos: FileCodecOptions[] = [
    { compression: 'zstd', encryption: 'none' },
    { compression: 'zstd', level: 19, encryption: 'none' },
    { compression: 'none', encryption: 'aes128', key: keyHash },
    { compression: 'none', encryption: 'aes256', key: keyHash },
    { compression: 'zstd', encryption: 'aes128', key: keyHash },
    { compression: 'zstd', encryption: 'aes256', key: keyHash },
  ];
  for (const codec of combos) {
    test(`${codec.compression}${codec.level ? `-${codec.level}` : ''} + ${codec.encryption}: readable by the same reader`, async () => {
      const { file, text } = await writeFile(codec);
      assert.equal(text.length, plain.length);
      if (codec.encryption === 'none') {
        assert.ok(file.subarray(0, 4).equals(ZSTD_MAGIC), 'starts with the zstd magic');
        assert.equal(guessOuterLayer(file), 'zstd');
      } else if (codec.compression === 'none') {
        assert.equal(file.length, text.length + 16, 'AES adds exactly the 16-byte counter block');
        assert.notEqual(file.subarray(16, 24).toString('latin1'), 'Version ');
      } else {
        const inner = await readAll(decodeFileStream([file], { compression: 'none', encryption: codec.encryption, key: keyHash }));
        assert.ok(inner.subarray(0, 4).equals(ZSTD_MAGIC), 'compressed first, then encrypted');
        assert.equal(file.length, inner.length + 16);
      }
      const got = await decodeBytes(file, codec);
      assertMatchesExpected(got, expected);
    });
  }

  test('the same text encrypted twice differs (a fresh counter block per file)', async () => {
    const codec: FileCodecOptions = { compression: 'none', encryption: 'aes128', key: keyHash };
    const a = await writeFile(codec);
    const b = await writeFile(codec);
    assert.notDeepEqual(a.file.subarray(0, 16), b.file.subarray(0, 16));
  });

  test('wrong key: the reader reports an invalid version line, not garbage records', async () => {
    const wrong = Buffer.alloc(32, 1);
    for (const encryption of ['aes128', 'aes256'] as const) {
      const { file } = await writeFile({ compression: 'none', encryption, key: keyHash });
      await assert.rejects(decodeBytes(file, { compression: 'none', encryption, key: wrong }, 'w.asb'), (e: unknown) => {
        assert.ok(e instanceof AsbParseError);
        assert.equal(e.file, 'w.asb');
        assert.equal(e.line, 1);
        assert.match(e.message, /invalid version line/);
        return true;
      });
      const fixture = readFileSync(variantFiles(encryption)[0]!);
      await assert.rejects(decodeBytes(fixture, { compression: 'none', encryption, key: wrong }, 'fx.asb'), /fx\.asb:1: invalid version line/);
    }
  });

  test('wrong key on a compressed file: the zstd layer says so', async () => {
    const fixture = readFileSync(variantFiles('zstd-aes256')[0]!);
    await assert.rejects(decodeBytes(fixture, { compression: 'zstd', encryption: 'aes256', key: Buffer.alloc(32, 1) }, 'z.asb'), (e: unknown) => {
      assert.ok(e instanceof ZstdStreamError);
      assert.match(e.message, /^z\.asb: zstd decompression failed: .* \(not zstd data, or wrong encryption key\?\)$/);
      return true;
    });
  });

  test('settings that do not match the file fail clearly', async () => {
    await assert.rejects(decodeBytes(plain, { compression: 'zstd', encryption: 'none' }, 'p.asb'), /p\.asb: zstd decompression failed/);
    const zstd = readFileSync(variantFiles('zstd')[0]!);
    await assert.rejects(decodeBytes(zstd, { compression: 'none', encryption: 'none' }, 'z.asb'), /z\.asb:1: invalid version line/);
    assert.throws(() => createDecodeTransforms({ compression: 'none', encryption: 'aes128' }), /needs a key/);
    assert.throws(() => createDecodeTransforms({ compression: 'none', encryption: 'aes256', key: Buffer.alloc(16) }), /32-byte key hash/);
    assert.equal(guessOuterLayer(plain), 'text');
  });

  test('chainStreams with no layers passes the source through', async () => {
    assert.ok((await readAll(chainStreams([plain.subarray(0, 10), plain.subarray(10)], []))).equals(plain));
  });
});

describe('the restore hot path reads zstd files itself', () => {
  /** Every item of a file in the encoded form, records as their bytes and fields. */
  async function encodedItems(batches: AsyncIterable<AsbWireItem[]>): Promise<unknown[]> {
    const out: unknown[] = [];
    for await (const batch of batches) {
      for (const item of batch) {
        if (item.kind !== 'encoded') out.push(item);
        else {
          const { buf, start, keyEnd, setEnd, end, ...fields } = item;
          out.push({ ...fields, bytes: Buffer.from(buf.subarray(start, end)).toString('hex'), keyEnd: keyEnd - start, setEnd: setEnd - start });
        }
      }
    }
    return out;
  }

  test('zstd variants give the same items as the stream stages, in any chunking', async () => {
    for (const v of VARIANTS.filter((x) => VARIANT_CODEC[x].compression === 'zstd')) {
      for (const f of variantFiles(v)) {
        const codec = { ...VARIANT_CODEC[v], key: keyHash };
        const want = await encodedItems(readAsbEncodedBatches(decodeFileStream(createReadStream(f), codec), { file: 'x' }));
        assert.ok(want.length > 10, `${v}: ${want.length} items`);
        for (const highWaterMark of [1, 333, 65536]) {
          const got = await encodedItems(readAsbFileEncodedBatches(createReadStream(f, { highWaterMark }), codec, { file: 'x' }));
          assert.deepEqual(got, want, `${v} in reads of ${highWaterMark} bytes`);
        }
      }
    }
  });

  test('a value longer than the merge buffers, across many decompressed blocks', async () => {
    const big = Buffer.alloc(5 * 1024 * 1024 + 17, 'a');
    const rec = encodeAsbRecord({ namespace: 'test', digest: Buffer.alloc(20, 3), set: 's', key: null, generation: 1, voidTime: 0, bins: [{ name: 'v', type: Particle.STRING, data: big }] });
    const text = Buffer.concat([encodeAsbHeader({ namespace: 'test', firstFile: true }), rec, rec]);
    const z = await readAll(encodeFileStream([text], { compression: 'zstd', encryption: 'none' }));
    const records: AsbWireItem[] = [];
    for await (const batch of readAsbFileEncodedBatches([z], { compression: 'zstd', encryption: 'none' }, { file: 'big.asb' })) records.push(...batch.filter((i) => i.kind === 'encoded'));
    assert.equal(records.length, 2);
    for (const r of records) {
      const d = decodeEncodedRecord(r as EncodedRecord);
      assert.ok(d.bins[0]!.data.equals(big));
    }
  });

  test('errors name the file: not zstd, cut inside a frame, empty', async () => {
    const codec = { compression: 'zstd', encryption: 'none' } as const;
    const read = async (bytes: Buffer[]): Promise<unknown> => encodedItems(readAsbFileEncodedBatches(bytes, codec, { file: 'e.asb' }));
    await assert.rejects(read([plain]), /^ZstdStreamError: e\.asb: zstd decompression failed: .* \(not zstd data, or wrong encryption key\?\)$/);
    const z = readFileSync(variantFiles('zstd')[0]!);
    await assert.rejects(read([z.subarray(0, z.length - 20)]), /e\.asb: zstd data ends inside a frame/);
    await assert.rejects(read([]), /e\.asb: zstd data is empty/);
  });
});
