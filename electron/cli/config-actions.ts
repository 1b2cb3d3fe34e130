/** What the `tidemark config …` commands do (config-command.ts defines their options). */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { parseHosts } from '../core/aerospike/cluster.js';
import { ConfigError } from '../core/config/config-error.js';
import { formatIssues, SECTIONS, type Section } from '../../shared/schemas/config.js';
import { openConfig } from './service-open.js';
import { printJson, type ServiceCliOptions } from './service-options.js';

const KINDS: Record<string, Section> = { cluster: 'aerospike-clusters', storage: 'storage', policy: 'backup-policies', routine: 'backup-routines' };

type Obj = Record<string, unknown>;

export type SetClusterOptions = ServiceCliOptions & { seeds?: string; user?: string; passwordEnv?: string; passwordPath?: string; maxParallelScans?: number; connTimeout?: number; label?: string };
export type SetStorageOptions = ServiceCliOptions & { path?: string; s3Bucket?: string; s3Path?: string; s3Region?: string; s3Profile?: string; s3Endpoint?: string; s3PathStyle?: boolean };
export type SetPolicyOptions = ServiceCliOptions & {
  parallel?: number;
  compress?: string;
  compressLevel?: number;
  encrypt?: string;
  keyFile?: string;
  keyEnv?: string;
  retentionFull?: number;
  retentionIncremental?: number;
  maxAge?: string;
  sealed?: boolean;
  fileLimit?: number;
  recordsPerSecond?: number;
  bandwidth?: number;
  indexes: boolean;
  udfs: boolean;
};
export type SetRoutineOptions = ServiceCliOptions & {
  cluster?: string;
  storage?: string;
  policy?: string;
  cron?: string;
  incrCron?: string;
  verifyCron?: string;
  namespace?: string[];
  set?: string[];
  bin?: string[];
  partitions?: string;
  timezone?: string;
  skipOnBattery?: boolean;
  disable?: boolean;
  enable?: boolean;
};

/** Overlays the options that were given onto the existing entry, so `set-…` changes only those. */
function merged(existing: unknown, patch: Obj): Obj {
  const out: Obj = { ...((existing as Obj | undefined) ?? {}) };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) out[k] = merged(out[k], v as Obj);
    else out[k] = v;
  }
  return out;
}

function put(o: ServiceCliOptions, section: Section, name: string, patch: Obj): number {
  const config = openConfig(o);
  const existing = config.has(section, name) ? config.config[section][name] : undefined;
  config.put(section, name, merged(existing, patch));
  process.stdout.write(`${existing ? 'updated' : 'created'} ${SECTIONS[section]} '${name}' in ${config.path}\n`);
  return 0;
}

export async function showConfig(o: ServiceCliOptions): Promise<number> {
  const c = openConfig(o);
  if (o.json) printJson(c.masked());
  else {
    process.stdout.write(`# ${c.path}\n`);
    for (const [section, what] of Object.entries(SECTIONS)) {
      const names = Object.keys(c.config[section as Section]);
      process.stdout.write(`${section} (${names.length}): ${names.length ? names.join(', ') : `no ${what} yet`}\n`);
    }
  }
  return 0;
}

export async function validateConfig(o: ServiceCliOptions, file?: string): Promise<number> {
  const c = openConfig(o);
  let doc: unknown;
  if (file) {
    const text = await readFile(file, 'utf8');
    try {
      doc = /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
    } catch (err) {
      process.stderr.write(`${file}: not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${(err as Error).message}\n`);
      return 2;
    }
  } else if (c.problem) {
    process.stderr.write(`${c.problem.message}\n`);
    return 2;
  } else doc = c.config;
  const v = c.validate(doc);
  if (o.json) printJson(v.ok ? { ok: true } : { ok: false, issues: v.issues });
  else if (v.ok) process.stdout.write(`${file ?? c.path}: valid\n`);
  else process.stderr.write(`${file ?? c.path}: ${formatIssues(v.issues)}\n`);
  return v.ok ? 0 : 2;
}

export async function setCluster(o: SetClusterOptions, name: string): Promise<number> {
  const credentials = o.user ? { user: o.user, ...(o.passwordEnv ? { 'password-env': o.passwordEnv } : {}), ...(o.passwordPath ? { 'password-path': o.passwordPath } : {}) } : undefined;
  return put(o, 'aerospike-clusters', name, {
    ...(o.seeds ? { 'seed-nodes': parseHosts(o.seeds).map((h) => ({ 'host-name': h.host, port: h.port })) } : {}),
    credentials,
    'max-parallel-scans': o.maxParallelScans,
    'conn-timeout': o.connTimeout,
    label: o.label,
  });
}

export async function setStorage(o: SetStorageOptions, name: string): Promise<number> {
  if (o.path !== undefined && o.s3Bucket !== undefined) throw ConfigError.at('invalid', ['storage', name], 'give --path or --s3-bucket, not both');
  const c = openConfig(o);
  const existing = c.has('storage', name) ? (c.config.storage[name] as Obj) : undefined;
  // Switching between local and S3 replaces the entry rather than mixing both kinds.
  const base = o.path !== undefined ? { 'local-storage': {} } : o.s3Bucket !== undefined && !existing?.['s3-storage'] ? {} : existing;
  const patch: Obj =
    o.path !== undefined
      ? { 'local-storage': { path: o.path } }
      : {
          's3-storage': {
            bucket: o.s3Bucket,
            path: o.s3Path,
            's3-region': o.s3Region,
            's3-profile': o.s3Profile,
            's3-endpoint-override': o.s3Endpoint,
            's3-force-path-style': o.s3PathStyle,
          },
        };
  c.put('storage', name, merged(base, patch));
  process.stdout.write(`${existing ? 'updated' : 'created'} storage '${name}' in ${c.path}\n`);
  return 0;
}

export async function setPolicy(o: SetPolicyOptions, name: string): Promise<number> {
  return put(o, 'backup-policies', name, {
    parallel: o.parallel,
    ...(o.compress || o.compressLevel !== undefined ? { compression: { mode: o.compress?.toUpperCase(), level: o.compressLevel } } : {}),
    ...(o.encrypt || o.keyFile || o.keyEnv ? { encryption: { mode: o.encrypt?.toUpperCase(), 'key-file': o.keyFile, 'key-env': o.keyEnv } } : {}),
    ...(o.retentionFull !== undefined || o.retentionIncremental !== undefined ? { retention: { full: o.retentionFull, incremental: o.retentionIncremental } } : {}),
    'max-age': o.maxAge,
    sealed: o.sealed,
    'file-limit': o.fileLimit,
    'records-per-second': o.recordsPerSecond,
    bandwidth: o.bandwidth,
    'no-indexes': o.indexes === false ? true : undefined,
    'no-udfs': o.udfs === false ? true : undefined,
  });
}

export async function setRoutine(o: SetRoutineOptions, name: string): Promise<number> {
  if (o.disable && o.enable) throw ConfigError.at('invalid', ['backup-routines', name, 'disabled'], 'give --disable or --enable, not both');
  const c = openConfig(o);
  const existing = c.has('backup-routines', name) ? ({ ...c.config['backup-routines'][name] } as Obj) : {};
  if (o.enable) delete existing.disabled;
  const next = merged(existing, {
    'source-cluster': o.cluster,
    storage: o.storage,
    'backup-policy': o.policy,
    'interval-cron': o.cron,
    'incr-interval-cron': o.incrCron,
    'verify-cron': o.verifyCron,
    namespaces: o.namespace,
    'set-list': o.set,
    'bin-list': o.bin,
    'partition-list': o.partitions,
    timezone: o.timezone,
    'skip-on-battery': o.skipOnBattery,
    disabled: o.disable ? true : undefined,
  });
  c.put('backup-routines', name, next);
  process.stdout.write(`${Object.keys(existing).length ? 'updated' : 'created'} routine '${name}' in ${c.path}\n`);
  return 0;
}

export async function deleteEntry(o: ServiceCliOptions, kind: string, name: string): Promise<number> {
  const section = KINDS[kind];
  if (!section) throw ConfigError.at('invalid', ['kind'], `'${kind}' is not one of ${Object.keys(KINDS).join(', ')}`);
  const c = openConfig(o);
  c.remove(section, name);
  process.stdout.write(`deleted ${kind} '${name}' from ${c.path}\n`);
  return 0;
}

export async function restoreLastGood(o: ServiceCliOptions): Promise<number> {
  const c = openConfig(o);
  if (!c.problem) {
    process.stdout.write(`${c.path} is fine: nothing to restore\n`);
    return 0;
  }
  const aside = c.restoreLastGood();
  process.stdout.write(`restored the last good configuration into ${c.path}${aside ? `; the broken file is kept as ${aside}` : ''}\n`);
  return 0;
}
