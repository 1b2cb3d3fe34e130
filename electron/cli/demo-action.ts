/** What `tidemark demo` does (demo-command.ts defines its options). */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Aerospike from 'aerospike';
import { startTestbedWorker } from '../../e2e/testbed/index.js';
import { appRoot } from '../core/app-root.js';
import { AerospikeCluster, parseHosts } from '../core/aerospike/cluster.js';
import { partitionStates, scanRecords } from '../core/aerospike/partition-scan.js';
import { runBackup } from '../core/engine/backup-engine.js';
import { runRestore } from '../core/engine/restore-engine.js';
import { createEncodeTransforms } from '../core/format/file-codec.js';
import { LocalStorage } from '../core/storage/local-storage.js';
import { N_PARTITIONS } from '../core/wire/digest.js';
import { BackupRequestSchema } from '../../shared/schemas/backup-request.js';
import { RestorePolicySchema } from '../../shared/schemas/restore-request.js';
import { TOOL_VERSION } from '../core/version.js';
import { formatStats } from './restore-action.js';
import { UI_DIR } from '../core/rest/routes/ui.js';
import { TidemarkService } from '../core/service/tidemark-service.js';
import { serveUntilStopped } from './serve-action.js';

const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

async function countRecords(cluster: AerospikeCluster, ns: string): Promise<number> {
  let n = 0;
  for await (const _ of scanRecords(cluster, { namespace: ns, noBins: true }, partitionStates([...Array(N_PARTITIONS).keys()]))) n++;
  return n;
}

async function sampleData(client: Aerospike.Client, count: number): Promise<void> {
  const policy = new Aerospike.BatchPolicy({ totalTimeout: 0, socketTimeout: 30000 });
  const sendKey = new Aerospike.BatchWritePolicy({ key: Aerospike.policy.key.SEND });
  for (let i = 0; i < count; i += 1000) {
    const rows = [];
    for (let j = i; j < Math.min(count, i + 1000); j++) {
      rows.push({
        type: Aerospike.batchType.BATCH_WRITE,
        key: new Aerospike.Key('test', j % 5 === 0 ? 'events' : j % 3 === 0 ? 'orders' : 'users', j),
        policy: sendKey,
        ops: [
          Aerospike.operations.write('id', j),
          Aerospike.operations.write('name', `customer ${j}`),
          Aerospike.operations.write('score', new Aerospike.Double(j / 4)),
          Aerospike.operations.write('tags', ['a', j % 7, { nested: true }]),
          Aerospike.operations.write('raw', Buffer.from([j & 0xff, 0, 0xff])),
          Aerospike.operations.write('active', j % 2 === 0),
          Aerospike.operations.write('where', new Aerospike.GeoJSON({ type: 'Point', coordinates: [j % 180, j % 90] })),
          Aerospike.operations.write('prefs', new Map<string, unknown>([['theme', j % 2 ? 'dark' : 'light'], ['limits', [j, j * 2]]])),
          Aerospike.operations.write('visits', new Aerospike.HyperLogLog(Buffer.from(Array.from({ length: 40 }, (_, k) => (k * 7 + j) & 0xff)))),
          Aerospike.operations.write('balance', -j * 1000003),
        ],
      });
    }
    await client.batchWrite(rows, policy);
  }
}

const UDF_SOURCE = 'function touch(rec)\n  aerospike:update(rec)\n  return 1\nend\n';

export interface DemoOptions {
  port: number;
  httpPort: number;
  records: number;
  dir: string;
  exit?: boolean;
}

/** Sample records of every particle type in three sets, a secondary index and a UDF module. */
async function loadSample(client: Aerospike.Client, o: DemoOptions, dir: string): Promise<void> {
  await sampleData(client, o.records);
  await (await client.createIntegerIndex({ ns: 'test', set: 'users', bin: 'id', index: 'users_id' })).wait(10);
  const udf = join(dir, 'demo_udf.lua');
  writeFileSync(udf, UDF_SOURCE);
  await (await client.udfRegister(udf)).wait(10);
  say(`wrote ${o.records} sample records into test (sets users, orders, events; every particle type), index users_id and UDF demo_udf.lua`);
}

/** The marker that lets the demo start over in its folder without touching anything else. */
const MARKER = '.tidemark-demo';

function freshFolder(dir: string): void {
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    if (!existsSync(join(dir, MARKER))) throw new Error(`${dir} is not empty and was not made by the demo: give another --dir`);
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, MARKER), 'made by tidemark demo; removed and made again by the next demo\n');
}

/** The built web UI, built now when missing (the first demo on a fresh checkout). */
async function ensureUiBuilt(): Promise<void> {
  if (existsSync(join(UI_DIR, 'index.html'))) return;
  say('building the web UI (npm run build)…');
  const script = join(appRoot(), 'scripts', 'build.mjs');
  const code = await new Promise<number>((res) => spawn(process.execPath, [script], { stdio: 'inherit' }).on('exit', (c) => res(c ?? 1)));
  if (code !== 0) throw new Error('building the web UI failed (see above)');
}

/**
 * The product, running: a testbed with sample data, a demo config (cluster, local storage, a
 * routine with full and incremental schedules and retention), a full and an incremental backup
 * already taken, and `tidemark serve` on it with the web UI, until Ctrl-C.
 */
export async function runningDemo(o: DemoOptions): Promise<number> {
  const dir = resolve(o.dir);
  freshFolder(dir);
  await ensureUiBuilt();
  const tb = await startTestbedWorker({ port: o.port, namespaces: ['test', 'bar'] });
  say(`testbed listening on ${tb.seed} (namespaces test, bar)`);
  const client = await Aerospike.connect({ hosts: tb.seed, log: { level: Aerospike.log.OFF } });
  try {
    await loadSample(client, o, dir);
    const service = await TidemarkService.open({ configPath: join(dir, 'config.json') });
    const [host, port] = tb.seed.split(':');
    service.config.replace({
      'aerospike-clusters': { testbed: { label: 'Demo testbed', 'seed-nodes': [{ 'host-name': host!, port: Number(port) }], 'max-parallel-scans': 8 } },
      storage: { local: { 'local-storage': { path: 'backups' } } },
      'backup-policies': { demo: { parallel: 4, compression: { mode: 'ZSTD' }, retention: { full: 3, incremental: 2 } } },
      'backup-routines': {
        demo: { 'source-cluster': 'testbed', storage: 'local', 'backup-policy': 'demo', namespaces: ['test'], 'interval-cron': '0 0 * * * *', 'incr-interval-cron': '0 */5 * * * *' },
      },
    });
    const full = await service.triggerBackup('demo', { label: 'demo: first full backup' }).done;
    if (full.status !== 'success') throw new Error(`the demo's full backup ended ${full.status}: ${full.error ?? full.reason ?? ''}`);
    say(`full backup: ${full.stats?.records ?? 0} records`);
    for (let j = 0; j < 100; j++) await client.put(new Aerospike.Key('test', 'users', 100000 + j), { id: 100000 + j, name: 'added after the full backup' });
    const inc = await service.triggerBackup('demo', { type: 'incremental' }).done;
    if (inc.status !== 'success') throw new Error(`the demo's incremental backup ended ${inc.status}: ${inc.error ?? inc.reason ?? ''}`);
    say(`incremental backup: ${inc.stats?.records ?? 0} records; routine 'demo' runs a full backup every hour and an incremental every 5 minutes`);
    say(`config and data in ${dir}; Ctrl-C stops everything`);
    return await serveUntilStopped(service, { port: o.httpPort, graceMs: 10_000 });
  } finally {
    await client.close();
    await tb.close();
  }
}

/** The scripted round trip (`--exit`): full + 2 incrementals, a point-in-time restore, checked. */
export async function roundTrip(o: DemoOptions): Promise<number> {
  const dir = resolve(o.dir);
  freshFolder(dir);
  const tb = await startTestbedWorker({ port: o.port, namespaces: ['test', 'bar'] });
  say(`testbed listening on ${tb.seed} (namespaces test, bar)`);
  const client = await Aerospike.connect({ hosts: tb.seed, log: { level: Aerospike.log.OFF } });
  const cluster = await AerospikeCluster.connect({ hosts: parseHosts(tb.seed) });
  try {
    await loadSample(client, o, dir);
    const storage = new LocalStorage(join(dir, 'backups'));
    const deps = { cluster, storage, toolVersion: TOOL_VERSION, encodeStages: () => createEncodeTransforms({ compression: 'zstd', encryption: 'none' }) };
    const full = await runBackup(deps, BackupRequestSchema.parse({ routine: 'demo', namespaces: ['test'], compression: { mode: 'zstd' } }));
    say(`full backup ${full.namespaces[0]!.key}: ${full.namespaces[0]!.metadata['record-count']} records`);

    for (let j = 0; j < 100; j++) await client.put(new Aerospike.Key('test', 'users', 100000 + j), { id: 100000 + j, name: 'added after the full backup' });
    const inc1 = await runBackup(deps, BackupRequestSchema.parse({ routine: 'demo', type: 'incremental', namespaces: ['test'], compression: { mode: 'zstd' }, 'modified-after': full.createdMs }));
    say(`incremental backup ${inc1.namespaces[0]!.key}: ${inc1.namespaces[0]!.metadata['record-count'] ?? 0} records`);
    const between = Date.now();
    for (let j = 0; j < 50; j++) await client.put(new Aerospike.Key('test', 'users', 200000 + j), { id: 200000 + j, name: 'added later' });
    const inc2 = await runBackup(deps, BackupRequestSchema.parse({ routine: 'demo', type: 'incremental', namespaces: ['test'], compression: { mode: 'zstd' }, 'modified-after': inc1.createdMs }));
    say(`incremental backup ${inc2.namespaces[0]!.key}: ${inc2.namespaces[0]!.metadata['record-count'] ?? 0} records`);

    const result = await runRestore({ cluster, storage }, { routine: 'demo', time: between }, RestorePolicySchema.parse({ namespace: { source: 'test', destination: 'bar' } }));
    say(`restored routine demo as of ${new Date(between).toISOString()} into namespace bar: ${formatStats(result.stats)}`);
    const restored = await countRecords(cluster, 'bar');
    const expected = o.records + 100;
    say(`namespace bar now holds ${restored} records (expected ${expected}: the sample data and the first 100 additions, not the 50 made after that time)`);
    if (restored !== expected) throw new Error(`the restored namespace holds ${restored} records, expected ${expected}`);
    say(`backups are in ${storage.describe()}`);
    return 0;
  } finally {
    cluster.close();
    await client.close();
    await tb.close();
  }
}
