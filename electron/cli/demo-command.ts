import { Command } from 'commander';
import { int } from './option-parsers.js';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import Aerospike from 'aerospike';
import { startTestbedWorker } from '../../e2e/testbed/index.js';
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
import { formatStats } from './restore-command.js';

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
        key: new Aerospike.Key('test', j % 3 === 0 ? 'orders' : 'users', j),
        policy: sendKey,
        ops: [
          Aerospike.operations.write('id', j),
          Aerospike.operations.write('name', `customer ${j}`),
          Aerospike.operations.write('score', new Aerospike.Double(j / 4)),
          Aerospike.operations.write('tags', ['a', j % 7, { nested: true }]),
          Aerospike.operations.write('raw', Buffer.from([j & 0xff, 0, 0xff])),
          Aerospike.operations.write('active', j % 2 === 0),
          Aerospike.operations.write('where', new Aerospike.GeoJSON({ type: 'Point', coordinates: [j % 180, j % 90] })),
        ],
      });
    }
    await client.batchWrite(rows, policy);
  }
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('Start the testbed with sample data, back it up (full + incremental), restore it to a point in time into another namespace, and keep the testbed running')
    .option('--port <port>', 'testbed port', int('--port', 0), 3100)
    .option('--records <n>', 'sample records', int('--records', 10), 10000)
    .option('--dir <folder>', 'where backups are written', '.tidemark-demo')
    .option('--exit', 'stop once the round trip is done instead of keeping the testbed running')
    .action(async (o: { port: number; records: number; dir: string; exit?: boolean }) => {
      const dir = resolve(o.dir);
      mkdirSync(dir, { recursive: true });
      const tb = await startTestbedWorker({ port: o.port, namespaces: ['test', 'bar'] });
      say(`testbed listening on ${tb.seed} (namespaces test, bar)`);
      const client = await Aerospike.connect({ hosts: tb.seed, log: { level: Aerospike.log.OFF } });
      const cluster = await AerospikeCluster.connect({ hosts: parseHosts(tb.seed) });
      try {
        await sampleData(client, o.records);
        await (await client.createIntegerIndex({ ns: 'test', set: 'users', bin: 'id', index: 'users_id' })).wait(10);
        say(`wrote ${o.records} sample records into test (sets users, orders) and index users_id`);

        const storage = new LocalStorage(dir);
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
        say(`backups are in ${dir}`);
      } catch (err) {
        process.stderr.write(`tidemark demo: ${(err as Error).message}\n`);
        process.exitCode = 1;
      } finally {
        cluster.close();
        await client.close();
      }
      if (o.exit || process.exitCode) {
        await tb.close();
        return;
      }
      say('the testbed keeps running; press Ctrl-C to stop');
      await new Promise<void>((res) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void tb.close().then(res);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
