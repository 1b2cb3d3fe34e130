/**
 * The catalog index at scale: `--backups N` (default 10,000) backups' metadata written straight
 * onto a local storage (10 routines, a full every 10 backups, incrementals between), then:
 * the first index (every metadata file read), listing all N from the index (target < 200 ms),
 * and a refresh of the unchanged storage (target: 0 metadata files read).
 *
 * Sections share one prepared service and storage; more measurements (record history) append
 * their own section to `SECTIONS`.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { namespaceDir } from '../electron/core/catalog/layout.js';
import { TidemarkService } from '../electron/core/service/tidemark-service.js';
import { fmt } from './child.js';

export interface CatalogBench {
  service: TidemarkService;
  /** Folder of the local storage named `bench`. */
  root: string;
  backups: number;
  args: string[];
}

type Section = (b: CatalogBench) => Promise<void>;

const ROUTINES = 10;
const T0 = Date.UTC(2025, 0, 1);

/** Writes N backups' metadata.yaml (and one small data file each) in the ABS layout. */
export function writeBackups(root: string, n: number): void {
  for (let i = 0; i < n; i++) {
    const routine = `r${i % ROUTINES}`;
    const seq = Math.floor(i / ROUTINES);
    const kind = seq % 10 === 0 ? 'full' : 'incremental';
    const createdMs = T0 + seq * 3_600_000 + (i % ROUTINES);
    const dir = join(root, namespaceDir(routine, kind, createdMs, 'test'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'test_1.asb'), 'Version 3.1\n# namespace test\n# first-file\n');
    const meta = {
      created: new Date(createdMs).toISOString(),
      ...(kind === 'incremental' ? { from: new Date(createdMs - 3_600_000).toISOString() } : {}),
      namespace: 'test',
      'record-count': 1000 + seq,
      'byte-count': 64_000 + seq,
      'file-count': 1,
      tidemark: {
        'tool-version': 'bench',
        type: kind,
        ...(seq % 7 === 0 ? { label: `label ${seq}` } : {}),
        compression: 'none',
        encryption: 'none',
        'partition-ranges': ['0-4095'],
        files: [{ name: 'test_1.asb', size: 41, sha256: '0'.repeat(64), 'record-count': 1000 + seq, partitions: ['0-4095'] }],
      },
    };
    writeFileSync(join(dir, 'metadata.yaml'), stringify(meta));
  }
}

const time = async <T>(fn: () => Promise<T> | T): Promise<{ ms: number; value: T }> => {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
};

const indexSection: Section = async ({ service, backups }) => {
  const first = await time(() => service.catalog.refresh('bench'));
  console.log(`first index:        ${fmt(first.ms)} ms, ${fmt(first.value['metadata-read'])} metadata files read, ${fmt(first.value.added)} backups indexed`);
  if (first.value.added !== backups) throw new Error(`indexed ${first.value.added} backups, expected ${backups}`);

  const rounds: number[] = [];
  let listed = 0;
  for (let i = 0; i < 5; i++) {
    const r = await time(() => service.catalog.list({ limit: 100_000 }));
    rounds.push(r.ms);
    listed = r.value.backups.length;
  }
  rounds.sort((a, b) => a - b);
  const median = rounds[Math.floor(rounds.length / 2)]!;
  console.log(`listing ${fmt(listed)}:      ${median.toFixed(1)} ms median of 5 (target < 200 ms: ${median < 200 ? 'met' : 'MISSED'})`);
  const filtered = await time(() => service.catalog.list({ routine: 'r3', kind: 'incremental', limit: 50 }));
  console.log(`filtered page of 50: ${filtered.ms.toFixed(1)} ms (routine r3, incrementals, of ${fmt(filtered.value.total)})`);

  const again = await time(() => service.catalog.refresh('bench'));
  console.log(`unchanged refresh:  ${fmt(again.ms)} ms, ${again.value['metadata-read']} metadata files read (target 0: ${again.value['metadata-read'] === 0 ? 'met' : 'MISSED'})`);
  const tl = await time(() => service.catalog.timeline('r0', { storage: 'bench', atMs: Date.UTC(2030, 0, 1) }));
  console.log(`timeline of r0:     ${tl.ms.toFixed(1)} ms, ${fmt(tl.value.points.length)} points, chain of ${tl.value.plan?.steps.length ?? 0}`);
};

/** Later sections (e.g. record history) are appended here. */
export const SECTIONS: Array<{ name: string; run: Section }> = [{ name: 'index', run: indexSection }];

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { backups: { type: 'string', default: '10000' } }, strict: false });
  const n = Number(values.backups);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--backups must be a positive integer, got '${String(values.backups)}'`);
  const base = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'tidemark-bench-catalog-'));
  try {
    const root = join(base, 'storage');
    const made = await time(() => writeBackups(root, n));
    console.log(`catalog benchmark: ${fmt(n)} backups (${ROUTINES} routines) written in ${fmt(made.ms)} ms`);
    const service = await TidemarkService.open({ configPath: join(base, 'config.json'), logStdout: false, logLevel: 'silent' });
    try {
      service.config.put('storage', 'bench', { 'local-storage': { path: root } });
      for (const s of SECTIONS) await s.run({ service, root, backups: n, args: argv });
    } finally {
      await service.close();
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}
