import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfFileStore } from '../../electron/core/config/config-file.js';
import { ConfigService } from '../../electron/core/config/config-service.js';
import type { ConfigInput } from '../../shared/schemas/config.js';

export interface TempService {
  service: ConfigService;
  file: string;
  /** The config file's bytes, or undefined when there is none. */
  bytes(): Buffer | undefined;
  close(): void;
}

/** A real ConfigService on a temporary folder (no keychain, as in plain Node). */
export function tempService(initial?: ConfigInput): TempService {
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-profiles-'));
  const file = join(dir, 'config.json');
  const service = new ConfigService({ store: new ConfFileStore(file), lastGood: new ConfFileStore(join(dir, 'config.last-good.json')) });
  service.load();
  if (initial) service.replace(initial);
  return {
    service,
    file,
    bytes: () => (existsSync(file) ? readFileSync(file) : undefined),
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export const SECRETS = {
  password: 'cluster-pa55word',
  accessKeyId: 'AKIAEXAMPLEKEY123',
  secretKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  webhookToken: 'Bearer hook-token-0123456789',
} as const;

/** A config with every kind of secret, Tidemark-only fields, service and Tidemark settings. */
export function richConfig(): ConfigInput {
  return {
    'aerospike-clusters': {
      prod: { label: 'Production', 'seed-nodes': [{ 'host-name': 'db1.example.com', port: 3000 }, { 'host-name': 'db2.example.com' }], credentials: { user: 'backup', password: SECRETS.password }, 'max-parallel-scans': 4 },
      staging: { 'seed-nodes': [{ 'host-name': 'staging.example.com' }], credentials: { user: 'ops', 'password-env': 'STAGING_PW' } },
    },
    storage: {
      disk: { 'local-storage': { path: '/var/backups/aerospike' } },
      s3: { 's3-storage': { bucket: 'tidemark-backups', path: 'nightly', 's3-region': 'eu-central-1', 's3-access-key-id': SECRETS.accessKeyId, 's3-secret-access-key': SECRETS.secretKey } },
    },
    'backup-policies': {
      fast: { parallel: 16, sealed: true, compression: { mode: 'ZSTD', level: 3 } },
      keep: { parallel: 4, retention: { full: 7, incremental: 2 }, 'max-age': '30d', compact: true },
    },
    'backup-routines': {
      nightly: {
        'source-cluster': 'prod',
        storage: 's3',
        'backup-policy': 'fast',
        'interval-cron': '0 0 2 * * *',
        'incr-interval-cron': '0 */15 * * * *',
        namespaces: ['users', 'orders'],
        timezone: 'Europe/Berlin',
        hooks: { 'on-failure': [{ webhook: 'https://hooks.example.com/tidemark', headers: { Authorization: SECRETS.webhookToken, 'X-Team': 'storage' } }] },
      },
      weekly: { 'source-cluster': 'prod', storage: 'disk', 'backup-policy': 'keep', 'interval-cron': '@weekly', 'skip-on-battery': true },
      staging: { 'source-cluster': 'staging', storage: 'disk', 'backup-policy': 'fast', 'interval-cron': '30 3 * * *', disabled: true },
    },
    service: { http: { port: 8080 }, logger: { level: 'INFO' } },
    tidemark: { 'plaintext-secrets': true, 'history-days': 60 },
  };
}
