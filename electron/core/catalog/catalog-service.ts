/**
 * The catalog behind every transport: the index of every backup on every configured storage,
 * refreshed from storage; listings; the timeline of a routine with the restore planner's chain
 * for any time; verification and deletion as jobs; registration of foreign (asbackup) backups.
 */
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { AsbParseError } from '../format/asb-reader.js';
import { FileCodecError } from '../format/file-codec.js';
import { BackupIntegrityError, openBackupSource, verifyBackup, type BackupSource, type VerifyReport } from '../engine/backup-reader.js';
import { detectCodec } from '../engine/codec-detect.js';
import { ProgressTracker } from '../engine/progress.js';
import { keyHashFromEnv, keyHashFromPemFile } from '../format/encryption-key.js';
import type { JobRegistry } from '../jobs/job-registry.js';
import type { Clock } from '../service/clock.js';
import type { BackupStorage } from '../storage/storage.js';
import type { Config } from '../../../shared/schemas/config.js';
import {
  CatalogQuerySchema,
  type CatalogBackup,
  type CatalogPage,
  type CatalogQuery,
  type DeletePlan,
  type RefreshResult,
  type Timeline,
  type Verification,
} from '../../../shared/schemas/catalog.js';
import { describeIssues } from '../../../shared/schemas/backup-request.js';
import type { Job, JobTrigger } from '../../../shared/schemas/job.js';
import { CatalogIndex } from './catalog-index.js';
import { refreshStorage, type RefreshOptions } from './catalog-refresh.js';
import { registeredSource, registerForeign, type RegisterOptions } from './foreign.js';
import { METADATA_FILE, REGISTRATION_FILE } from './layout.js';
import { readRegistration } from './registration.js';
import { buildTimeline } from './timeline.js';

export interface CatalogDeps {
  /** The state database handle (the index lives in its `catalog_backups` table). */
  db: Database.Database;
  jobs: JobRegistry;
  clock: Clock;
  log: Logger;
  config(): Config;
  openStorage(name: string): Promise<BackupStorage>;
  /** Resolves key-file paths written in the config. */
  resolvePath(p: string): string;
  refresh?: RefreshOptions;
}

export class CatalogNotFoundError extends Error {
  override name = 'CatalogNotFoundError';
}

/** A delete that may not run: missing or stale confirmation, or a job using the backups. */
export class DeleteRefusedError extends Error {
  override name = 'DeleteRefusedError';
}

export interface VerifyOptions {
  /** 32-byte key hash; else the routine's policy key when the routine is configured. */
  keyHash?: Buffer;
  trigger?: JobTrigger;
}

export class CatalogService {
  readonly index: CatalogIndex;
  private readonly refreshing = new Map<string, Promise<RefreshResult>>();

  constructor(private readonly deps: CatalogDeps) {
    this.index = new CatalogIndex(deps.db);
  }

  /**
   * Re-reads the new and changed metadata of one configured storage. Refreshes of one storage
   * run one after the other: two at once would each diff against the same old rows.
   */
  refresh(storageName: string): Promise<RefreshResult> {
    const previous = this.refreshing.get(storageName) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.refreshNow(storageName));
    this.refreshing.set(storageName, next);
    const clear = (): void => {
      if (this.refreshing.get(storageName) === next) this.refreshing.delete(storageName);
    };
    next.then(clear, clear);
    return next;
  }

  private async refreshNow(storageName: string): Promise<RefreshResult> {
    this.storageConfig(storageName);
    const storage = await this.deps.openStorage(storageName);
    const r = await refreshStorage(storageName, storage, this.index, this.deps.refresh);
    for (const p of r.problems) this.deps.log.warn({ storage: storageName, path: p.path }, `catalog: ${p.message}`);
    return r;
  }

  /** Refreshes every configured storage (forgetting storages no longer configured); one failing storage does not stop the others. */
  async refreshAll(): Promise<Array<RefreshResult | { storage: string; error: string }>> {
    const names = Object.keys(this.deps.config().storage);
    for (const gone of this.index.storages().filter((s) => !names.includes(s))) this.index.forget(gone);
    const out: Array<RefreshResult | { storage: string; error: string }> = [];
    for (const name of names) {
      try {
        out.push(await this.refresh(name));
      } catch (err) {
        this.deps.log.warn({ err, storage: name }, 'catalog refresh failed');
        out.push({ storage: name, error: (err as Error).message });
      }
    }
    return out;
  }

  /** Newest first, paged. Bad query fields are named in the error. */
  list(query: CatalogQuery = {}): CatalogPage {
    const q = CatalogQuerySchema.safeParse(query);
    if (!q.success) throw new Error(`catalog query: ${describeIssues(q.error)}`);
    return this.index.list(q.data);
  }

  get(storage: string, key: string): CatalogBackup | undefined {
    return this.index.get(storage, normalizeKey(key));
  }

  /** The backup under `key`, on `storage` or on the one storage that has it. */
  find(key: string, storage?: string): CatalogBackup {
    const k = normalizeKey(key);
    if (storage !== undefined) {
      const b = this.index.get(storage, k);
      if (!b) throw new CatalogNotFoundError(`no backup '${k}' in storage '${storage}' (refresh the catalog if it was just written)`);
      return b;
    }
    const all = this.index.byKey(k);
    if (all.length === 0) throw new CatalogNotFoundError(`no backup '${k}' in the catalog of any storage`);
    if (all.length > 1) throw new CatalogNotFoundError(`backup '${k}' exists on several storages (${all.map((b) => b.storage).join(', ')}): name the storage`);
    return all[0]!;
  }

  /**
   * A routine's restore points and failed/canceled/skipped runs, and for `atMs` the chain a
   * restore would apply. The storage is the routine's configured one unless named.
   */
  timeline(routine: string, o: { namespace?: string; atMs?: number; storage?: string } = {}): Timeline {
    const storage = o.storage ?? this.routineStorage(routine);
    const all = this.index.routineBackups(storage, routine);
    const jobs = this.deps.jobs.query({ type: ['backup'], routine, status: 'failure,canceled,skipped', limit: 100_000 });
    return buildTimeline({ routine, storage, all, jobs, ...(o.namespace !== undefined ? { namespace: o.namespace } : {}), ...(o.atMs !== undefined ? { atMs: o.atMs } : {}) });
  }

  /** Registers an asbackup folder under a routine and indexes it. */
  async registerForeign(storageName: string, path: string, routine: string, o: Omit<RegisterOptions, 'now'> = {}): Promise<CatalogBackup> {
    this.storageConfig(storageName);
    const storage = await this.deps.openStorage(storageName);
    const { registration } = await registerForeign(storage, path, routine, { ...o, now: () => this.deps.clock.now() });
    await this.refresh(storageName);
    return this.find(registration['tidemark-foreign'].path, storageName);
  }

  /**
   * Verifies a backup as a job: every file's size and SHA-256 against its metadata, every
   * record decoded, counts equal to the metadata. The result is stored in the index. A cancel
   * takes effect between files.
   */
  verify(storageName: string, key: string, o: VerifyOptions = {}): { job: Job; done: Promise<Job> } {
    const backup = this.find(key, storageName);
    const metaPath = this.index.metaPath(storageName, backup.key)!;
    return this.deps.jobs.start(
      { type: 'verify', trigger: o.trigger ?? 'on-demand', routine: backup.routine, details: { storage: storageName, key: backup.key } },
      async (run) => {
        run.uses(storageName, backup.foreign ? [backup.key, metaPath] : [backup.key]);
        const storage = await this.deps.openStorage(storageName);
        const keyHash = o.keyHash ?? (backup.encryption !== 'none' ? await this.routineKeyHash(backup.routine) : undefined);
        let reading = false;
        try {
          const source = backup.foreign ? await registeredSource(storage, await readRegistration(storage, metaPath)) : await openBackupSource(storage, backup.key);
          const codec = await detectCodec(storage, source, keyHash);
          reading = true;
          const tracker = new ProgressTracker(source.metadata?.['record-count'] ?? 0, () => this.deps.clock.now());
          const report = await verifyFiles(storage, source, codec, run.signal, (records, bytes) => {
            tracker.add(records, bytes);
            run.progress(tracker.snapshot());
          });
          const v: Verification = { at: this.deps.clock.now(), ok: true, 'job-id': run.id, records: report.records };
          this.index.setVerification(storageName, backup.key, v);
          return { stats: { files: report.files, records: report.records, indexes: report.indexes, udfs: report.udfs, bytes: report.bytes }, details: { verification: v } };
        } catch (err) {
          // Damage is a fact about the backup; a missing key or an unreachable storage is not.
          const damage = err instanceof BackupIntegrityError || err instanceof AsbParseError || (reading && !run.signal.aborted);
          if (damage) this.index.setVerification(storageName, backup.key, failedVerification(err as Error, this.deps.clock.now(), run.id));
          throw err;
        }
      },
    );
  }

  /**
   * What deleting `key` removes: the backup, and for a full backup its incrementals (those of
   * its namespace up to the next full one). The confirmation is a hash of exactly that list as
   * it is on storage now (refreshed first).
   */
  async planDelete(storageName: string, key: string): Promise<DeletePlan> {
    await this.refresh(storageName);
    const target = this.find(key, storageName);
    const backups = [target];
    if (target.kind === 'full') {
      const later = this.index.routineBackups(storageName, target.routine, target.namespace).filter((b) => b.timestamp >= target.timestamp && b.key !== target.key);
      const nextFull = later.find((b) => b.kind === 'full');
      backups.push(...later.filter((b) => b.kind === 'incremental' && (!nextFull || b.timestamp < nextFull.timestamp)));
    }
    const stamps = this.index.stamps(storageName);
    const h = createHash('sha256');
    h.update(JSON.stringify([storageName, backups.map((b) => [b.key, stamps.get(b.key)?.metaSize, stamps.get(b.key)?.metaMtime])]));
    return { storage: storageName, key: target.key, backups, confirmation: h.digest('hex').slice(0, 16) };
  }

  /**
   * Deletes what `planDelete` listed, as a job. Refused (before any job starts) without the
   * plan's confirmation, when the list changed since, or while a running job uses any of it.
   * Incrementals go before their full and each metadata file before its data, so a delete cut
   * short leaves fewer restore points, never a damaged one.
   */
  async delete(storageName: string, key: string, confirmation: string | undefined): Promise<{ job: Job; done: Promise<Job> }> {
    const plan = await this.planDelete(storageName, key);
    if (!confirmation) throw new DeleteRefusedError(`confirmation: missing; deleting ${plan.key} removes ${plan.backups.length} backup(s) (${plan.backups.map((b) => b.key).join(', ')}); confirm with ${plan.confirmation}`);
    if (confirmation !== plan.confirmation) throw new DeleteRefusedError(`confirmation: '${confirmation}' does not match what would be deleted now (${plan.backups.map((b) => b.key).join(', ')}); plan the delete again`);
    const busy = (except?: string): string | undefined => plan.backups.find((b) => this.deps.jobs.inUse(storageName, b.key, except))?.key;
    const used = busy();
    if (used) throw new DeleteRefusedError(`${used} is in use by a running job: delete refused`);
    const metaPaths = new Map(plan.backups.map((b) => [b.key, this.index.metaPath(storageName, b.key)!]));
    return this.deps.jobs.start(
      { type: 'delete', trigger: 'on-demand', routine: plan.backups[0]!.routine, details: { storage: storageName, key: plan.key, backups: plan.backups.map((b) => b.key) } },
      async (run) => {
        run.uses(storageName, plan.backups.map((b) => b.key));
        // Another process may have started a restore between the check and our claim.
        const late = busy(run.id);
        if (late) throw new DeleteRefusedError(`${late} is in use by a running job: delete refused`);
        const storage = await this.deps.openStorage(storageName);
        const order = [...plan.backups].sort((a, b) => (a.kind === b.kind ? b.timestamp - a.timestamp : a.kind === 'incremental' ? -1 : 1));
        const deleted: string[] = [];
        for (const b of order) {
          run.signal.throwIfAborted();
          await removeBackup(storage, b, metaPaths.get(b.key)!);
          this.index.remove(storageName, [b.key]);
          deleted.push(b.key);
          run.detail('deleted', deleted);
        }
        return { stats: { backups: deleted.length }, details: { deleted } };
      },
    );
  }

  private storageConfig(name: string): void {
    if (!this.deps.config().storage[name]) throw new CatalogNotFoundError(`storage '${name}' is not defined`);
  }

  private routineStorage(routine: string): string {
    const r = this.deps.config()['backup-routines'][routine];
    if (r) return r.storage;
    const where = this.index.storages().filter((s) => this.index.routineBackups(s, routine).length > 0);
    if (where.length === 1) return where[0]!;
    if (where.length === 0) throw new CatalogNotFoundError(`routine '${routine}' is not defined and no storage in the catalog holds backups of it`);
    throw new CatalogNotFoundError(`routine '${routine}' has backups on several storages (${where.join(', ')}): name the storage`);
  }

  private async routineKeyHash(routine: string): Promise<Buffer | undefined> {
    const config = this.deps.config();
    const r = config['backup-routines'][routine];
    const enc = r ? config['backup-policies'][r['backup-policy']]?.encryption : undefined;
    if (enc?.['key-file']) return keyHashFromPemFile(this.deps.resolvePath(enc['key-file']));
    if (enc?.['key-env']) return keyHashFromEnv(enc['key-env']);
    return undefined;
  }
}

function normalizeKey(key: string): string {
  return key.replace(/\/+$/, '');
}

/** verifyBackup file by file, so a cancel stops between files and progress is reported. */
async function verifyFiles(
  storage: BackupStorage,
  source: BackupSource,
  codec: Parameters<typeof verifyBackup>[2],
  signal: AbortSignal,
  /** Records and bytes of each file once it checked out. */
  onProgress: (records: number, bytes: number) => void,
): Promise<VerifyReport> {
  const total: VerifyReport = { files: 0, records: 0, indexes: 0, udfs: 0, bytes: 0 };
  const expected = source.metadata?.['record-count'];
  // The whole-backup count is compared below, after every file.
  const perFile = source.metadata ? { ...source.metadata, 'record-count': undefined } : null;
  for (const f of source.files) {
    signal.throwIfAborted();
    const r = await verifyBackup(storage, { key: source.key, metadata: perFile, files: [f] }, codec);
    total.files += r.files;
    total.records += r.records;
    total.indexes += r.indexes;
    total.udfs += r.udfs;
    total.bytes += r.bytes;
    onProgress(r.records, r.bytes);
  }
  if (expected !== undefined && expected !== total.records) throw new BackupIntegrityError(`${source.key}: holds ${total.records} records, metadata says ${expected}`);
  return total;
}

function failedVerification(err: Error, at: number, jobId: string): Verification {
  const v: Verification = { at, ok: false, 'job-id': jobId, message: err.message };
  if (err instanceof AsbParseError) {
    v.file = err.file;
    v.line = err.line;
  } else {
    const m = /^([^\s:]+\.asb)(?::(\d+))?:/.exec(err.message);
    if (m) {
      v.file = m[1]!;
      if (m[2]) v.line = Number(m[2]);
    } else if (err instanceof FileCodecError) v.message = err.message;
  }
  return v;
}

/** Removes one backup: its metadata (or registration) first, then its files. */
async function removeBackup(storage: BackupStorage, b: CatalogBackup, metaPath: string): Promise<void> {
  if (b.foreign) {
    const reg = await readRegistration(storage, metaPath);
    await storage.remove(metaPath);
    // Only the files that were registered: the folder may hold other things of the user's.
    for (const f of reg.tidemark?.files ?? []) await storage.remove(`${b.key}/${f.name}`);
    await removeRunFolder(storage, metaPath.replace(/\/data\/[^/]+\/[^/]+$/, ''), REGISTRATION_FILE);
    return;
  }
  await storage.remove(metaPath);
  await storage.removeTree(b.key);
  await removeRunFolder(storage, b.key.replace(/\/data\/[^/]+$/, ''), METADATA_FILE);
}

/** The run's folder (`<routine>/<kind>/<ms>`, with ABS's configuration files) goes with its last namespace. */
async function removeRunFolder(storage: BackupStorage, root: string, metaName: string): Promise<void> {
  if (!/\/\d+$/.test(root)) return;
  for await (const e of storage.list(root, { recursive: true })) {
    if (e.path.endsWith(`/${metaName}`)) return;
  }
  await storage.removeTree(root);
}
