/**
 * A whole Tidemark behind its REST API, as users run it: the testbed with sample data, a loopback
 * S3 server, a config with local and S3 storage, and a real `tidemark serve` child process. Every
 * answer obtained through `call` is checked against the OpenAPI document the server serves.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Aerospike from 'aerospike';
import { startTestbedWorker, type TestbedHandle } from '../../e2e/testbed/index.js';
import { writeDataset } from '../helpers/dataset.js';
import { startS3, type TestS3 } from '../helpers/s3.js';
import { EventReader, checkAnswer, http, startServe, type HttpAnswer, type OpenApiDoc, type ServeHandle } from './helpers.js';

export interface Stack {
  tb: TestbedHandle;
  client: Aerospike.Client;
  s3: TestS3;
  dir: string;
  configPath: string;
  serve: ServeHandle;
  doc: OpenApiDoc;
  events: EventReader;
  host: string;
  port: number;
  /** Calls the API and records every way the answer departs from the served document. */
  call(method: string, path: string, o?: Parameters<typeof http>[3]): Promise<HttpAnswer>;
  contractErrors: string[];
  close(): Promise<void>;
}

export const RECORDS = 150;

export function stackConfig(tbHost: string, tbPort: number, s3: TestS3): Record<string, unknown> {
  return {
    'aerospike-clusters': { tb: { 'seed-nodes': [{ 'host-name': tbHost, port: tbPort }], 'max-parallel-scans': 16 } },
    storage: {
      local: { 'local-storage': { path: 'backups' } },
      s3: {
        's3-storage': {
          bucket: s3.bucket,
          path: 'rest',
          's3-region': 'us-east-1',
          's3-endpoint-override': s3.endpoint,
          's3-credentials-source': 'static',
          's3-access-key-id': s3.credentials.accessKeyId,
          's3-secret-access-key': s3.credentials.secretAccessKey,
        },
      },
    },
    'backup-policies': { fast: { parallel: 2 }, slow: { parallel: 1, 'records-per-second': 20 } },
    'backup-routines': {
      daily: { 'source-cluster': 'tb', storage: 'local', 'backup-policy': 'fast', 'interval-cron': '@yearly', 'incr-interval-cron': '0 0 1 1 *', namespaces: ['test'] },
      cloud: { 'source-cluster': 'tb', storage: 's3', 'backup-policy': 'fast', 'interval-cron': '@yearly', namespaces: ['test'] },
      slow: { 'source-cluster': 'tb', storage: 'local', 'backup-policy': 'slow', 'interval-cron': '@yearly', namespaces: ['test'] },
    },
    // The S3 keys are plain text in this file on purpose: the tests check they never leave it.
    tidemark: { 'plaintext-secrets': true },
  };
}

export async function startStack(): Promise<Stack> {
  const tb = await startTestbedWorker({ port: 0, namespaces: ['test', 'bar'] });
  const client = await Aerospike.connect({ hosts: tb.seed, log: { level: Aerospike.log.OFF } });
  await writeDataset(client, 'test', RECORDS);
  const s3 = await startS3();
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-rest-'));
  const configPath = join(dir, 'config.json');
  const [host, port] = [tb.seed.split(':')[0]!, Number(tb.seed.split(':')[1])];
  writeFileSync(configPath, JSON.stringify(stackConfig(host, port, s3), null, 2));
  const serve = await startServe(configPath);
  const docAnswer = await http(serve.base, 'GET', '/api-docs/openapi.json', { token: null });
  const doc = docAnswer.json as OpenApiDoc;
  const events = new EventReader(serve.base);
  await events.ready;
  const contractErrors: string[] = [];
  return {
    tb,
    client,
    s3,
    dir,
    configPath,
    serve,
    doc,
    events,
    host,
    port,
    contractErrors,
    async call(method, path, o = {}) {
      const a = await http(serve.base, method, path, o);
      contractErrors.push(...checkAnswer(doc, method, path, a));
      return a;
    },
    async close() {
      events.close();
      await serve.stop();
      await client.close();
      await tb.close();
      await s3.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
