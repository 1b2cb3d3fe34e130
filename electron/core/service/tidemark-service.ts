/**
 * The service core: configuration, state database, scheduler, jobs, retention and hooks behind
 * one API. The desktop app (IPC), the REST server and the CLI all drive this class, so none of
 * them holds logic of its own. No Electron imports: the desktop app injects its keychain, power
 * source and config store.
 */
import { dirname, join } from 'node:path';
import type { LevelWithSilent, Logger } from 'pino';
import { listBackups, lastBackupStart } from '../catalog/catalog.js';
import { CatalogService } from '../catalog/catalog-service.js';
import { examineRoutine, executeCopy, executeMerge, executeRestoreVersion, indexRoutine, type CopySpec, type MergeSpec, type RestoreVersionSpec } from '../catalog/backup-operations.js';
import type { ExamineResult } from '../catalog/history/examine.js';
import type { RecordLookupInput } from '../../../shared/schemas/record-history.js';
import { ConfFileStore, type ConfigDocumentStore } from '../config/config-file.js';
import { ConfigService } from '../config/config-service.js';
import type { Keychain } from '../config/keychain.js';
import type { runHooks } from '../hooks/hook-runner.js';
import { executeBackup } from '../jobs/backup-job.js';
import { JobRegistry, type JobEvent } from '../jobs/job-registry.js';
import { configResources, type Resources } from '../jobs/resources.js';
import { executeRestore, restoreStorageName, type RestoreJobSpec } from '../jobs/restore-job.js';
import { applyRetention, planRetention, retentionRule } from '../jobs/retention.js';
import { createLogger } from '../logging/logger.js';
import { Scheduler, type PowerSource } from '../scheduler/scheduler.js';
import { openStateDatabase, type StateDatabase } from '../state/state-db.js';
import type { StorageTuning } from '../storage/create-storage.js';
import type { Job, JobLogLine, JobQuery, JobTrigger } from '../../../shared/schemas/job.js';
import { readJobLog } from '../logging/job-log.js';
import type { RunningJob } from '../../../shared/schemas/progress.js';
import { systemClock, type Clock } from './clock.js';
import { DatabaseScheduleState } from './schedule-state-adapter.js';
import { testCluster, testStorage, unmaskEntry } from './connection-tests.js';
import { applyProfileImport, exportConfigProfile, previewProfileImport } from './profile-transfer.js';
import type { AerospikeClusterConfig } from '../../../shared/schemas/config.js';
import type { StorageConfig } from '../../../shared/schemas/storage.js';
import type { ClusterTestResult, ImportPreview, ProfileExport, ProfileExportRequest, ProfileImportRequest, StorageTestResult } from '../../../shared/schemas/rest.js';
import { VerifySchedule } from './verify-schedule.js';

export interface ServiceOptions {
  /** The config file (JSON). Its folder is the data folder unless `dataDir` says otherwise. */
  configPath: string;
  dataDir?: string;
  clock?: Clock;
  keychain?: Keychain;
  power?: PowerSource;
  /** The desktop app passes electron-store here; plain Node uses conf on `configPath`. */
  configStore?: ConfigDocumentStore;
  /** Log to stdout as well as the daily file. */
  logStdout?: boolean;
  logLevel?: LevelWithSilent;
  storageTuning?: StorageTuning;
  runHooks?: typeof runHooks;
}

export interface TriggerOptions {
  type?: 'full' | 'incremental';
  trigger?: JobTrigger;
  delayMs?: number;
  label?: string;
}

export type ServiceEvent = JobEvent | { type: 'schedule-changed' } | { type: 'config-changed' };

export class TidemarkService {
  readonly scheduler: Scheduler;
  readonly jobs: JobRegistry;
  /** Opens the clusters and storages the config names (for jobs built on the core). */
  readonly resources: Resources;
  /** The backup catalog: index, listings, timeline, verify and delete jobs, foreign backups. */
  readonly catalog: CatalogService;
  private readonly verifySchedule: VerifySchedule;
  private startupRefresh: Promise<void> = Promise.resolve();
  private readonly listeners = new Set<(e: ServiceEvent) => void>();

  private constructor(
    readonly config: ConfigService,
    readonly db: StateDatabase,
    readonly log: Logger,
    private readonly closeLog: () => Promise<void>,
    readonly clock: Clock,
    readonly dataDir: string,
    private readonly opts: ServiceOptions,
  ) {
    this.resources = configResources(() => this.config.config, dirname(opts.configPath), opts.storageTuning);
    this.jobs = new JobRegistry({ db, clock, log, ...(opts.runHooks ? { runHooks: opts.runHooks } : {}) });
    this.jobs.on('job', (e) => this.broadcast(e));
    this.catalog = new CatalogService({
      db: db.connection,
      jobs: this.jobs,
      clock,
      log,
      config: () => this.config.config,
      openStorage: (name) => this.resources.openStorage(name),
      resolvePath: (p) => this.resources.resolvePath(p),
    });
    this.scheduler = new Scheduler({
      clock,
      state: new DatabaseScheduleState(db.schedule),
      ...(opts.power ? { power: opts.power } : {}),
      hasFullBackup: (routine) => this.hasFullBackup(routine),
      launch: (run) => this.triggerBackup(run.routine, { type: run.type, trigger: run.trigger }).done,
      skip: (run) => {
        this.jobs.recordSkipped({ type: 'backup', backupType: run.type, routine: run.routine, trigger: run.trigger }, run.reason);
      },
      onError: (err, routine) => this.log.error({ err, routine }, 'scheduled run failed to start'),
    });
    this.verifySchedule = new VerifySchedule({
      clock,
      verify: (routine) => this.verifyChain(routine, 'schedule'),
      onError: (err, routine) => this.log.error({ err, routine }, 'scheduled verification failed'),
    });
    this.scheduler.on('changed', () => this.broadcast({ type: 'schedule-changed' }));
    this.config.on('changed', () => {
      this.broadcast({ type: 'config-changed' });
      this.applySchedule();
    });
    // Known before start(), so next runs and pause work in one-shot commands that never schedule.
    this.applySchedule();
  }

  /** Opens the config (reporting, never replacing, a broken file), the state database and the logger. */
  static async open(opts: ServiceOptions): Promise<TidemarkService> {
    const clock = opts.clock ?? systemClock;
    const dataDir = opts.dataDir ?? dirname(opts.configPath);
    const store = opts.configStore ?? new ConfFileStore(opts.configPath);
    const lastGood = new ConfFileStore(join(dataDir, 'config.last-good.json'));
    const config = new ConfigService({ store, lastGood, ...(opts.keychain ? { keychain: opts.keychain } : {}) });
    const problem = config.load();
    const { logger, close } = createLogger({
      dataDir,
      secrets: () => config.secrets(),
      clock,
      ...(opts.logLevel ? { level: opts.logLevel } : {}),
      ...(opts.logStdout !== undefined ? { stdout: opts.logStdout } : {}),
      ...(config.config.tidemark?.['log-days'] !== undefined ? { retainDays: config.config.tidemark['log-days'] } : {}),
    });
    if (problem) logger.error({ file: problem.file, issues: problem.issues }, `config: ${problem.message}; running on the ${problem.running === 'last-good' ? 'last good copy' : 'empty configuration'}`);
    const db = openStateDatabase(join(dataDir, 'state.db'), clock);
    const service = new TidemarkService(config, db, logger, close, clock, dataDir, opts);
    service.pruneHistory();
    await service.cleanUpInterrupted();
    return service;
  }

  /** Starts the scheduler: catch-up of missed runs, then timers. */
  start(): void {
    this.scheduler.start();
    this.verifySchedule.start();
    // Backups already on the storages (made while Tidemark was closed, by ABS or by hand) are
    // listed without waiting for the first job to refresh them.
    this.startupRefresh = this.catalog.refreshAll().then(
      (results) => {
        for (const r of results) if ('error' in r) this.log.warn({ storage: r.storage, error: r.error }, 'catalog refresh at start failed');
      },
      (err: unknown) => this.log.warn({ err }, 'catalog refresh at start failed'),
    );
  }

  /** Settles once the catalog refresh that start() begins has finished (whatever its outcome). */
  catalogReady(): Promise<void> {
    return this.startupRefresh;
  }

  /** The OS resumed from sleep: catch up once, re-arm timers. */
  wake(): void {
    this.scheduler.wake();
  }

  /** Stops scheduling, cancels running jobs (a cancelled backup removes what it wrote) and closes. */
  async close(graceMs = 10_000): Promise<void> {
    this.scheduler.stop();
    this.verifySchedule.stop();
    await this.jobs.shutdown(graceMs);
    await this.startupRefresh;
    this.db.close();
    await this.closeLog();
  }

  subscribe(fn: (e: ServiceEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Live events as an async iterator; ends when `signal` aborts. */
  async *events(signal?: AbortSignal): AsyncGenerator<ServiceEvent> {
    const queue: ServiceEvent[] = [];
    let wake: (() => void) | undefined;
    const off = this.subscribe((e) => {
      queue.push(e);
      wake?.();
    });
    const onAbort = (): void => wake?.();
    signal?.addEventListener('abort', onAbort);
    try {
      while (!signal?.aborted) {
        if (queue.length === 0) await new Promise<void>((r) => (wake = r));
        wake = undefined;
        while (queue.length) yield queue.shift()!;
      }
    } finally {
      off();
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Runs a routine's backup now (or after `delayMs`). Overlap follows ABS: if the routine is
   * already backing up, in this or another process, the run is recorded as skipped.
   */
  triggerBackup(routineName: string, o: TriggerOptions = {}): { job: Job; done: Promise<Job> } {
    const config = this.config.config;
    const routine = this.config.get('backup-routines', routineName);
    const cluster = config['aerospike-clusters'][routine['source-cluster']];
    const policy = config['backup-policies'][routine['backup-policy']];
    const type = o.type ?? 'full';
    const maxScans = cluster?.['max-parallel-scans'];
    return this.jobs.start(
      {
        type: 'backup',
        backupType: type,
        routine: routineName,
        trigger: o.trigger ?? 'on-demand',
        exclusive: true,
        ...(o.label !== undefined ? { label: o.label } : {}),
        ...(o.delayMs ? { delayMs: o.delayMs } : {}),
        ...(maxScans ? { scans: { cluster: routine['source-cluster'], want: policy?.parallel ?? 4, max: maxScans } } : {}),
        ...(routine.hooks ? { hooks: routine.hooks } : {}),
      },
      async (run) => {
        // Read the config when the run starts: a delayed run uses what is configured then.
        const now = this.config.config;
        const result = await executeBackup(
          now,
          this.resources,
          { routine: routineName, type, ...(o.label !== undefined ? { label: o.label } : {}) },
          {
            signal: run.signal,
            now: () => this.clock.now(),
            onProgress: (p) => run.progress(p),
            onWarning: (m) => run.log.warn(m),
            onStart: (root, createdMs) => {
              run.detail('root', root);
              run.detail('created', createdMs);
              run.detail('storage', routine.storage);
            },
            ...(run.scans !== undefined ? { parallel: run.scans } : {}),
          },
        );
        const stats = {
          records: result.namespaces.reduce((a, n) => a + (n.metadata['record-count'] ?? 0), 0),
          bytes: result.namespaces.reduce((a, n) => a + (n.metadata['byte-count'] ?? 0), 0),
          files: result.namespaces.reduce((a, n) => a + (n.metadata['file-count'] ?? 0), 0),
          'secondary-indexes': result.namespaces.reduce((a, n) => a + (n.metadata['secondary-index-count'] ?? 0), 0),
          udfs: result.namespaces.reduce((a, n) => a + (n.metadata['udf-count'] ?? 0), 0),
        };
        run.progress(result.progress, stats);
        const details: Record<string, unknown> = { keys: result.namespaces.map((n) => n.key) };
        if (type === 'full') details.retention = await this.retain(routineName, run.id);
        await this.indexStorage(routine.storage);
        return { stats, details };
      },
    );
  }

  /** Restores a backup by key, or a routine to a point in time. */
  restore(spec: RestoreJobSpec, o: { delayMs?: number } = {}): { job: Job; done: Promise<Job> } {
    const config = this.config.config;
    const storage = restoreStorageName(config, spec);
    if (!config.storage[storage]) throw new Error(`storage '${storage}' is not defined`);
    const destination = spec.destination ?? ('routine' in spec.source ? config['backup-routines'][spec.source.routine]?.['source-cluster'] : undefined);
    if (!destination || !config['aerospike-clusters'][destination]) throw new Error(`destination: cluster '${destination ?? ''}' is not defined`);
    return this.jobs.start(
      {
        type: 'restore',
        trigger: 'on-demand',
        ...('routine' in spec.source ? { routine: spec.source.routine } : {}),
        ...(o.delayMs ? { delayMs: o.delayMs } : {}),
        details: { source: spec.source, destination },
      },
      async (run) => {
        const result = await executeRestore(this.config.config, this.resources, spec, {
          signal: run.signal,
          onProgress: (p, stats) => run.progress(p, { ...stats }),
          onUses: (s, keys) => run.uses(s, keys),
        });
        run.progress(result.job, { ...result.stats });
        return {
          stats: { ...result.stats },
          details: { keys: result.keys, ...(result.plan ? { 'effective-time': result.plan.effectiveMs, 'requested-time': result.plan.requestedMs } : {}) },
        };
      },
    );
  }

  /** Record history: one record's versions across a routine's backups (a query, not a job). */
  examineRecord(lookup: RecordLookupInput, o: { useIndex?: boolean } = {}): Promise<ExamineResult> {
    return examineRoutine(this.config.config, this.resources, lookup, o);
  }

  /** Writes the record indexes a routine's backups lack (record history then reads two small ranges per backup). */
  indexRecordHistory(routine: string): Promise<string[]> {
    return indexRoutine(this.config.config, this.resources, routine);
  }

  /** Writes one version of a record (as a backup holds it) into a cluster: a restore job. */
  restoreRecordVersion(spec: RestoreVersionSpec): { job: Job; done: Promise<Job> } {
    return this.jobs.start({ type: 'restore', trigger: 'on-demand', routine: spec.lookup.routine, details: { 'record-version': spec } }, async (run) => {
      run.uses(this.config.get('backup-routines', spec.lookup.routine).storage, [spec.backup]);
      const r = await executeRestoreVersion(this.config.config, this.resources, spec, run.signal);
      return { stats: { 'inserted-records': 1 }, details: { digest: r.record.digest.toString('hex'), namespace: r.namespace, backup: spec.backup } };
    });
  }

  /** Copies a backup (a full with its incrementals, or one incremental) to another storage, as a job. */
  copyBackup(spec: CopySpec): { job: Job; done: Promise<Job> } {
    return this.jobs.start({ type: 'copy', trigger: 'on-demand', details: { source: spec.key, storage: spec.storage, to: spec.to } }, async (run) => {
      const r = await executeCopy(this.config.config, this.resources, spec, { signal: run.signal, onProgress: (p) => run.progress(p), onUses: (s, paths) => run.uses(s, paths) });
      run.progress(r.progress, { records: r.records, bytes: r.bytes, files: r.files });
      await this.indexStorage(spec.to);
      return { stats: { records: r.records, bytes: r.bytes, files: r.files, indexes: r.indexes }, details: { keys: r.keys, unverified: r.unverified } };
    });
  }

  /** Folds a routine's full backup and incrementals up to a time into a new full backup, as a job. */
  mergeBackups(spec: MergeSpec): { job: Job; done: Promise<Job> } {
    return this.jobs.start({ type: 'merge', trigger: 'on-demand', routine: spec.routine, details: { upto: spec.upto, ...(spec.to ? { to: spec.to } : {}) } }, async (run) => {
      const r = await executeMerge(this.config.config, this.resources, spec, { signal: run.signal, onProgress: (p) => run.progress(p), onUses: (s, paths) => run.uses(s, paths) });
      const records = r.namespaces.reduce((a, n) => a + (n.metadata['record-count'] ?? 0), 0);
      const bytes = r.namespaces.reduce((a, n) => a + (n.metadata['byte-count'] ?? 0), 0);
      run.progress(r.progress, { records, bytes });
      await this.indexStorage(spec.to ?? this.config.get('backup-routines', spec.routine).storage);
      return { stats: { records, bytes }, details: { keys: r.namespaces.map((n) => n.key), created: r.createdMs, sources: r.namespaces.flatMap((n) => n.sources) } };
    });
  }

  /** "Test connection": a configured cluster (by name) or an entry about to be saved (masked secrets: the named one's). */
  testCluster(o: { name?: string; entry?: AerospikeClusterConfig }): Promise<ClusterTestResult> {
    const stored = o.name !== undefined ? this.config.get('aerospike-clusters', o.name) : undefined;
    const entry = o.entry ? unmaskEntry('aerospike-clusters', o.entry, stored) : stored;
    if (!entry) throw new Error('testCluster: give a cluster name or entry');
    return testCluster(entry, `aerospike-clusters.${o.name ?? '(new)'}`);
  }

  /** "Test storage": writes, reads back and deletes a probe object under `.tidemark-probe/`. */
  testStorage(o: { name?: string; entry?: StorageConfig }): Promise<StorageTestResult> {
    const stored = o.name !== undefined ? this.config.get('storage', o.name) : undefined;
    const entry = o.entry ? unmaskEntry('storage', o.entry, stored) : stored;
    if (!entry) throw new Error('testStorage: give a storage name or entry');
    return testStorage(entry, { resolvePath: (p) => this.resources.resolvePath(p), ...(this.opts.storageTuning ? { tuning: this.opts.storageTuning } : {}) });
  }

  /** The running config (or chosen routines) as a Tidemark profile or an ABS config file. */
  exportProfile(req: ProfileExportRequest): Promise<ProfileExport> {
    return exportConfigProfile(this.config.config, req, new Date(this.clock.now()));
  }

  /** What importing a profile would change; nothing is changed. */
  previewProfileImport(req: ProfileImportRequest): Promise<ImportPreview> {
    return previewProfileImport(this.config.config, req);
  }

  /** Imports a profile: the whole result is validated and written, or nothing changes. */
  applyProfileImport(req: ProfileImportRequest): Promise<ImportPreview> {
    return applyProfileImport(this.config, req);
  }

  /**
   * Verifies what a restore of the routine to now would read (the newest full backup and its
   * incrementals, every namespace) that is not verified yet, one verify job after another.
   */
  async verifyChain(routine: string, trigger: 'schedule' | 'on-demand' = 'on-demand'): Promise<Job[]> {
    const r = this.config.get('backup-routines', routine);
    await this.catalog.refresh(r.storage);
    const namespaces = new Set(this.catalog.list({ routine, storage: r.storage, limit: 1000 }).backups.map((b) => b.namespace));
    const jobs: Job[] = [];
    for (const namespace of namespaces) {
      const plan = this.catalog.timeline(routine, { namespace, atMs: this.clock.now() }).plan;
      for (const step of plan?.steps ?? []) {
        if (step.verification?.ok) continue;
        jobs.push(await this.catalog.verify(r.storage, step.key, { trigger }).done);
      }
    }
    return jobs;
  }

  cancelJob(id: string): Job | undefined {
    return this.jobs.cancel(id);
  }

  cancelRoutine(routine: string): Job[] {
    this.config.get('backup-routines', routine);
    return this.jobs.cancelRoutine(routine);
  }

  getJob(id: string): Job | undefined {
    return this.jobs.get(id);
  }

  /** The log lines of one job (redacted), oldest first; undefined for an unknown job. */
  jobLog(id: string, limit = 1000): JobLogLine[] | undefined {
    const job = this.jobs.get(id);
    return job ? readJobLog(join(this.dataDir, 'logs'), id, job['created-at'], limit) : undefined;
  }

  listJobs(q: JobQuery = {}): Job[] {
    return this.jobs.query(q);
  }

  /** ABS's currentBackup: progress of the routine's running full and incremental backups. */
  currentBackups(routine: string): { full?: RunningJob; incremental?: RunningJob } {
    this.config.get('backup-routines', routine);
    const out: { full?: RunningJob; incremental?: RunningJob } = {};
    for (const j of this.jobs.running({ routine })) {
      if (j.type === 'backup' && j['backup-type'] && j.progress) out[j['backup-type']] = j.progress;
    }
    return out;
  }

  schedule(): ReturnType<Scheduler['nextRuns']> {
    return this.scheduler.nextRuns();
  }

  pause(routine?: string): void {
    if (routine !== undefined) this.config.get('backup-routines', routine);
    this.scheduler.pause(routine);
  }

  resume(routine?: string): void {
    if (routine !== undefined) this.config.get('backup-routines', routine);
    this.scheduler.resume(routine);
  }

  /**
   * ABS's "apply": re-reads the config file (edited by hand or by another process) and
   * reschedules. A file that does not validate is kept and reported, as on start-up.
   */
  reloadConfig(): ReturnType<ConfigService['load']> {
    const problem = this.config.load();
    this.broadcast({ type: 'config-changed' });
    this.applySchedule();
    return problem;
  }

  /**
   * Keeps the catalog index current: a job that wrote or removed backups refreshes the storage it
   * touched (only changed metadata is read) as its last step, so whoever hears it finished — a
   * UI on the event stream, a caller awaiting `done` — finds its backups listed. A refresh that
   * fails is logged and never fails the job: the next refresh catches up.
   */
  private async indexStorage(name: string): Promise<void> {
    if (!this.config.config.storage[name]) return;
    try {
      await this.catalog.refresh(name);
    } catch (err) {
      this.log.warn({ err, storage: name }, 'catalog refresh after a job failed');
    }
  }

  private applySchedule(): void {
    const routines = Object.entries(this.config.config['backup-routines']).map(([name, r]) => ({
      name,
      intervalCron: r['interval-cron'],
      ...(r['incr-interval-cron'] ? { incrIntervalCron: r['incr-interval-cron'] } : {}),
      ...(r.disabled ? { disabled: true } : {}),
      ...(r['skip-on-battery'] ? { skipOnBattery: true } : {}),
      ...(r.timezone ? { timezone: r.timezone } : {}),
    }));
    try {
      this.scheduler.setRoutines(routines);
      this.verifySchedule.setRoutines(
        Object.entries(this.config.config['backup-routines'])
          .filter(([, r]) => r['verify-cron'] && !r.disabled)
          .map(([name, r]) => ({ name, cron: r['verify-cron']!, ...(r.timezone ? { timezone: r.timezone } : {}) })),
      );
    } catch (err) {
      this.log.error({ err }, 'schedule not applied');
    }
  }

  private async hasFullBackup(routine: string): Promise<boolean> {
    if (this.jobs.query({ type: ['backup'], routine, status: 'success', limit: 1000 }).some((j) => j['backup-type'] === 'full')) return true;
    const r = this.config.config['backup-routines'][routine];
    if (!r) return false;
    try {
      return (await lastBackupStart(await this.resources.openStorage(r.storage), routine)) !== undefined;
    } catch {
      return false;
    }
  }

  /** Applies the routine's retention after a successful full backup; never fails the backup. */
  private async retain(routineName: string, jobId: string): Promise<Record<string, unknown> | undefined> {
    const config = this.config.config;
    const routine = config['backup-routines'][routineName];
    const policy = routine ? config['backup-policies'][routine['backup-policy']] : undefined;
    const rule = policy ? retentionRule(policy) : undefined;
    if (!routine || !rule) return undefined;
    try {
      const storage = await this.resources.openStorage(routine.storage);
      const plan = planRetention(await listBackups(storage, routineName), rule, this.clock.now(), (root) => this.jobs.inUse(routine.storage, root, jobId));
      const removed = await applyRetention(storage, plan);
      if (removed.length) {
        this.db.events.append({ kind: 'retention', routine: routineName, jobId, message: `retention removed ${removed.length} backup${removed.length === 1 ? '' : 's'}: ${removed.join(', ')}` });
        this.log.info({ routine: routineName, removed }, 'retention removed backups');
      }
      return { removed: plan.remove.map((r) => ({ root: r.root, reason: r.reason })), spared: plan.spared.map((r) => ({ root: r.root, reason: r.reason })) };
    } catch (err) {
      this.log.error({ err, routine: routineName }, 'retention failed');
      return { error: (err as Error).message };
    }
  }

  /** Job history and events older than `tidemark.history-days` (default a year) are dropped. */
  private pruneHistory(): void {
    const days = this.config.config.tidemark?.['history-days'] ?? 365;
    const before = this.clock.now() - days * 86_400_000;
    const jobs = this.db.jobs.pruneFinished(before);
    const events = this.db.events.prune(days * 86_400_000);
    if (jobs || events) this.log.info({ jobs, events, days }, 'pruned old history');
  }

  /**
   * A backup whose process was killed leaves files behind (without metadata.yaml they are no
   * restore point, but they take space). Once the history marks the job interrupted, remove them.
   */
  private async cleanUpInterrupted(): Promise<void> {
    const jobs = this.jobs.query({ type: ['backup'], status: 'failure', limit: 1000 }).filter((j) => j.interrupted && typeof j.details?.root === 'string' && !j.details.cleaned);
    for (const j of jobs) {
      const root = j.details!.root as string;
      const storageName = (j.details!.storage as string | undefined) ?? (j.routine ? this.config.config['backup-routines'][j.routine]?.storage : undefined);
      if (!storageName || !this.config.config.storage[storageName]) continue;
      try {
        // Namespaces it did finish are removed too: a failed run leaves nothing, as the engine does.
        await (await this.resources.openStorage(storageName)).removeTree(root);
        this.db.jobs.update(j.id, { details: { ...j.details, cleaned: true } });
        this.log.info({ job: j.id, root }, 'removed the partial files of an interrupted backup');
      } catch (err) {
        this.log.warn({ err, job: j.id, root }, 'could not clean up an interrupted backup');
      }
    }
  }

  private broadcast(e: ServiceEvent): void {
    for (const fn of this.listeners) {
      try {
        fn(e);
      } catch (err) {
        this.log.error({ err }, 'event listener failed');
      }
    }
  }
}
