/**
 * The core's API as the UI sees it: one async function per call of the IPC contract
 * (shared/ipc/contract.ts), each taking the call's validated input. The desktop app's IPC router
 * calls these; the REST routes call the same functions where a call holds more than one service
 * call (record history, copy, merge), so every check before a job starts lives here once.
 * Refusals are ApiFailures (or core errors that failureOf maps), never a failed job.
 */
import { join } from 'node:path';
import type { CallArgs, CallOutput } from '../../../shared/ipc/contract.js';
import type { IpcCallName } from '../../../shared/ipc/channels.js';
import type { Section } from '../../../shared/schemas/config.js';
import { RecordHistoryError } from '../catalog/history/examine.js';
import { RecordKeyError } from '../catalog/history/record-key.js';
import { TOOL_VERSION } from '../version.js';
import { absJobNumber, findJobByNumber, restoreJobStatus, restoreSpecFromTimestamp } from '../service/abs-views.js';
import { rotateApiToken, TOKEN_ENV, TOKEN_FILE } from '../service/api-access.js';
import { desktopSettings, updateDesktopSettings } from '../service/desktop-settings.js';
import type { TidemarkService } from '../service/tidemark-service.js';
import { ApiFailure, type Path } from './api-failure.js';

export type CoreApi = { [K in IpcCallName]: (input: CallArgs<K>) => Promise<CallOutput<K>> };

export interface CoreApiOptions {
  /** Where the REST API token file lives (the service's data folder). */
  dataDir: string;
  /** The build's commit, when known. */
  commit?: string;
  startedAt?: string;
}

/** A record lookup the core refused: the field its message starts with, else the lookup as a whole. */
function lookupRefusal(err: unknown, at: Path): never {
  if (!(err instanceof RecordHistoryError || err instanceof RecordKeyError)) throw err;
  const field = /^(key|digest|set|namespace|routine|key-type):/.exec(err.message)?.[1];
  if (/ has no backups/.test(err.message)) throw ApiFailure.notFound([...at, 'routine'], err.message);
  throw ApiFailure.badRequest(field ? [...at, field] : at, err.message);
}

const defined = <T extends object>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/**
 * The operations that check more than one thing before a job starts, shared by REST and IPC.
 * `at` prefixes the field paths of refusals (REST: ['body']).
 */
export function catalogOperations(service: TidemarkService) {
  const config = service.config;
  return {
    async examineRecord(input: CallArgs<'examineRecord'>, at: Path = []): Promise<CallOutput<'examineRecord'>> {
      const { 'use-index': useIndex, ...lookup } = input;
      config.get('backup-routines', lookup.routine);
      try {
        return (await service.examineRecord(lookup, useIndex !== undefined ? { useIndex } : {})).history;
      } catch (err) {
        return lookupRefusal(err, at);
      }
    },

    /** Starts the restore of one version; the version must exist, so restoring "nothing" is refused here, not as a failed job. */
    async restoreRecordVersion(b: CallArgs<'restoreRecordVersion'>, at: Path = []) {
      const routine = config.get('backup-routines', b.lookup.routine);
      const destination = b.destination ?? routine['source-cluster'];
      if (b.destination !== undefined) config.get('aerospike-clusters', b.destination);
      const backup = service.catalog.get(routine.storage, b.backup);
      if (!backup || backup.routine !== b.lookup.routine) throw ApiFailure.notFound([...at, 'backup'], `routine '${b.lookup.routine}' has no backup '${b.backup}' in storage '${routine.storage}'`);
      let history;
      try {
        history = (await service.examineRecord({ ...b.lookup, namespace: backup.namespace })).history;
      } catch (err) {
        return lookupRefusal(err, [...at, 'lookup']);
      }
      if (!history.versions.some((v) => v.backup === backup.key)) throw ApiFailure.notFound([...at, 'backup'], `backup '${b.backup}' holds no version of this record`);
      return service.restoreRecordVersion({ lookup: b.lookup, backup: backup.key, destination, ...(b.namespace !== undefined ? { namespace: b.namespace } : {}) });
    },

    copyBackup(b: CallArgs<'copyBackup'>) {
      config.get('storage', b.storage);
      config.get('storage', b.to);
      const backup = service.catalog.find(b.key, b.storage);
      return service.copyBackup({ storage: b.storage, key: backup.key, to: b.to, ...(b['with-incrementals'] !== undefined ? { withIncrementals: b['with-incrementals'] } : {}) });
    },

    mergeBackups(b: CallArgs<'mergeBackups'>, at: Path = []) {
      const routine = config.get('backup-routines', b.routine);
      if (b.to !== undefined) config.get('storage', b.to);
      const chain = service.catalog.list({ routine: b.routine, storage: routine.storage, kind: 'full', to: b.upto, limit: 1 });
      if (chain.backups.length === 0) throw ApiFailure.notFound([...at, 'upto'], `routine '${b.routine}' has no full backup at or before ${new Date(b.upto).toISOString()} in storage '${routine.storage}'`);
      return service.mergeBackups({ routine: b.routine, upto: b.upto, ...(b.to !== undefined ? { to: b.to } : {}) });
    },
  };
}

export function createCoreApi(service: TidemarkService, o: CoreApiOptions): CoreApi {
  const config = service.config;
  const ops = catalogOperations(service);
  const version = { version: TOOL_VERSION, 'build-time': o.startedAt ?? new Date().toISOString(), commit: o.commit ?? 'unknown' };
  const masked = (section: Section, name: string) => (config.masked()[section] as Record<string, never>)[name]!;
  const storageExists = (name: string | undefined): void => {
    if (name !== undefined) config.get('storage', name);
  };
  const job = (id: string) => {
    const j = service.getJob(id);
    if (!j) throw ApiFailure.notFound(['id'], `job ${id} is not known`);
    return j;
  };

  return {
    version: async () => version,
    capabilities: async () => ({ catalog: true, verify: true, delete: true }),
    config: async () => config.masked(),

    createEntry: async (i) => {
      config.put(i.section, i.name, i.entry, 'create');
      return masked(i.section, i.name);
    },
    updateEntry: async (i) => {
      config.put(i.section, i.name, i.entry, 'update');
      return masked(i.section, i.name);
    },
    deleteEntry: async (i) => {
      config.remove(i.section, i.name);
      return null;
    },
    setRoutineEnabled: async (i) => {
      config.setRoutineDisabled(i.name, !i.enabled);
      return null;
    },

    triggerBackup: async (i) => service.triggerBackup(i.routine, { type: i.kind, ...defined({ delayMs: i.delayMs || undefined, label: i.label }) }).job,
    cancelRoutine: async (i) => {
      config.get('backup-routines', i.routine);
      return service.cancelRoutine(i.routine);
    },
    currentBackups: async (i) => service.currentBackups(i.routine),
    jobs: async (q) => service.listJobs({ ...defined(q), ...(q.type?.length ? {} : { type: undefined }), limit: q.limit ?? 1000 }),
    job: async (i) => job(i.id),
    jobLog: async (i) => {
      const lines = service.jobLog(i.id);
      if (!lines) throw ApiFailure.notFound(['id'], `job ${i.id} is not known`);
      return lines;
    },
    cancelJob: async (i) => service.cancelJob(job(i.id).id) ?? job(i.id),
    runningJobs: async () => service.jobs.running(),

    schedule: async () => service.schedule(),
    pauseSchedule: async (i) => {
      service.pause(i.routine);
      return service.schedule();
    },
    resumeSchedule: async (i) => {
      service.resume(i.routine);
      return service.schedule();
    },

    backups: async (q) => {
      storageExists(q.storage);
      return service.catalog.list(defined(q));
    },
    timeline: async (i) => {
      config.get('backup-routines', i.routine);
      return service.catalog.timeline(i.routine, defined({ namespace: i.namespace, atMs: i.time }));
    },
    verifyBackup: async (i) => {
      storageExists(i.storage);
      return service.catalog.verify(i.storage, i.key).job;
    },
    planDelete: async (i) => {
      storageExists(i.storage);
      return service.catalog.planDelete(i.storage, i.key);
    },
    deleteBackup: async (i) => {
      storageExists(i.storage);
      return (await service.catalog.delete(i.storage, i.key, i.confirmation)).job;
    },

    restoreToTime: async (i) => ({ jobNumber: absJobNumber(service.restore(restoreSpecFromTimestamp(config.config, i)).job.id) }),
    restoreStatus: async (i) => {
      const j = findJobByNumber(service, i.jobNumber);
      if (!j) throw ApiFailure.notFound(['jobNumber'], `restore job ${i.jobNumber} is not known (it may be older than the kept history)`);
      return restoreJobStatus(j);
    },

    examineRecord: (i) => ops.examineRecord(i),
    restoreRecordVersion: async (i) => (await ops.restoreRecordVersion(i)).job,
    copyBackup: async (i) => ops.copyBackup(i).job,
    mergeBackups: async (i) => ops.mergeBackups(i).job,

    exportProfile: (i) => service.exportProfile(i),
    previewProfileImport: (i) => service.previewProfileImport(i),
    importProfile: async (i) => ({ preview: await service.applyProfileImport(i), config: config.masked() }),

    testCluster: (i) => {
      if (i.entry === undefined) return service.testCluster({ name: i.name });
      return service.testCluster({ entry: i.entry, ...(config.has('aerospike-clusters', i.name) ? { name: i.name } : {}) });
    },
    testStorage: (i) => {
      if (i.entry === undefined) return service.testStorage({ name: i.name });
      return service.testStorage({ entry: i.entry, ...(config.has('storage', i.name) ? { name: i.name } : {}) });
    },

    rotateToken: async () => {
      if (process.env[TOKEN_ENV]) throw ApiFailure.conflict([], `the token comes from ${TOKEN_ENV}: change that variable instead`);
      return { token: rotateApiToken(config, o.dataDir), file: join(o.dataDir, TOKEN_FILE) };
    },

    desktopSettings: async () => desktopSettings(config.config),
    updateDesktopSettings: async (i) => updateDesktopSettings(config, i),
  };
}
