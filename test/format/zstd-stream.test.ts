import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import binding from 'zstd-napi/binding.js';
import { compress as zstdOneShot, decompress as zstdOneShotDecompress } from 'zstd-napi';
import { ZSTD_MAGIC, ZstdCompressStream, ZstdDecompressStream, ZstdStreamError } from '../../electron/core/format/zstd-stream.js';
import { PLAIN_FILE, variantFiles } from './fixtures.js';
import { pieces, runStream } from './streams.js';

const plain = readFileSync(PLAIN_FILE);
const EMPTY_FRAME = Buffer.from('28b52ffd2000010000', 'hex');


/** Counts frames with libzstd's own frame-size walk, independent of our stream code. */
function frameCount(data: Buffer): number {
  let n = 0;
  for (let rest = data; rest.length > 0; n++) rest = rest.subarray(binding.findFrameCompressedSize(rest));
  return n;
}

describe('zstd streams', () => {
  test('compress then decompress, with levels, in tiny pieces', async () => {
    for (const level of [1, 3, 19]) {
      const z = await runStream(pieces(plain, 1000), new ZstdCompressStream(level));
      assert.ok(z.subarray(0, 4).equals(ZSTD_MAGIC));
      assert.ok(z.length < plain.length / 3);
      assert.ok(zstdOneShotDecompress(z).equals(plain), 'readable by a standard decoder');
      assert.ok((await runStream(pieces(z, 7), new ZstdDecompressStream())).equals(plain));
    }
  });

  test('decompresses the fixture one byte at a time (data frame + empty frame)', async () => {
    const z = readFileSync(variantFiles('zstd')[0]!);
    assert.ok(z.subarray(-9).equals(EMPTY_FRAME));
    assert.equal(frameCount(z), 2);
    // Same records as plain/, but in another order (a separate asbackup run).
    const text = await runStream(pieces(z, 1), new ZstdDecompressStream());
    assert.equal(text.length, plain.length);
    assert.ok(text.equals(zstdOneShotDecompress(z)));
    const head = plain.indexOf('\n+ ') + 1;
    assert.ok(text.subarray(0, head).equals(plain.subarray(0, head)), 'same header and globals');
  });

  test('concatenated frames, including empty ones anywhere, form one stream', async () => {
    const a = zstdOneShot(plain.subarray(0, 50_000));
    const b = zstdOneShot(plain.subarray(50_000));
    const joined = Buffer.concat([EMPTY_FRAME, a, EMPTY_FRAME, EMPTY_FRAME, b, EMPTY_FRAME]);
    for (const size of [1, 13, 4096, joined.length]) {
      assert.ok((await runStream(pieces(joined, size), new ZstdDecompressStream())).equals(plain), `pieces of ${size}`);
    }
  });

  test('endFrame closes a frame early; the result is still one stream', async () => {
    const c = new ZstdCompressStream();
    const done = runStream([], c);
    c.write(plain.subarray(0, 1000));
    c.endFrame();
    c.endFrame(); // nothing written since: no extra frame
    c.write(plain.subarray(1000, 2000));
    c.end();
    const z = await done;
    assert.equal(frameCount(z), 2);
    assert.ok((await runStream([z], new ZstdDecompressStream())).equals(plain.subarray(0, 2000)));
  });

  test('empty input gives one empty frame', async () => {
    const z = await runStream([], new ZstdCompressStream());
    assert.ok(z.subarray(0, 4).equals(ZSTD_MAGIC));
    assert.equal((await runStream([z], new ZstdDecompressStream())).length, 0);
  });

  test('errors: not zstd, truncated, empty — with the file name', async () => {
    await assert.rejects(runStream([plain], new ZstdDecompressStream({ file: 'a.asb' })), (e: unknown) => {
      assert.ok(e instanceof ZstdStreamError);
      assert.match(e.message, /^a\.asb: zstd decompression failed: /);
      return true;
    });
    const z = zstdOneShot(plain);
    await assert.rejects(runStream([z.subarray(0, z.length - 5)], new ZstdDecompressStream({ file: 'b.asb' })), /^ZstdStreamError: b\.asb: zstd data ends inside a frame/);
    await assert.rejects(runStream([], new ZstdDecompressStream({ file: 'c.asb' })), /c\.asb: zstd data is empty/);
    assert.throws(() => new ZstdCompressStream(1.5), RangeError);
  });
});
