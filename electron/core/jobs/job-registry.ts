/**
 * Every backup, restore, verify, copy, merge, delete and retention run is a job: recorded in the
 * state database from the moment it is asked for, watched live through events, cancellable by id
 * or by routine (also from another process on the same database), and kept in the history.
 *
 * The overlap rule holds across processes: a job that must run alone for its routine takes the
 * routine's lock in the database, and a run that finds the routine busy is recorded as skipped.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Clock } from '../service/clock.js';
import type { Logger } from 'pino';
import { runHooks } from '../hooks/hook-runner.js';
import type { InstanceInfo } from '../state/liveness.js';
import type { StateDatabase } from '../state/state-db.js';
import type { Hook, RoutineHooks } from '../../../shared/schemas/hooks.js';
import type { HookEvent, HookResult, Job, JobQuery, JobTrigger, JobType } from '../../../shared/schemas/job.js';
import type { RunningJob } from '../../../shared/schemas/progress.js';
import { ClusterSlots } from './cluster-slots.js';

export interface JobSpec {
  type: JobType;
  trigger: JobTrigger;
  routine?: string;
  backupType?: 'full' | 'incremental';
  label?: string;
  /** Wait this long first; the job is `pending` meanwhile and can be cancelled. */
  delayMs?: number;
  /** Runs only while no other exclusive job of its routine runs; otherwise it is skipped. */
  exclusive?: boolean;
  /** Scans wanted on a cluster, bounded across jobs by the cluster's max-parallel-scans. */
  scans?: { cluster: string; want: number; max: number };
  hooks?: RoutineHooks;
  details?: Record<string, unknown>;
}

export interface JobRun {
  readonly id: string;
  readonly signal: AbortSignal;
  /** Scans granted (when the spec asked for cluster scans). */
  readonly scans?: number;
  progress(p: RunningJob, stats?: Record<string, number>): void;
  detail(key: string, value: unknown): void;
  /** Storage paths this job reads or writes: deletes and retention keep off them. */
  uses(storage: string, paths: string[]): void;
  log: Logger;
}

export interface JobOutcome {
  stats?: Record<string, number>;
  details?: Record<string, unknown>;
}

export type JobBody = (run: JobRun) => Promise<JobOutcome | void>;

export type JobEventType = 'created' | 'started' | 'progress' | 'finished';
export interface JobEvent {
  type: JobEventType;
  job: Job;
}

export class JobCancelledError extends Error {
  override name = 'JobCancelledError';
}

/** How often a running job's progress is written to the database, and cancel requests polled. */
const PERSIST_MS = 1000;

interface Live {
  job: Job;
  abort: AbortController;
  cancelTimer?: () => void;
  lastPersist: number;
  uses: string[];
}

export interface JobRegistryDeps {
  db: StateDatabase;
  clock: Clock;
  log: Logger;
  /** Hook runner; replaceable in tests. */
  runHooks?: typeof runHooks;
}

export class JobRegistry extends EventEmitter<{ job: [JobEvent] }> {
  private readonly live = new Map<string, Live>();
  private readonly slots = new ClusterSlots();
  private pollCancel: (() => void) | undefined;
  private closed = false;

  constructor(private readonly deps: JobRegistryDeps) {
    super();
    this.setMaxListeners(0);
    this.armPoll();
  }

  /** Starts a job; `done` settles with its final record (never rejects). */
  start(spec: JobSpec, body: JobBody): { job: Job; done: Promise<Job> } {
    if (this.closed) throw new Error('the service is stopping: no new jobs');
    const { db, clock } = this.deps;
    const job: Job = {
      id: randomUUID(),
      type: spec.type,
      trigger: spec.trigger,
      status: spec.delayMs ? 'pending' : 'running',
      'created-at': clock.now(),
      ...(spec.routine !== undefined ? { routine: spec.routine } : {}),
      ...(spec.backupType !== undefined ? { 'backup-type': spec.backupType } : {}),
      ...(spec.label !== undefined ? { label: spec.label } : {}),
      ...(spec.details ? { details: spec.details } : {}),
    };
    if (job.status === 'running') job['started-at'] = job['created-at'];
    db.jobs.insert(job, this.owner());
    const live: Live = { job, abort: new AbortController(), lastPersist: 0, uses: [] };
    this.live.set(job.id, live);
    this.emitJob('created', job);
    const done = new Promise<Job>((resolve) => {
      const go = (): void => void this.execute(live, spec, body).then(resolve);
      if (spec.delayMs) {
        const onAbort = (): void => {
          live.cancelTimer?.();
          resolve(this.finish(live, 'canceled', { error: 'canceled before it started' }));
        };
        live.abort.signal.addEventListener('abort', onAbort, { once: true });
        live.cancelTimer = clock.setTimer(spec.delayMs, () => {
          live.abort.signal.removeEventListener('abort', onAbort);
          go();
        });
      } else go();
    });
    return { job: { ...job }, done };
  }

  /** Records a run that did not happen (routine busy, on battery, no full backup yet). */
  recordSkipped(spec: JobSpec, reason: string): Job {
    const now = this.deps.clock.now();
    const job: Job = {
      id: randomUUID(),
      type: spec.type,
      trigger: spec.trigger,
      status: 'skipped',
      reason,
      'created-at': now,
      'finished-at': now,
      ...(spec.routine !== undefined ? { routine: spec.routine } : {}),
      ...(spec.backupType !== undefined ? { 'backup-type': spec.backupType } : {}),
      ...(spec.label !== undefined ? { label: spec.label } : {}),
    };
    this.deps.db.jobs.insert(job, this.owner());
    this.deps.db.events.append({ kind: 'job-finished', routine: spec.routine, jobId: job.id, message: `${describe(job)} skipped: ${reason}` });
    this.emitJob('finished', job);
    return job;
  }

  /** Cancels a job of this process at once, or asks the process that runs it. */
  cancel(id: string): Job | undefined {
    const live = this.live.get(id);
    if (live) {
      live.abort.abort();
      return { ...live.job };
    }
    const job = this.deps.db.jobs.get(id);
    if (!job) return undefined;
    if (job.status === 'running' || job.status === 'pending') this.deps.db.jobs.requestCancel(id);
    return job;
  }

  /** Cancels every running or pending job of a routine (of the given types), in any process. */
  cancelRoutine(routine: string, types: JobType[] = ['backup']): Job[] {
    const jobs = this.running({ routine }).filter((j) => types.includes(j.type));
    for (const j of jobs) this.cancel(j.id);
    return jobs;
  }

  get(id: string): Job | undefined {
    const live = this.live.get(id);
    if (live) return { ...live.job };
    return this.deps.db.jobs.get(id);
  }

  query(q: JobQuery = {}): Job[] {
    return this.deps.db.jobs.query(q).map((j) => (this.live.has(j.id) ? { ...this.live.get(j.id)!.job } : j));
  }

  /** Running and pending jobs of every live process. */
  running(filter: { routine?: string } = {}): Job[] {
    return this.deps.db.jobs.running(filter).map((j) => (this.live.has(j.id) ? { ...this.live.get(j.id)!.job } : j));
  }

  /** Whether a running job of any process reads or writes under `path` of `storage`. */
  inUse(storage: string, path: string, exceptJob?: string): boolean {
    const target = `${storage}:${path}`;
    const overlaps = (u: string): boolean => u === target || u.startsWith(`${target}/`) || target.startsWith(`${u}/`);
    return this.running().some((j) => j.id !== exceptJob && Array.isArray(j.details?.uses) && (j.details.uses as unknown[]).some((u) => typeof u === 'string' && overlaps(u)));
  }

  /** Cancels everything running here and waits up to `timeoutMs` for the jobs to wind down. */
  async shutdown(timeoutMs: number): Promise<void> {
    this.closed = true;
    this.pollCancel?.();
    const waiting = [...this.live.values()].map(
      (l) =>
        new Promise<void>((resolve) => {
          const onFinish = (e: JobEvent): void => {
            if (e.type === 'finished' && e.job.id === l.job.id) {
              this.off('job', onFinish);
              resolve();
            }
          };
          this.on('job', onFinish);
        }),
    );
    for (const l of this.live.values()) l.abort.abort();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(waiting), new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
  }

  private async execute(live: Live, spec: JobSpec, body: JobBody): Promise<Job> {
    const { db, clock } = this.deps;
    const job = live.job;
    if (job.status === 'pending') {
      job.status = 'running';
      job['started-at'] = clock.now();
      db.jobs.update(job.id, { status: 'running', 'started-at': job['started-at'] });
    }
    let locked = false;
    let releaseScans: (() => void) | undefined;
    try {
      if (spec.exclusive && spec.routine) {
        locked = db.locks.tryLockRoutine(spec.routine, job.id, this.owner());
        if (!locked) {
          const busy = db.jobs.running({ routine: spec.routine }).find((j) => j.id !== job.id);
          return this.finish(live, 'skipped', { reason: `routine '${spec.routine}' is busy${busy ? ` (${busy.type} job ${busy.id} is running)` : ''}` });
        }
      }
      db.events.append({ kind: 'job-started', routine: spec.routine, jobId: job.id, message: `${describe(job)} started` });
      this.deps.log.info({ job: job.id, type: job.type, routine: job.routine, trigger: job.trigger }, `${describe(job)} started`);
      this.emitJob('started', job);
      await this.hooks(live, spec, 'start');
      let scans: number | undefined;
      if (spec.scans) {
        const grant = await this.slots.acquire(spec.scans.cluster, spec.scans.want, spec.scans.max, live.abort.signal);
        scans = grant.granted;
        releaseScans = grant.release;
      }
      const outcome = await body(this.runHandle(live, scans));
      if (live.abort.signal.aborted) throw new JobCancelledError('canceled');
      const final = this.finish(live, 'success', { ...(outcome?.stats ? { stats: outcome.stats } : {}), ...(outcome?.details ? { details: { ...job.details, ...outcome.details } } : {}) }, false);
      await this.hooks(live, spec, 'success');
      return this.persistFinal(live, final);
    } catch (err) {
      const canceled = live.abort.signal.aborted;
      const final = this.finish(live, canceled ? 'canceled' : 'failure', { error: (err as Error).message }, false);
      if (!canceled) await this.hooks(live, spec, 'failure');
      return this.persistFinal(live, final);
    } finally {
      releaseScans?.();
      if (locked && spec.routine) db.locks.unlockRoutine(spec.routine, job.id);
      this.live.delete(job.id);
    }
  }

  private runHandle(live: Live, scans: number | undefined): JobRun {
    const job = live.job;
    return {
      id: job.id,
      signal: live.abort.signal,
      ...(scans !== undefined ? { scans } : {}),
      log: this.deps.log.child({ job: job.id, type: job.type, routine: job.routine }),
      progress: (p, stats) => {
        job.progress = p;
        if (stats) job.stats = stats;
        const now = this.deps.clock.now();
        if (now - live.lastPersist >= PERSIST_MS) {
          live.lastPersist = now;
          this.deps.db.jobs.update(job.id, { progress: p, ...(stats ? { stats } : {}) });
        }
        this.emitJob('progress', job);
      },
      detail: (key, value) => {
        job.details = { ...job.details, [key]: value };
        this.deps.db.jobs.update(job.id, { details: job.details });
      },
      uses: (storage, paths) => {
        live.uses.push(...paths.map((p) => `${storage}:${p}`));
        job.details = { ...job.details, uses: live.uses };
        this.deps.db.jobs.update(job.id, { details: job.details });
      },
    };
  }

  private async hooks(live: Live, spec: JobSpec, event: HookEvent): Promise<void> {
    const list: Hook[] = spec.hooks?.[`on-${event}`] ?? [];
    if (list.length === 0) return;
    const job = live.job;
    const run = this.deps.runHooks ?? runHooks;
    const results: HookResult[] = await run(event, list, {
      id: job.id,
      type: job.type,
      ...(job['backup-type'] ? { 'backup-type': job['backup-type'] } : {}),
      ...(job.routine ? { routine: job.routine } : {}),
      trigger: job.trigger,
      status: job.status,
      ...(job.label ? { label: job.label } : {}),
      ...(job.error ? { error: job.error } : {}),
      ...(job.stats?.records !== undefined ? { records: job.stats.records } : {}),
      ...(job.stats?.bytes !== undefined ? { bytes: job.stats.bytes } : {}),
      ...(job['started-at'] !== undefined && job['finished-at'] !== undefined ? { 'duration-ms': job['finished-at'] - job['started-at'] } : {}),
      ...(Array.isArray(job.details?.keys) ? { 'backup-keys': job.details.keys as string[] } : {}),
    });
    job.hooks = [...(job.hooks ?? []), ...results];
    this.deps.db.jobs.update(job.id, { hooks: job.hooks });
  }

  /** Sets the final state in memory (and, unless deferred for end hooks, in the database). */
  private finish(live: Live, status: Job['status'], patch: Partial<Job>, persist = true): Job {
    const job = live.job;
    Object.assign(job, patch, { status, 'finished-at': this.deps.clock.now() });
    if (status === 'skipped' || job['started-at'] === undefined) delete job.progress;
    return persist ? this.persistFinal(live, job) : job;
  }

  private persistFinal(live: Live, job: Job): Job {
    const { db } = this.deps;
    const { id: _id, ...rest } = job;
    // A process that was wrongly judged dead (asleep past the stale limit) still finished it.
    db.jobs.update(job.id, { ...rest, interrupted: undefined });
    this.deps.log[job.status === 'failure' ? 'error' : 'info']({ job: job.id, status: job.status, stats: job.stats, error: job.error, reason: job.reason }, `${describe(job)} ${job.status}`);
    db.events.append({
      kind: 'job-finished',
      routine: job.routine,
      jobId: job.id,
      message: `${describe(job)} ${job.status}${job.error ? `: ${job.error}` : job.reason ? `: ${job.reason}` : ''}`,
    });
    this.live.delete(job.id);
    this.emitJob('finished', job);
    return { ...job };
  }

  /** This process in the database; registered on first use so read-only commands stay invisible. */
  private owner(): InstanceInfo {
    return this.deps.db.instances.self() ?? this.deps.db.instances.register();
  }

  private emitJob(type: JobEventType, job: Job): void {
    this.emit('job', { type, job: { ...job } });
  }

  /** Cancel requests from other processes reach the jobs running here. */
  private armPoll(): void {
    this.pollCancel = this.deps.clock.setTimer(PERSIST_MS, () => {
      if (this.closed) return;
      if (this.live.size) {
        for (const id of this.deps.db.jobs.cancelRequests([...this.live.keys()])) this.live.get(id)?.abort.abort();
      }
      this.armPoll();
    });
  }
}

function describe(job: Job): string {
  const what = job.type === 'backup' ? `${job['backup-type'] ?? ''} backup`.trim() : job.type;
  return `${what}${job.routine ? ` of routine '${job.routine}'` : ''} (job ${job.id})`;
}
