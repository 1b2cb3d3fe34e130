/**
 * Record history lookup time: one key across a routine of 20 backups holding 2,000,000 records
 * in total (two fulls of 500,000 and 18 incrementals), generated straight with the `.asb` writer.
 * Measured without record indexes (byte search for the digest line, then decoding around a hit)
 * and with them (two small ranged reads per backup). The target is under 3 s for this
 * shape on a 2-core machine; the report gives times, not pass/fail.
 *
 * Options: --records N (total, default 2,000,000), --backups N (default 20), --lookups N (keys
 * timed, default 5; the median is reported), --zstd (compress the files).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { listBackups } from '../electron/core/catalog/catalog.js';
import { examineRecord } from '../electron/core/catalog/history/examine.js';
import { writeRecordIndex } from '../electron/core/catalog/history/record-index.js';
import { openBackupSource } from '../electron/core/engine/backup-reader.js';
import { detectCodec } from '../electron/core/engine/codec-detect.js';
import type { FileCodecOptions } from '../electron/core/format/file-codec.js';
import { LocalStorage } from '../electron/core/storage/local-storage.js';
import { SET, writeSyntheticBackup } from '../test/history/synthetic-backup.js';
import { fmt } from './child.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { records: { type: 'string' }, backups: { type: 'string' }, lookups: { type: 'string' }, zstd: { type: 'boolean' } } });
  const total = Number(values.records ?? 2_000_000);
  const backups = Number(values.backups ?? 20);
  const lookups = Number(values.lookups ?? 5);
  const codec: FileCodecOptions = values.zstd ? { compression: 'zstd', encryption: 'none' } : { compression: 'none', encryption: 'none' };
  // Two fulls of a quarter of the records each; the incrementals share the rest.
  const fullSize = Math.floor(total / 4);
  const incs = backups - 2;
  const incSize = Math.floor((total - 2 * fullSize) / Math.max(1, incs));
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-bench-history-'));
  const storage = new LocalStorage(dir);
  try {
    let t = Date.parse('2026-01-01T00:00:00Z');
    const started = performance.now();
    for (let b = 0; b < backups; b++) {
      const isFull = b === 0 || b === Math.floor(backups / 2);
      // An incremental changes a slice of the key space (wrapping), so keys recur across backups.
      const from = (b * incSize) % fullSize;
      const n = isFull ? fullSize : incSize;
      const keys = (function* () {
        for (let i = 0; i < n; i++) yield isFull ? i : (from + i) % fullSize;
      })();
      await writeSyntheticBackup(storage, { routine: 'bench', kind: isFull ? 'full' : 'incremental', createdMs: (t += 3_600_000), namespace: 'test', keys, version: b + 1, codec });
    }
    const entries = await listBackups(storage, 'bench');
    const records = entries.reduce((a, e) => a + (e.metadata['record-count'] ?? 0), 0);
    console.log(`generated ${entries.length} backups, ${fmt(records)} records (${values.zstd ? 'zstd' : 'plain'}) in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    const probe = Array.from({ length: lookups }, (_, i) => Math.floor(((i + 1) * fullSize) / (lookups + 1)));
    const time = async (useIndex: boolean): Promise<{ ms: number; versions: number }> => {
      const ms: number[] = [];
      let versions = 0;
      for (const k of probe) {
        const t0 = performance.now();
        const r = await examineRecord(storage, { routine: 'bench', set: SET, key: String(k), 'key-type': 'integer' }, { useIndex });
        ms.push(performance.now() - t0);
        versions += r.history.versions.length;
      }
      return { ms: median(ms), versions };
    };
    const scan = await time(false);
    const t1 = performance.now();
    let indexBytes = 0;
    for (const e of entries) {
      const source = await openBackupSource(storage, e.key);
      const r = await writeRecordIndex(storage, source, await detectCodec(storage, source));
      indexBytes += (await storage.stat(r.path))!.size;
    }
    const buildMs = performance.now() - t1;
    const indexed = await time(true);
    const tl = performance.now();
    await listBackups(storage, 'bench');
    const listMs = performance.now() - tl;
    if (indexed.versions !== scan.versions) throw new Error(`the index found ${indexed.versions} versions, the scan ${scan.versions}`);
    console.log(`record history, one key across ${entries.length} backups / ${fmt(records)} records (median of ${lookups} keys, ${(scan.versions / lookups).toFixed(1)} versions each):`);
    console.log(`  without index (scan):  ${fmt(scan.ms)} ms`);
    console.log(`  with index:            ${fmt(indexed.ms)} ms   (${(scan.ms / indexed.ms).toFixed(1)}× faster)`);
    console.log(`  of which listing the routine's backups (reading every metadata.yaml): ${fmt(listMs)} ms`);
    console.log(`  building the indexes:  ${fmt(buildMs)} ms once (${fmt(records / (buildMs / 1000))} records/s), ${(indexBytes / 1048576).toFixed(1)} MiB beside the backups`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
