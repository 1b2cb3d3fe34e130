/**
 * The record index against big files: lookups that resume in the middle of a file (plain and
 * zstd), look-alike record lines planted inside values, and agreement with a full scan.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findInBackup } from '../../electron/core/catalog/history/find-record.js';
import { RecordIndexReader, indexPath, writeRecordIndex } from '../../electron/core/catalog/history/record-index.js';
import { openBackupSource } from '../../electron/core/engine/backup-reader.js';
import { detectCodec } from '../../electron/core/engine/codec-detect.js';
import type { FileCodecOptions } from '../../electron/core/format/file-codec.js';
import { LocalStorage } from '../../electron/core/storage/local-storage.js';
import { digestOfInt, writeSyntheticBackup } from './synthetic-backup.js';

const N = 30_000;

describe('record index', () => {
  let dir: string;
  let storage: LocalStorage;
  const keys: Record<string, string> = {};
  /** Keys whose `note` bin holds the digest line (and a record start) of another key. */
  const planted = (k: number): string | undefined => (k % 997 === 0 ? `look-alike\n+ n test\n+ d ${digestOfInt(k === 0 ? N : k + 1).toString('base64')}\n+ g 1\n` : undefined);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tidemark-index-'));
    storage = new LocalStorage(dir);
    const codecs: Record<string, FileCodecOptions> = { plain: { compression: 'none', encryption: 'none' }, zstd: { compression: 'zstd', encryption: 'none' } };
    let t = 1_700_000_000_000;
    for (const [name, codec] of Object.entries(codecs)) {
      // Keys in a shuffled order, so file order and digest order differ.
      const order = Array.from({ length: N }, (_, i) => (i * 7919) % N);
      keys[name] = await writeSyntheticBackup(storage, { routine: name, kind: 'full', createdMs: t++, namespace: 'test', keys: order, version: 1, codec, recordsPerFile: 12_000, extra: planted });
      const source = await openBackupSource(storage, keys[name]!);
      const r = await writeRecordIndex(storage, source, await detectCodec(storage, source));
      assert.equal(r.records, N);
    }
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const name of ['plain', 'zstd']) {
    test(`${name}: every probed key is found through the index, equal to a scan, most from mid-file offsets`, async () => {
      const key = keys[name]!;
      const size = (await storage.stat(indexPath(key)))!.size;
      const reader = await RecordIndexReader.open(storage, indexPath(key), size);
      let midFile = 0;
      const probes = [0, 1, 996, 997, 998, 1994, 12_345, 20_000, N - 1, ...Array.from({ length: 40 }, (_, i) => (i * 733) % N)];
      for (const k of probes) {
        const hits = await reader.lookup(digestOfInt(k));
        assert.equal(hits.length, 1, `key ${k}: one index entry`);
        if (hits[0]!.offset > 0) midFile++;
        const viaIndex = await findInBackup(storage, key, digestOfInt(k));
        assert.equal(viaIndex.via, 'index');
        assert.ok(viaIndex.record, `key ${k} found`);
        assert.equal(viaIndex.record.key?.type === 'int' ? viaIndex.record.key.value : undefined, BigInt(k));
        assert.equal(viaIndex.record.bins.find((b) => b.name === 's')?.data.toString(), `user ${k} payload of version 1: ${'x'.repeat(40)}`);
        if (probes.indexOf(k) < 9) {
          const viaScan = await findInBackup(storage, key, digestOfInt(k), { useIndex: false });
          assert.equal(viaScan.via, 'scan');
          assert.deepEqual(viaIndex.record, viaScan.record);
        }
      }
      assert.ok(midFile > probes.length / 2, `most lookups resume mid-file (${midFile} of ${probes.length})`);
    });

    test(`${name}: a key that is not there is absent by index and by scan, look-alike lines notwithstanding`, async () => {
      const key = keys[name]!;
      // N is not in the backup, but its digest line is planted inside key 0's `note` bin.
      for (const k of [N, N + 5, -1]) {
        assert.equal((await findInBackup(storage, key, digestOfInt(k))).record, null);
        assert.equal((await findInBackup(storage, key, digestOfInt(k), { useIndex: false })).record, null);
      }
    });
  }
});
