/**
 * Opens what a configured routine names: its cluster (with the password resolved from the
 * config's reference) and its storage (a relative local path is taken from the config file's
 * folder, as a user reading the file would expect).
 */
import { isAbsolute, resolve } from 'node:path';
import { AerospikeCluster } from '../aerospike/cluster.js';
import { resolvePassword } from '../config/secrets.js';
import { createStorage, type StorageTuning } from '../storage/create-storage.js';
import type { BackupStorage } from '../storage/storage.js';
import type { AerospikeClusterConfig, Config } from '../../../shared/schemas/config.js';
import type { StorageConfig } from '../../../shared/schemas/storage.js';

export interface Resources {
  connect(clusterName: string): Promise<AerospikeCluster>;
  openStorage(storageName: string): Promise<BackupStorage>;
  /** Resolves a path written in the config (key files, relative storage folders). */
  resolvePath(p: string): string;
}

export function clusterOptions(c: AerospikeClusterConfig): { hosts: Array<{ host: string; port: number }>; connectTimeoutMs?: number } {
  return {
    hosts: c['seed-nodes'].map((n) => ({ host: n['host-name'], port: n.port })),
    ...(c['conn-timeout'] !== undefined ? { connectTimeoutMs: c['conn-timeout'] } : {}),
  };
}

export function configResources(config: () => Config, configDir: string, tuning: StorageTuning = {}): Resources {
  const resolvePath = (p: string): string => (isAbsolute(p) ? p : resolve(configDir, p));
  return {
    resolvePath,
    async connect(name) {
      const c = config()['aerospike-clusters'][name];
      if (!c) throw new Error(`cluster '${name}' is not defined`);
      const password = await resolvePassword(c.credentials, `aerospike-clusters.${name}`);
      const user = c.credentials?.user;
      return AerospikeCluster.connect({ ...clusterOptions(c), ...(user !== undefined && password !== undefined ? { user, password } : {}) });
    },
    async openStorage(name) {
      const s = config().storage[name];
      if (!s) throw new Error(`storage '${name}' is not defined`);
      return createStorage(localized(s, resolvePath), tuning);
    },
  };
}

function localized(s: StorageConfig, resolvePath: (p: string) => string): StorageConfig {
  return s['local-storage'] ? { ...s, 'local-storage': { path: resolvePath(s['local-storage'].path) } } : s;
}
