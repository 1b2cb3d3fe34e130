/**
 * One scheduled or on-demand backup of a configured routine: the routine's policy turned into an
 * engine request (ABS units converted), run against its cluster and storage. Incrementals start
 * where the routine's previous backup started, as ABS does.
 */
import { lastBackupStart } from '../catalog/catalog.js';
import { runBackup, type BackupResult } from '../engine/backup-engine.js';
import { resolveEncryptionKey } from '../engine/encryption-config.js';
import { createEncodeTransforms } from '../format/file-codec.js';
import { TOOL_VERSION } from '../version.js';
import { BackupRequestSchema, describeIssues, type BackupRequest, type BackupRequestInput } from '../../../shared/schemas/backup-request.js';
import type { BackupPolicyConfig, Config, RoutineConfig } from '../../../shared/schemas/config.js';
import type { RunningJob } from '../../../shared/schemas/progress.js';
import type { Resources } from './resources.js';

const MIB = 1024 * 1024;

export interface BackupJobSpec {
  routine: string;
  type: 'full' | 'incremental';
  label?: string;
}

export interface BackupJobContext {
  signal: AbortSignal;
  now: () => number;
  onProgress(job: RunningJob): void;
  onWarning(message: string): void;
  onStart?(root: string, createdMs: number): void;
  /** Scans this run may start at once (the cluster's max-parallel-scans share). */
  parallel?: number;
}

/** The engine request a routine and its policy amount to (namespaces resolved by the caller). */
export function backupRequestFor(spec: BackupJobSpec, routine: RoutineConfig, policy: BackupPolicyConfig, namespaces: string[], resolvePath: (p: string) => string): BackupRequest {
  const enc = policy.encryption;
  const input: BackupRequestInput = {
    routine: spec.routine,
    type: spec.type,
    namespaces,
    'set-list': routine['set-list'] ?? [],
    'bin-list': routine['bin-list'] ?? [],
    'partition-list': routine['partition-list'] ? routine['partition-list'].split(',').map((p) => p.trim()) : [],
    ...(spec.label !== undefined ? { label: spec.label } : {}),
    'no-records': policy['no-records'] ?? false,
    'no-indexes': policy['no-indexes'] ?? false,
    'no-udfs': policy['no-udfs'] ?? false,
    ...(policy['max-records'] !== undefined ? { 'max-records': policy['max-records'] } : {}),
    ...(policy.parallel !== undefined ? { parallel: policy.parallel } : {}),
    ...(policy['records-per-second'] ? { 'records-per-second': policy['records-per-second'] } : {}),
    ...(policy.bandwidth ? { bandwidth: policy.bandwidth * MIB } : {}),
    ...(policy['socket-timeout'] !== undefined ? { 'socket-timeout': policy['socket-timeout'] } : {}),
    ...(policy['total-timeout'] !== undefined ? { 'total-timeout': policy['total-timeout'] } : {}),
    ...(policy['max-retries'] !== undefined ? { 'max-retries': policy['max-retries'] } : {}),
    ...(policy['retry-delay'] !== undefined ? { 'retry-delay': policy['retry-delay'] } : {}),
    ...(policy['file-limit'] !== undefined ? { 'file-limit': policy['file-limit'] * MIB } : {}),
    ...(policy.compact !== undefined ? { compact: policy.compact } : {}),
    compression: {
      mode: policy.compression?.mode === 'ZSTD' ? 'zstd' : 'none',
      ...(policy.compression?.level !== undefined && policy.compression.level >= -7 ? { level: policy.compression.level } : {}),
    },
    encryption: {
      mode: enc?.mode === 'AES128' ? 'aes128' : enc?.mode === 'AES256' ? 'aes256' : 'none',
      ...(enc?.['key-file'] ? { 'key-file': resolvePath(enc['key-file']) } : {}),
      ...(enc?.['key-env'] ? { 'key-env': enc['key-env'] } : {}),
    },
  };
  const parsed = BackupRequestSchema.safeParse(input);
  if (!parsed.success) throw new Error(`routine '${spec.routine}': ${describeIssues(parsed.error)}`);
  return parsed.data;
}

export async function executeBackup(config: Config, resources: Resources, spec: BackupJobSpec, ctx: BackupJobContext): Promise<BackupResult> {
  const routine = config['backup-routines'][spec.routine];
  if (!routine) throw new Error(`routine '${spec.routine}' is not defined`);
  const policy = config['backup-policies'][routine['backup-policy']]!;
  const storage = await resources.openStorage(routine.storage);
  const cluster = await resources.connect(routine['source-cluster']);
  try {
    // ABS: an empty namespace list backs up the whole cluster.
    const namespaces = routine.namespaces.length ? routine.namespaces : cluster.namespaces();
    const req = backupRequestFor(spec, routine, policy, namespaces, resources.resolvePath);
    if (ctx.parallel !== undefined) req.parallel = Math.max(1, Math.min(req.parallel, ctx.parallel));
    if (spec.type === 'incremental') {
      const last = await lastBackupStart(storage, spec.routine);
      if (!last) throw new Error(`routine '${spec.routine}' has no full backup in ${storage.describe()} yet: an incremental needs one`);
      req['modified-after'] = last.lastMs;
    }
    // ABS's sealed: only what existed when the backup started.
    if (policy.sealed) req['modified-before'] = ctx.now();
    const key = await resolveEncryptionKey(req.encryption);
    return await runBackup(
      {
        cluster,
        storage,
        encodeStages: () =>
          createEncodeTransforms({
            compression: req.compression.mode,
            ...(req.compression.level !== undefined ? { level: req.compression.level } : {}),
            encryption: req.encryption.mode,
            ...(key ? { key } : {}),
          }),
        toolVersion: TOOL_VERSION,
        now: ctx.now,
      },
      req,
      { signal: ctx.signal, onProgress: ctx.onProgress, onWarning: ctx.onWarning, ...(ctx.onStart ? { onStart: ctx.onStart } : {}) },
    );
  } finally {
    cluster.close();
  }
}
