/**
 * Writes the config as an ABS v2 config file: only the keys ABS v2's `dto.Config` has, so ABS
 * reads the file as it is. Everything else (Tidemark's own settings and fields) is left out and
 * each leaving-out is returned as a warning naming the field and what it means for ABS.
 *
 * ABS files cannot hold encrypted secrets: the cluster password is left out unless the caller asks
 * for it in plain text (`includePlaintextSecrets`); S3 keys and webhook headers have no ABS key.
 */
import { KEYCHAIN_PREFIX, type Config, type ConfigIssue } from '../../../shared/schemas/config.js';
import { selectRoutines } from './config-scope.js';
import { stringifyDocument, type TextFormat } from './document-text.js';

/** A value kept as it is, an object with known fields, a map of entries, or a list of objects. */
type AbsShape = 'value' | { fields: Record<string, AbsShape> } | { each: AbsShape } | { items: AbsShape };

const fields = (names: string[], nested: Record<string, AbsShape> = {}): AbsShape => ({ fields: { ...Object.fromEntries(names.map((n) => [n, 'value' as const])), ...nested } });

/** ABS v2.0.0's dto.Config, as its OpenAPI spec describes it. */
export const ABS_V2_CONFIG: AbsShape = fields([], {
  'aerospike-clusters': {
    each: fields(['label', 'conn-timeout', 'max-parallel-scans', 'use-services-alternate'], {
      'seed-nodes': { items: fields(['host-name', 'port', 'tls-name']) },
      credentials: fields(['user', 'password', 'password-path', 'auth-mode']),
      tls: fields(['ca-file', 'ca-path', 'cert-file', 'cipher-suite', 'key-file', 'key-file-password', 'name', 'protocols']),
    }),
  },
  storage: {
    each: fields([], {
      'local-storage': fields(['path']),
      's3-storage': fields(['bucket', 'path', 's3-region', 's3-profile', 's3-endpoint-override', 's3-log-level', 'min_part_size', 'max_async_connections']),
      'gcp-storage': fields(['bucket-name', 'key-file', 'path', 'endpoint']),
      'azure-storage': fields(['account-key', 'account-name', 'client-id', 'client-secret', 'container-name', 'endpoint', 'path', 'tenant-id']),
    }),
  },
  'backup-policies': {
    each: fields(
      ['parallel', 'socket-timeout', 'total-timeout', 'max-retries', 'retry-delay', 'records-per-second', 'bandwidth', 'file-limit', 'no-records', 'no-indexes', 'no-udfs', 'sealed', 'remove-files'],
      { compression: fields(['mode', 'level']), encryption: fields(['mode', 'key-file', 'key-env', 'key-secret']) },
    ),
  },
  'backup-routines': {
    each: fields(['backup-policy', 'source-cluster', 'storage', 'interval-cron', 'incr-interval-cron', 'namespaces', 'set-list', 'bin-list', 'partition-list', 'prefer-racks', 'secret-agent']),
  },
  'secret-agent': { each: fields(['address', 'port', 'connection-type', 'is-base64', 'timeout', 'tls-ca-file']) },
  service: fields([], {
    http: fields(['address', 'port', 'context-path', 'timeout'], { rate: fields(['tps', 'size', 'white-list']) }),
    logger: fields(['level', 'format', 'stdout-writer'], { 'file-writer': fields(['filename', 'maxsize', 'maxage', 'maxbackups', 'compress']) }),
  }),
});

/** What leaving a Tidemark field out means for ABS, where that is worth saying. */
const DROPPED_BECAUSE: Record<string, string> = {
  tidemark: "Tidemark's own settings",
  'password-env': 'ABS cannot read a password from an environment variable: give the cluster a password-path in ABS',
  disabled: 'ABS v2 has no disabled routines: ABS will schedule this routine',
  hooks: 'ABS has no hooks: its commands and webhooks are not run by ABS',
  'skip-on-battery': 'ABS does not skip runs on battery',
  timezone: "ABS reads cron expressions in its own machine's time zone",
  retention: 'ABS v2 has no retention counts: use remove-files to clean up',
  'max-age': 'ABS v2 does not remove backups by age',
  'max-records': 'ABS v2 has no record limit',
  compact: "ABS v2 writes asbackup's standard format",
  's3-access-key-id': 'ABS reads AWS credentials from its environment or s3-profile',
  's3-secret-access-key': 'ABS reads AWS credentials from its environment or s3-profile',
  's3-session-token': 'ABS reads AWS credentials from its environment or s3-profile',
  's3-credentials-source': 'ABS uses the AWS SDK default chain or s3-profile',
  's3-force-path-style': 'ABS decides the S3 addressing style itself',
  's3-max-attempts': 'ABS uses its own S3 retry settings',
};

export interface AbsExportOptions {
  /** Default yaml, as ABS config files are. */
  format?: TextFormat;
  /** Export only these routines and the cluster, storage and policy each uses. */
  routines?: readonly string[];
  /** Write cluster passwords into the file in plain text (ABS files cannot hold them encrypted). */
  includePlaintextSecrets?: boolean;
}

export interface AbsExport {
  text: string;
  format: TextFormat;
  /** Every field left out, and other things ABS will do differently. */
  warnings: ConfigIssue[];
}

export function exportAbsConfig(config: Config, opts: AbsExportOptions = {}): AbsExport {
  const source = opts.routines ? selectRoutines(config, opts.routines) : config;
  const warnings: ConfigIssue[] = [];
  const doc = pick(source, ABS_V2_CONFIG, [], warnings) as Record<string, unknown>;
  if (isEmptyObject(doc['secret-agent'])) delete doc['secret-agent'];

  for (const [name, cluster] of Object.entries(source['aerospike-clusters'])) {
    const cred = cluster.credentials;
    const password = cred?.password;
    const out = (doc['aerospike-clusters'] as Record<string, { credentials?: Record<string, unknown> }>)[name]!;
    if (password !== undefined) {
      const path = ['aerospike-clusters', name, 'credentials', 'password'];
      if (password.startsWith(KEYCHAIN_PREFIX)) {
        delete out.credentials!.password;
        warnings.push({ path, message: "left out: sealed by the desktop app's OS keychain, which this process cannot open" });
      } else if (!opts.includePlaintextSecrets) {
        delete out.credentials!.password;
        warnings.push({ path, message: 'left out: ABS files hold secrets only in plain text; export with includePlaintextSecrets to include it, or give the cluster a password-path in ABS' });
      }
    }
    if (cred?.user !== undefined && out.credentials?.password === undefined && out.credentials?.['password-path'] === undefined) {
      warnings.push({ path: ['aerospike-clusters', name, 'credentials'], message: `ABS will connect as user '${cred.user}' without a password until one is set (password-path)` });
    }
  }
  for (const [name, storage] of Object.entries(source.storage)) {
    if (storage['s3-storage'] && storage['s3-storage']['s3-region'] === undefined) {
      warnings.push({ path: ['storage', name, 's3-storage', 's3-region'], message: 'ABS requires s3-region: add it before ABS reads this file' });
    }
  }
  return { text: stringifyDocument(doc, opts.format ?? 'yaml'), format: opts.format ?? 'yaml', warnings };
}

/** Copies what `shape` knows; everything else becomes a warning naming its path. */
function pick(value: unknown, shape: AbsShape, path: string[], warnings: ConfigIssue[]): unknown {
  if (shape === 'value' || value === null || typeof value !== 'object') return structuredClone(value);
  if ('items' in shape) return Array.isArray(value) ? value.map((v: unknown, i) => pick(v, shape.items, [...path, String(i)], warnings)) : structuredClone(value);
  const obj = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    const sub = 'each' in shape ? shape.each : Object.prototype.hasOwnProperty.call(shape.fields, k) ? shape.fields[k] : undefined;
    if (sub === undefined) {
      const why = DROPPED_BECAUSE[k] ?? 'a Tidemark setting ABS v2 does not have';
      warnings.push({ path: [...path, k], message: `left out: ${why}` });
      continue;
    }
    out[k] = pick(v, sub, [...path, k], warnings);
  }
  return out;
}

function isEmptyObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && Object.keys(v).length === 0;
}
