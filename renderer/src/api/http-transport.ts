/**
 * The browser's transport: the REST API under /v1 with a Bearer token, and the live events read
 * from `/v1/events` (Server-Sent Events over fetch, so the token travels in a header). The event
 * stream reconnects by itself with backoff when the server goes away (restart, sleep), and stops
 * on 401 until the credentials change.
 */
import type { Config, Section } from '../../../shared/schemas/config.js';
import type { Job, JobLogLine, JobQuery } from '../../../shared/schemas/job.js';
import type { RunningJob } from '../../../shared/schemas/progress.js';
import type {
  AbsRestoreTimestampRequest,
  BackupDetails,
  ClusterTestResult,
  CopyRequest,
  ExamineRequest,
  ImportPreview,
  ImportResult,
  MergeRequest,
  ProfileExport,
  ProfileExportRequest,
  ProfileImportRequest,
  RestoreJobStatus,
  RestoreVersionRequest,
  StorageTestResult,
} from '../../../shared/schemas/rest.js';
import type { RecordHistory } from '../../../shared/schemas/record-history.js';
import type { CatalogBackup, CatalogPage, CatalogQuery, DeletePlan, Timeline } from '../../../shared/schemas/catalog.js';
import type { DesktopSettings, DesktopSettingsUpdate } from '../../../shared/schemas/desktop.js';
import { backoffMs, readSse } from './sse.js';
import {
  TransportError,
  type BackupKind,
  type Capabilities,
  type ConnectionState,
  type CoreEvent,
  type Schedule,
  type SectionEntry,
  type SectionInput,
  type TimelineQuery,
  type Transport,
  type TriggerOptions,
  type Version,
} from './transport.js';

export interface HttpTransportOptions {
  /** Origin (and optional path) of the server; '' = the page's own origin. */
  baseUrl?: string;
  /** The API token, read on every request (it can change after a sign-in). */
  getToken: () => string | undefined;
  /** The server refused the credentials (401). */
  onUnauthorized?: (message: string) => void;
  fetch?: typeof fetch;
  /** First and longest wait between reconnection attempts of the event stream. */
  backoff?: { initialMs: number; maxMs: number };
  /** Start the event stream only once someone subscribes (default) or at once. */
  eager?: boolean;
}

const SEGMENT: Record<Section, string> = { 'aerospike-clusters': 'clusters', storage: 'storage', 'backup-policies': 'policies', 'backup-routines': 'routines' };

type Query = Record<string, string | number | boolean | undefined>;

const EVENT_TYPES = new Set(['snapshot', 'job-created', 'job-started', 'job-progress', 'job-finished', 'schedule-changed', 'config-changed']);

export class HttpTransport implements Transport {
  private readonly base: string;
  private readonly fetchFn: typeof fetch;
  private readonly listeners = new Set<(e: CoreEvent) => void>();
  private readonly connListeners = new Set<(s: ConnectionState) => void>();
  private state: ConnectionState = { state: 'closed' };
  private streaming = false;
  private closed = false;
  private abort: AbortController | undefined;
  private wake: (() => void) | undefined;
  private caps: Promise<Capabilities> | undefined;

  constructor(private readonly o: HttpTransportOptions) {
    this.base = (o.baseUrl ?? '').replace(/\/+$/, '');
    this.fetchFn = o.fetch ?? ((...args) => globalThis.fetch(...args));
    if (o.eager) this.startStream();
  }

  // ---- plumbing -------------------------------------------------------------------------

  private headers(json: boolean): Record<string, string> {
    const h: Record<string, string> = { accept: 'application/json' };
    const token = this.o.getToken();
    if (token) h.authorization = `Bearer ${token}`;
    if (json) h['content-type'] = 'application/json';
    return h;
  }

  private url(path: string, query?: Query): string {
    const q = query
      ? Object.entries(query)
          .filter((e): e is [string, string | number | boolean] => e[1] !== undefined && e[1] !== '')
          .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
          .join('&')
      : '';
    return `${this.base}${path}${q ? `?${q}` : ''}`;
  }

  private async request<T>(method: string, path: string, o: { query?: Query; body?: unknown } = {}): Promise<T> {
    let res: Response;
    try {
      res = await this.fetchFn(this.url(path, o.query), {
        method,
        headers: this.headers(o.body !== undefined),
        ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}),
        cache: 'no-store',
      });
    } catch (err) {
      throw new TransportError(0, `Tidemark is not reachable (${err instanceof Error ? err.message : String(err)})`);
    }
    const text = await res.text();
    if (!res.ok) {
      let message = `${method} ${path}: HTTP ${res.status}`;
      let issues: TransportError['issues'] = [];
      try {
        const body = JSON.parse(text) as { error?: unknown; issues?: unknown };
        if (typeof body.error === 'string') message = body.error;
        if (Array.isArray(body.issues)) issues = body.issues as TransportError['issues'];
      } catch {
        if (text.trim()) message = text.trim().slice(0, 300);
      }
      if (res.status === 401) this.o.onUnauthorized?.(message);
      throw new TransportError(res.status, message, issues);
    }
    if (res.status === 204 || text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      return text as T;
    }
  }

  // ---- calls ------------------------------------------------------------------------------

  version(): Promise<Version> {
    // /version is public on the server; /v1/config proves the token works.
    return this.request<Config>('GET', '/v1/config').then(() => this.request<Version>('GET', '/version'));
  }

  capabilities(): Promise<Capabilities> {
    this.caps ??= this.request<CatalogPage>('GET', '/v1/catalog/backups', { query: { limit: 1 } }).then(
      () => ({ catalog: true, verify: true, delete: true }),
      (err: unknown) => {
        if (err instanceof TransportError && (err.status === 404 || err.status === 405)) return { catalog: false, verify: false, delete: false };
        this.caps = undefined;
        throw err;
      },
    );
    return this.caps;
  }

  config(): Promise<Config> {
    return this.request('GET', '/v1/config');
  }

  createEntry<S extends Section>(section: S, name: string, entry: SectionInput[S]): Promise<SectionEntry[S]> {
    return this.request('POST', `/v1/config/${SEGMENT[section]}/${encodeURIComponent(name)}`, { body: entry });
  }

  updateEntry<S extends Section>(section: S, name: string, entry: SectionInput[S]): Promise<SectionEntry[S]> {
    return this.request('PUT', `/v1/config/${SEGMENT[section]}/${encodeURIComponent(name)}`, { body: entry });
  }

  async deleteEntry(section: Section, name: string): Promise<void> {
    await this.request('DELETE', `/v1/config/${SEGMENT[section]}/${encodeURIComponent(name)}`);
  }

  async setRoutineEnabled(name: string, enabled: boolean): Promise<void> {
    await this.request('PUT', `/v1/config/routines/${encodeURIComponent(name)}/${enabled ? 'enable' : 'disable'}`);
  }

  triggerBackup(routine: string, kind: BackupKind, o: TriggerOptions = {}): Promise<Job> {
    return this.request('POST', `/v1/backups/${kind}/${encodeURIComponent(routine)}`, { query: { label: o.label, delay: o.delayMs } });
  }

  async cancelRoutine(routine: string): Promise<Job[]> {
    return (await this.request<{ canceled: Job[] }>('POST', `/v1/backups/cancel/${encodeURIComponent(routine)}`)).canceled;
  }

  currentBackups(routine: string): Promise<{ full?: RunningJob; incremental?: RunningJob }> {
    return this.request('GET', `/v1/backups/currentBackup/${encodeURIComponent(routine)}`);
  }

  jobs(q: JobQuery = {}): Promise<Job[]> {
    return this.request('GET', '/v1/jobs', { query: { type: q.type?.join(','), routine: q.routine, status: q.status, from: q.from, to: q.to, limit: q.limit } });
  }

  job(id: string): Promise<Job> {
    return this.request('GET', `/v1/jobs/${encodeURIComponent(id)}`);
  }

  async jobLog(id: string): Promise<JobLogLine[]> {
    const r = await this.request<{ lines: JobLogLine[] }>('GET', `/v1/jobs/${encodeURIComponent(id)}/log`);
    return r.lines;
  }

  cancelJob(id: string): Promise<Job> {
    return this.request('POST', `/v1/jobs/${encodeURIComponent(id)}/cancel`);
  }

  schedule(): Promise<Schedule> {
    return this.request('GET', '/v1/schedule');
  }

  pauseSchedule(routine?: string): Promise<Schedule> {
    return this.request('POST', '/v1/schedule/pause', { query: { routine } });
  }

  resumeSchedule(routine?: string): Promise<Schedule> {
    return this.request('POST', '/v1/schedule/resume', { query: { routine } });
  }

  async backups(q: CatalogQuery = {}): Promise<CatalogPage> {
    if ((await this.capabilities()).catalog) {
      return this.request('GET', '/v1/catalog/backups', { query: { ...q } });
    }
    return backupsFromAbsLists(await this.absBackups(q.routine, q.from, q.to), await this.config(), q);
  }

  async timeline(routine: string, q: TimelineQuery = {}): Promise<Timeline> {
    if ((await this.capabilities()).catalog) {
      return this.request('GET', `/v1/catalog/timeline/${encodeURIComponent(routine)}`, { query: { namespace: q.namespace, time: q.time } });
    }
    const [page, jobs, config] = await Promise.all([this.backups({ routine, ...(q.namespace ? { namespace: q.namespace } : {}) }), this.jobs({ type: ['backup'], routine, status: 'failure,canceled,skipped', limit: 5000 }), this.config()]);
    return {
      routine,
      storage: config['backup-routines'][routine]?.storage ?? '',
      ...(q.namespace ? { namespace: q.namespace } : {}),
      points: [...page.backups].sort((a, b) => a.timestamp - b.timestamp),
      marks: jobs.flatMap((j) =>
        j.status === 'failure' || j.status === 'canceled' || j.status === 'skipped'
          ? [{ 'job-id': j.id, status: j.status, ...(j['backup-type'] ? { 'backup-type': j['backup-type'] } : {}), time: j['started-at'] ?? j['created-at'], trigger: j.trigger, ...(j.error ?? j.reason ? { message: j.error ?? j.reason } : {}) }]
          : [],
      ),
    };
  }

  private async needs(what: keyof Capabilities): Promise<void> {
    if (!(await this.capabilities())[what]) throw new TransportError(501, `this Tidemark server has no ${what} endpoint yet: use 'tidemark ${what === 'verify' ? 'verify' : 'catalog'}' on the command line`);
  }

  async verifyBackup(b: Pick<CatalogBackup, 'storage' | 'key'>): Promise<Job> {
    await this.needs('verify');
    return this.request('POST', '/v1/catalog/verify', { body: { storage: b.storage, key: b.key } });
  }

  async planDelete(b: Pick<CatalogBackup, 'storage' | 'key'>): Promise<DeletePlan> {
    await this.needs('delete');
    return this.request('POST', '/v1/catalog/delete-plan', { body: { storage: b.storage, key: b.key } });
  }

  async deleteBackup(plan: DeletePlan): Promise<Job> {
    await this.needs('delete');
    return this.request('POST', '/v1/catalog/delete', { body: { storage: plan.storage, key: plan.key, confirmation: plan.confirmation } });
  }

  async restoreToTime(req: AbsRestoreTimestampRequest): Promise<{ jobNumber: number }> {
    return { jobNumber: await this.request<number>('POST', '/v1/restore/timestamp', { body: req }) };
  }

  restoreStatus(jobNumber: number): Promise<RestoreJobStatus> {
    return this.request('GET', `/v1/restore/status/${jobNumber}`);
  }

  examineRecord(req: ExamineRequest): Promise<RecordHistory> {
    return this.request('POST', '/v1/catalog/examine', { body: req });
  }

  restoreRecordVersion(req: RestoreVersionRequest): Promise<Job> {
    return this.request('POST', '/v1/catalog/examine/restore', { body: req });
  }

  copyBackup(req: CopyRequest): Promise<Job> {
    return this.request('POST', '/v1/catalog/copy', { body: req });
  }

  mergeBackups(req: MergeRequest): Promise<Job> {
    return this.request('POST', '/v1/catalog/merge', { body: req });
  }

  exportProfile(req: ProfileExportRequest): Promise<ProfileExport> {
    return this.request('POST', '/v1/profiles/export', { body: req });
  }

  previewProfileImport(req: ProfileImportRequest): Promise<ImportPreview> {
    return this.request('POST', '/v1/profiles/import/preview', { body: req });
  }

  importProfile(req: ProfileImportRequest): Promise<ImportResult> {
    return this.request('POST', '/v1/profiles/import', { body: req });
  }

  testCluster(name: string, entry?: SectionInput['aerospike-clusters']): Promise<ClusterTestResult> {
    return this.request('POST', `/v1/config/clusters/${encodeURIComponent(name)}/test`, entry !== undefined ? { body: entry } : {});
  }

  testStorage(name: string, entry?: SectionInput['storage']): Promise<StorageTestResult> {
    return this.request('POST', `/v1/config/storage/${encodeURIComponent(name)}/test`, entry !== undefined ? { body: entry } : {});
  }

  rotateToken(): Promise<{ token: string; file: string }> {
    return this.request('POST', '/v1/access/token/rotate');
  }

  desktopSettings(): Promise<DesktopSettings> {
    return this.request('GET', '/v1/config/desktop');
  }

  updateDesktopSettings(update: DesktopSettingsUpdate): Promise<DesktopSettings> {
    return this.request('PATCH', '/v1/config/desktop', { body: update });
  }

  private async absBackups(routine: string | undefined, from?: number, to?: number): Promise<Record<BackupKind, Record<string, BackupDetails[]>>> {
    const get = (kind: BackupKind): Promise<Record<string, BackupDetails[]>> =>
      routine
        ? this.request<BackupDetails[]>('GET', `/v1/backups/${kind}/${encodeURIComponent(routine)}`, { query: { from, to } }).then((list) => ({ [routine]: list }))
        : this.request('GET', `/v1/backups/${kind}`, { query: { from, to } });
    const [full, incremental] = await Promise.all([get('full'), get('incremental')]);
    return { full, incremental };
  }

  // ---- events -----------------------------------------------------------------------------

  subscribe(listener: (e: CoreEvent) => void): () => void {
    this.listeners.add(listener);
    this.startStream();
    return () => this.listeners.delete(listener);
  }

  onConnection(listener: (s: ConnectionState) => void): () => void {
    this.connListeners.add(listener);
    listener(this.state);
    return () => this.connListeners.delete(listener);
  }

  connection(): ConnectionState {
    return this.state;
  }

  reconnect(): void {
    this.caps = undefined;
    this.abort?.abort();
    this.wake?.();
    this.startStream();
  }

  close(): void {
    this.closed = true;
    this.abort?.abort();
    this.wake?.();
    this.setState({ state: 'closed' });
  }

  private setState(s: ConnectionState): void {
    this.state = s;
    for (const l of this.connListeners) l(s);
  }

  private emit(e: CoreEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        console.error('event listener failed', err);
      }
    }
  }

  /** Waits `ms`, or less when reconnect()/close() wakes it. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
  }

  private startStream(): void {
    if (this.streaming || this.closed) return;
    this.streaming = true;
    void this.runStream().finally(() => {
      this.streaming = false;
    });
  }

  private async runStream(): Promise<void> {
    let attempt = 0;
    const { initialMs, maxMs } = this.o.backoff ?? { initialMs: 500, maxMs: 15_000 };
    while (!this.closed) {
      const abort = new AbortController();
      this.abort = abort;
      let error = 'the event stream ended';
      this.setState(attempt === 0 ? { state: 'connecting' } : this.state);
      try {
        const res = await this.fetchFn(this.url('/v1/events'), { headers: { ...this.headers(false), accept: 'text/event-stream' }, signal: abort.signal, cache: 'no-store' });
        if (res.status === 401) {
          const message = await res.text().then((t) => {
            try {
              return (JSON.parse(t) as { error?: string }).error ?? 'sign in again';
            } catch {
              return 'sign in again';
            }
          });
          this.setState({ state: 'unauthorized', message });
          this.o.onUnauthorized?.(message);
          // Wait for new credentials (reconnect()), then try again.
          await this.sleep(2 ** 31 - 1);
          attempt = 0;
          continue;
        }
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        attempt = 0;
        this.setState({ state: 'open' });
        await readSse(res.body, (m) => {
          if (!EVENT_TYPES.has(m.event)) return;
          let data: unknown;
          try {
            data = JSON.parse(m.data);
          } catch {
            return;
          }
          if (m.event === 'snapshot') this.emit({ type: 'snapshot', jobs: (data as { jobs?: Job[] }).jobs ?? [] });
          else if (m.event === 'schedule-changed' || m.event === 'config-changed') this.emit({ type: m.event });
          else this.emit({ type: m.event as 'job-created', job: data as Job });
        });
      } catch (err) {
        if (this.closed) break;
        error = err instanceof Error ? err.message : String(err);
      }
      if (this.closed) break;
      if (abort.signal.aborted) {
        // reconnect() asked for a fresh attempt at once.
        attempt = 0;
        continue;
      }
      const wait = backoffMs(attempt, initialMs, maxMs);
      this.setState({ state: 'reconnecting', attempt: attempt + 1, retryAt: Date.now() + wait, error });
      attempt++;
      await this.sleep(wait);
    }
  }
}

/** The catalog's view of ABS's backup lists, for a server without the catalog endpoints. */
export function backupsFromAbsLists(lists: Record<BackupKind, Record<string, BackupDetails[]>>, config: Config, q: CatalogQuery = {}): CatalogPage {
  const all: CatalogBackup[] = [];
  for (const kind of ['full', 'incremental'] as const) {
    for (const [routine, list] of Object.entries(lists[kind])) {
      for (const b of list) {
        all.push({
          key: b.key,
          storage: config['backup-routines'][routine]?.storage ?? (b.storage['local-storage']?.path ?? b.storage['s3-storage']?.bucket ?? ''),
          routine,
          namespace: b.namespace,
          kind,
          created: b.created,
          timestamp: b.timestamp,
          ...(b.from ? { from: b.from } : {}),
          'record-count': b['record-count'],
          'byte-count': b['byte-count'],
          'file-count': b['file-count'],
          'secondary-index-count': b['secondary-index-count'],
          'udf-count': b['udf-count'],
          compression: b.compression === 'ZSTD' ? 'zstd' : 'none',
          encryption: b.encryption === 'AES128' ? 'aes128' : b.encryption === 'AES256' ? 'aes256' : 'none',
          ...(b.label ? { label: b.label } : {}),
          foreign: false,
        });
      }
    }
  }
  const matching = all
    .filter(
      (b) =>
        (q.routine === undefined || b.routine === q.routine) &&
        (q.namespace === undefined || b.namespace === q.namespace) &&
        (q.kind === undefined || b.kind === q.kind) &&
        (q.storage === undefined || b.storage === q.storage) &&
        (q.from === undefined || b.timestamp >= q.from) &&
        (q.to === undefined || b.timestamp <= q.to),
    )
    .sort((a, b) => b.timestamp - a.timestamp || a.key.localeCompare(b.key));
  const offset = q.offset ?? 0;
  return { total: matching.length, backups: matching.slice(offset, q.limit !== undefined ? offset + q.limit : undefined) };
}
