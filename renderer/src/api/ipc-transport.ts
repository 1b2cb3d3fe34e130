/**
 * The desktop window's transport: every call goes to the main process over the IPC contract
 * (shared/ipc/), through the object the preload script puts on `window.tidemark`; events come
 * pushed from main. Same interface as the HTTP one, so the UI runs unchanged. There is nothing to
 * sign in to: the window is the app itself.
 */
import type { CallInput, CallOutput, CoreEventMessage } from '../../../shared/ipc/contract.js';
import type { DesktopBridge, IpcCallName, IpcResult } from '../../../shared/ipc/channels.js';
import type { Config, Section } from '../../../shared/schemas/config.js';
import type { Job, JobLogLine, JobQuery } from '../../../shared/schemas/job.js';
import type { RunningJob } from '../../../shared/schemas/progress.js';
import type {
  AbsRestoreTimestampRequest,
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

const EVENT_TYPES: ReadonlySet<string> = new Set(['job-created', 'job-started', 'job-progress', 'job-finished', 'schedule-changed', 'config-changed']);

function isCoreEvent(e: unknown): e is CoreEventMessage {
  return typeof e === 'object' && e !== null && EVENT_TYPES.has(String((e as { type?: unknown }).type)) && (!String((e as { type: string }).type).startsWith('job-') || typeof (e as { job?: unknown }).job === 'object');
}

export class IpcTransport implements Transport {
  private readonly listeners = new Set<(e: CoreEvent) => void>();
  private readonly connListeners = new Set<(s: ConnectionState) => void>();
  private state: ConnectionState = { state: 'closed' };
  private stopEvents: (() => void) | undefined;
  private closed = false;

  constructor(private readonly bridge: DesktopBridge) {}

  private async call<K extends IpcCallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>> {
    let r: IpcResult;
    try {
      r = await this.bridge.calls[name](input);
    } catch (err) {
      throw new TransportError(0, `Tidemark's main process did not answer (${err instanceof Error ? err.message : String(err)})`);
    }
    if (r.ok) return r.value as CallOutput<K>;
    throw new TransportError(r.error.status, r.error.error, r.error.issues);
  }

  version(): Promise<Version> {
    return this.call('version', {});
  }
  capabilities(): Promise<Capabilities> {
    return this.call('capabilities', {});
  }
  config(): Promise<Config> {
    return this.call('config', {});
  }
  createEntry<S extends Section>(section: S, name: string, entry: SectionInput[S]): Promise<SectionEntry[S]> {
    return this.call('createEntry', { section, name, entry } as CallInput<'createEntry'>) as Promise<SectionEntry[S]>;
  }
  updateEntry<S extends Section>(section: S, name: string, entry: SectionInput[S]): Promise<SectionEntry[S]> {
    return this.call('updateEntry', { section, name, entry } as CallInput<'updateEntry'>) as Promise<SectionEntry[S]>;
  }
  async deleteEntry(section: Section, name: string): Promise<void> {
    await this.call('deleteEntry', { section, name });
  }
  async setRoutineEnabled(name: string, enabled: boolean): Promise<void> {
    await this.call('setRoutineEnabled', { name, enabled });
  }

  triggerBackup(routine: string, kind: BackupKind, o: TriggerOptions = {}): Promise<Job> {
    return this.call('triggerBackup', { routine, kind, ...(o.label !== undefined ? { label: o.label } : {}), ...(o.delayMs !== undefined ? { delayMs: o.delayMs } : {}) });
  }
  cancelRoutine(routine: string): Promise<Job[]> {
    return this.call('cancelRoutine', { routine });
  }
  currentBackups(routine: string): Promise<{ full?: RunningJob; incremental?: RunningJob }> {
    return this.call('currentBackups', { routine });
  }
  jobs(q: JobQuery = {}): Promise<Job[]> {
    return this.call('jobs', q);
  }
  job(id: string): Promise<Job> {
    return this.call('job', { id });
  }
  jobLog(id: string): Promise<JobLogLine[]> {
    return this.call('jobLog', { id });
  }
  cancelJob(id: string): Promise<Job> {
    return this.call('cancelJob', { id });
  }

  schedule(): Promise<Schedule> {
    return this.call('schedule', {});
  }
  pauseSchedule(routine?: string): Promise<Schedule> {
    return this.call('pauseSchedule', routine !== undefined ? { routine } : {});
  }
  resumeSchedule(routine?: string): Promise<Schedule> {
    return this.call('resumeSchedule', routine !== undefined ? { routine } : {});
  }

  backups(q: CatalogQuery = {}): Promise<CatalogPage> {
    return this.call('backups', q);
  }
  timeline(routine: string, q: TimelineQuery = {}): Promise<Timeline> {
    return this.call('timeline', { routine, ...q });
  }
  verifyBackup(b: Pick<CatalogBackup, 'storage' | 'key'>): Promise<Job> {
    return this.call('verifyBackup', { storage: b.storage, key: b.key });
  }
  planDelete(b: Pick<CatalogBackup, 'storage' | 'key'>): Promise<DeletePlan> {
    return this.call('planDelete', { storage: b.storage, key: b.key });
  }
  deleteBackup(plan: DeletePlan): Promise<Job> {
    return this.call('deleteBackup', { storage: plan.storage, key: plan.key, confirmation: plan.confirmation });
  }

  restoreToTime(req: AbsRestoreTimestampRequest): Promise<{ jobNumber: number }> {
    return this.call('restoreToTime', req);
  }
  restoreStatus(jobNumber: number): Promise<RestoreJobStatus> {
    return this.call('restoreStatus', { jobNumber });
  }

  examineRecord(req: ExamineRequest): Promise<RecordHistory> {
    return this.call('examineRecord', req);
  }
  restoreRecordVersion(req: RestoreVersionRequest): Promise<Job> {
    return this.call('restoreRecordVersion', req);
  }
  copyBackup(req: CopyRequest): Promise<Job> {
    return this.call('copyBackup', req);
  }
  mergeBackups(req: MergeRequest): Promise<Job> {
    return this.call('mergeBackups', req);
  }

  exportProfile(req: ProfileExportRequest): Promise<ProfileExport> {
    return this.call('exportProfile', req);
  }
  previewProfileImport(req: ProfileImportRequest): Promise<ImportPreview> {
    return this.call('previewProfileImport', req);
  }
  importProfile(req: ProfileImportRequest): Promise<ImportResult> {
    return this.call('importProfile', req);
  }

  testCluster(name: string, entry?: SectionInput['aerospike-clusters']): Promise<ClusterTestResult> {
    return this.call('testCluster', { name, ...(entry !== undefined ? { entry } : {}) });
  }
  testStorage(name: string, entry?: SectionInput['storage']): Promise<StorageTestResult> {
    return this.call('testStorage', { name, ...(entry !== undefined ? { entry } : {}) } as CallInput<'testStorage'>);
  }

  rotateToken(): Promise<{ token: string; file: string }> {
    return this.call('rotateToken', {});
  }

  desktopSettings(): Promise<DesktopSettings> {
    return this.call('desktopSettings', {});
  }
  updateDesktopSettings(update: DesktopSettingsUpdate): Promise<DesktopSettings> {
    return this.call('updateDesktopSettings', update);
  }

  // ---- events -----------------------------------------------------------------------------

  subscribe(listener: (e: CoreEvent) => void): () => void {
    this.listeners.add(listener);
    this.startEvents();
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

  /** Nothing to re-authenticate; a fresh snapshot brings listeners up to date. */
  reconnect(): void {
    if (this.stopEvents) void this.snapshot();
    else this.startEvents();
  }

  close(): void {
    this.closed = true;
    this.stopEvents?.();
    this.stopEvents = undefined;
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

  private startEvents(): void {
    if (this.stopEvents || this.closed) return;
    this.setState({ state: 'connecting' });
    // Listen first, then ask for the running jobs, so no event falls between the two.
    this.stopEvents = this.bridge.onEvent((e) => {
      if (isCoreEvent(e)) this.emit(e as CoreEvent);
    });
    void this.snapshot();
  }

  private async snapshot(): Promise<void> {
    try {
      const jobs = await this.call('runningJobs', {});
      if (this.closed) return;
      this.emit({ type: 'snapshot', jobs });
      this.setState({ state: 'open' });
    } catch (err) {
      if (!this.closed) this.setState({ state: 'reconnecting', attempt: 1, retryAt: Date.now(), error: err instanceof Error ? err.message : String(err) });
    }
  }
}
