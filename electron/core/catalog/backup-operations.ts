/**
 * Record history, copy and merge for configured routines and storages: the names in the config
 * turned into storages, clusters and encryption keys, so the service (and through it CLI, REST
 * and IPC) only starts jobs. Keys come from the routine's backup policy, as a restore's do.
 */
import { keyHashFromEnv, keyHashFromPemFile } from '../format/encryption-key.js';
import type { Resources } from '../jobs/resources.js';
import type { BackupRecord } from '../model/record.js';
import { TOOL_VERSION } from '../version.js';
import type { Config } from '../../../shared/schemas/config.js';
import type { RunningJob } from '../../../shared/schemas/progress.js';
import type { RecordLookupInput } from '../../../shared/schemas/record-history.js';
import { listBackups } from './catalog.js';
import { copyBackup, type CopyResult } from './copy-backup.js';
import { examineRecord, lookupDigest, type ExamineResult } from './history/examine.js';
import { findInBackup, openUsableIndex } from './history/find-record.js';
import { writeRecordIndex } from './history/record-index.js';
import { restoreRecordVersion } from './history/restore-version.js';
import { openBackupSource } from '../engine/backup-reader.js';
import { detectCodec } from '../engine/codec-detect.js';
import { mergeBackups, type MergeResult } from './merge-backups.js';

function routineOf(config: Config, name: string): Config['backup-routines'][string] {
  const r = config['backup-routines'][name];
  if (!r) throw new Error(`routine: '${name}' is not defined`);
  return r;
}

/** The 32-byte key hash of a routine's encryption policy, when it has one. */
export async function routineKeyHash(config: Config, resources: Resources, routine: string): Promise<Buffer | undefined> {
  const enc = config['backup-policies'][routineOf(config, routine)['backup-policy']]?.encryption;
  if (enc?.['key-file']) return keyHashFromPemFile(resources.resolvePath(enc['key-file']));
  if (enc?.['key-env']) return keyHashFromEnv(enc['key-env']);
  return undefined;
}

export interface ExamineRoutineOptions {
  useIndex?: boolean;
  signal?: AbortSignal;
}

export async function examineRoutine(config: Config, resources: Resources, lookup: RecordLookupInput, opts: ExamineRoutineOptions = {}): Promise<ExamineResult> {
  const routine = routineOf(config, lookup.routine);
  const storage = await resources.openStorage(routine.storage);
  const keyHash = await routineKeyHash(config, resources, lookup.routine);
  return examineRecord(storage, lookup, { ...(keyHash ? { keyHash } : {}), ...opts });
}

/**
 * Builds the record index of every backup of a routine that has none (or a stale one). Returns
 * the indexes written. Safe to run at any time: a backup's files never change once its
 * metadata.yaml exists, and the index is written after it.
 */
export async function indexRoutine(config: Config, resources: Resources, routineName: string, signal?: AbortSignal): Promise<string[]> {
  const routine = routineOf(config, routineName);
  const storage = await resources.openStorage(routine.storage);
  const keyHash = await routineKeyHash(config, resources, routineName);
  const written: string[] = [];
  for (const e of await listBackups(storage, routineName)) {
    if (signal?.aborted) throw new Error('indexing cancelled');
    const source = await openBackupSource(storage, e.key);
    if ((await openUsableIndex(storage, source)).reader) continue;
    written.push((await writeRecordIndex(storage, source, await detectCodec(storage, source, keyHash), signal)).path);
  }
  return written;
}

export interface RestoreVersionSpec {
  lookup: RecordLookupInput;
  /** The backup (catalog key) whose version is written. */
  backup: string;
  /** Cluster name. */
  destination: string;
  /** Destination namespace (default: the version's own). */
  namespace?: string;
}

export async function executeRestoreVersion(config: Config, resources: Resources, spec: RestoreVersionSpec, signal?: AbortSignal): Promise<{ record: BackupRecord; namespace: string }> {
  const routine = routineOf(config, spec.lookup.routine);
  if (!config['aerospike-clusters'][spec.destination]) throw new Error(`destination: cluster '${spec.destination}' is not defined`);
  const storage = await resources.openStorage(routine.storage);
  const keyHash = await routineKeyHash(config, resources, spec.lookup.routine);
  const found = await findInBackup(storage, spec.backup, lookupDigest(spec.lookup), keyHash ? { keyHash } : {});
  if (!found.record) throw new Error(`backup: ${spec.backup} holds no version of this record`);
  const cluster = await resources.connect(spec.destination);
  try {
    await restoreRecordVersion(cluster, found.record, { ...(spec.namespace ? { namespace: spec.namespace } : {}), ...(signal ? { signal } : {}) });
    return { record: found.record, namespace: spec.namespace ?? found.record.namespace };
  } finally {
    cluster.close();
  }
}

export interface CopySpec {
  /** Storage holding the backup. */
  storage: string;
  key: string;
  /** Destination storage name. */
  to: string;
  withIncrementals?: boolean;
}

export interface OperationContext {
  signal: AbortSignal;
  onProgress(p: RunningJob): void;
  /** Storage paths the job reads or writes (deletes and retention keep off them). */
  onUses(storage: string, paths: string[]): void;
}

export async function executeCopy(config: Config, resources: Resources, spec: CopySpec, ctx: OperationContext): Promise<CopyResult> {
  if (!config.storage[spec.storage]) throw new Error(`storage: '${spec.storage}' is not defined`);
  if (!config.storage[spec.to]) throw new Error(`to: storage '${spec.to}' is not defined`);
  if (spec.storage === spec.to) throw new Error(`to: the backup is already in storage '${spec.to}'`);
  const from = await resources.openStorage(spec.storage);
  const to = await resources.openStorage(spec.to);
  return copyBackup(from, to, spec.key, {
    ...(spec.withIncrementals !== undefined ? { withIncrementals: spec.withIncrementals } : {}),
    signal: ctx.signal,
    onProgress: ctx.onProgress,
    onPlan: (src, dst) => {
      ctx.onUses(spec.storage, src);
      ctx.onUses(spec.to, dst);
    },
  });
}

export interface MergeSpec {
  routine: string;
  /** Unix ms; default now. */
  upto: number;
  /** Destination storage name; default the routine's own storage. */
  to?: string;
}

export async function executeMerge(config: Config, resources: Resources, spec: MergeSpec, ctx: OperationContext): Promise<MergeResult> {
  const routine = routineOf(config, spec.routine);
  const toName = spec.to ?? routine.storage;
  if (!config.storage[toName]) throw new Error(`to: storage '${toName}' is not defined`);
  const from = await resources.openStorage(routine.storage);
  // The same storage object when the names match: a merge onto its own storage is allowed, and
  // mergeBackups tells it apart from a merge elsewhere by identity.
  const to = toName === routine.storage ? from : await resources.openStorage(toName);
  const keyHash = await routineKeyHash(config, resources, spec.routine);
  return mergeBackups(
    { from, to, toolVersion: TOOL_VERSION, ...(keyHash ? { keyHash } : {}) },
    { routine: spec.routine, uptoMs: spec.upto },
    {
      signal: ctx.signal,
      onProgress: ctx.onProgress,
      onPlan: (keys, root) => {
        ctx.onUses(routine.storage, keys);
        ctx.onUses(toName, [root]);
      },
    },
  );
}
