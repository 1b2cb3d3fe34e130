/**
 * The one way the UI talks to the core: every call and event of the core's API, typed from the
 * shared schemas. The browser uses the HTTP + Server-Sent Events implementation (http-transport.ts);
 * the Electron window uses the IPC one (ipc-transport.ts) over the same interface. Components never
 * call `fetch`: they use this through the hooks in queries.ts.
 */
import type { z } from 'zod';
import type { AerospikeClusterSchema, BackupPolicySchema, Config, RoutineSchema, Section } from '../../../shared/schemas/config.js';
import type { StorageSchema } from '../../../shared/schemas/storage.js';
import type { Job, JobLogLine, JobQuery } from '../../../shared/schemas/job.js';
import type { RunningJob } from '../../../shared/schemas/progress.js';
import type {
  AbsRestoreTimestampRequest,
  ApiError,
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
  ScheduleSchema,
  StorageTestResult,
  VersionSchema,
} from '../../../shared/schemas/rest.js';
import type { RecordHistory } from '../../../shared/schemas/record-history.js';
import type { CatalogBackup, CatalogPage, CatalogQuery, DeletePlan, Timeline } from '../../../shared/schemas/catalog.js';
import type { DesktopSettings, DesktopSettingsUpdate } from '../../../shared/schemas/desktop.js';

export type { Section };

/** The stored form of one entry of each config section (what reads answer). */
export interface SectionEntry {
  'aerospike-clusters': z.infer<typeof AerospikeClusterSchema>;
  storage: z.infer<typeof StorageSchema>;
  'backup-policies': z.infer<typeof BackupPolicySchema>;
  'backup-routines': z.infer<typeof RoutineSchema>;
}
/** What a create or update takes (defaults may be left out). */
export interface SectionInput {
  'aerospike-clusters': z.input<typeof AerospikeClusterSchema>;
  storage: z.input<typeof StorageSchema>;
  'backup-policies': z.input<typeof BackupPolicySchema>;
  'backup-routines': z.input<typeof RoutineSchema>;
}

export type Schedule = z.infer<typeof ScheduleSchema>;
export type ScheduleEntry = Schedule[number];
export type Version = z.infer<typeof VersionSchema>;
export type BackupKind = 'full' | 'incremental';

/** A refusal from the core: the HTTP status (or 0 when unreachable) and the fields it names. */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    readonly status: number,
    message: string,
    readonly issues: ApiError['issues'] = [],
  ) {
    super(message);
  }

  /** The messages of issues whose path ends with (or equals) `field`, e.g. ['body','seed-nodes',0,'host-name']. */
  forField(...path: Array<string | number>): string[] {
    return this.issues.filter((i) => endsWith(i.path, path)).map((i) => i.message);
  }
}

function endsWith(path: ReadonlyArray<string | number>, tail: ReadonlyArray<string | number>): boolean {
  if (tail.length > path.length) return false;
  const off = path.length - tail.length;
  return tail.every((t, i) => String(path[off + i]) === String(t));
}

/** Live events: what the core emits (jobs and config/schedule changes), plus the connection's own state. */
export type CoreEvent =
  | { type: 'snapshot'; jobs: Job[] }
  | { type: 'job-created' | 'job-started' | 'job-progress' | 'job-finished'; job: Job }
  | { type: 'schedule-changed' }
  | { type: 'config-changed' };

export type ConnectionState =
  | { state: 'connecting' }
  | { state: 'open' }
  /** Lost; the next attempt is at `retryAt` (Unix ms). */
  | { state: 'reconnecting'; attempt: number; retryAt: number; error: string }
  /** The credentials were refused: nothing more is tried until they change. */
  | { state: 'unauthorized'; message: string }
  | { state: 'closed' };

export interface TriggerOptions {
  label?: string;
  delayMs?: number;
}

export interface TimelineQuery {
  namespace?: string;
  /** Ask the core for the chain a restore to this time applies. */
  time?: number;
}

/** Catalog operations: served by the core's catalog endpoints when present (see `capabilities`). */
export interface Capabilities {
  /** Catalog details, timeline with the server's chain plan. */
  catalog: boolean;
  verify: boolean;
  delete: boolean;
}

export interface Transport {
  /** Who answers: the version, or a TransportError (401 when the credentials are refused). */
  version(): Promise<Version>;
  capabilities(): Promise<Capabilities>;

  // Configuration (secrets masked).
  config(): Promise<Config>;
  createEntry<S extends Section>(section: S, name: string, entry: SectionInput[S]): Promise<SectionEntry[S]>;
  updateEntry<S extends Section>(section: S, name: string, entry: SectionInput[S]): Promise<SectionEntry[S]>;
  deleteEntry(section: Section, name: string): Promise<void>;
  setRoutineEnabled(name: string, enabled: boolean): Promise<void>;

  // Backups and jobs.
  triggerBackup(routine: string, kind: BackupKind, o?: TriggerOptions): Promise<Job>;
  cancelRoutine(routine: string): Promise<Job[]>;
  currentBackups(routine: string): Promise<{ full?: RunningJob; incremental?: RunningJob }>;
  jobs(q?: JobQuery): Promise<Job[]>;
  job(id: string): Promise<Job>;
  /** The job's own log lines, oldest first (redacted by the server's logger). */
  jobLog(id: string): Promise<JobLogLine[]>;
  cancelJob(id: string): Promise<Job>;

  // Schedule.
  schedule(): Promise<Schedule>;
  pauseSchedule(routine?: string): Promise<Schedule>;
  resumeSchedule(routine?: string): Promise<Schedule>;

  // Catalog and timeline (a fallback built from the ABS backup lists when the catalog API is absent).
  backups(q?: CatalogQuery): Promise<CatalogPage>;
  timeline(routine: string, q?: TimelineQuery): Promise<Timeline>;
  verifyBackup(backup: Pick<CatalogBackup, 'storage' | 'key'>): Promise<Job>;
  planDelete(backup: Pick<CatalogBackup, 'storage' | 'key'>): Promise<DeletePlan>;
  deleteBackup(plan: DeletePlan): Promise<Job>;

  // Restore.
  restoreToTime(req: AbsRestoreTimestampRequest): Promise<{ jobNumber: number }>;
  restoreStatus(jobNumber: number): Promise<RestoreJobStatus>;

  // Record history, copy and merge (jobs answer at once; follow them with the events).
  examineRecord(req: ExamineRequest): Promise<RecordHistory>;
  restoreRecordVersion(req: RestoreVersionRequest): Promise<Job>;
  copyBackup(req: CopyRequest): Promise<Job>;
  mergeBackups(req: MergeRequest): Promise<Job>;

  // Profiles.
  exportProfile(req: ProfileExportRequest): Promise<ProfileExport>;
  previewProfileImport(req: ProfileImportRequest): Promise<ImportPreview>;
  importProfile(req: ProfileImportRequest): Promise<ImportResult>;

  /** Connects to a cluster (the saved `name`, or `entry` as a form holds it) and says what it holds; `ok: false` says why not. */
  testCluster(name: string, entry?: SectionInput['aerospike-clusters']): Promise<ClusterTestResult>;
  /** Writes, reads back and deletes a probe object in a storage (the saved `name`, or `entry`). */
  testStorage(name: string, entry?: SectionInput['storage']): Promise<StorageTestResult>;

  // Access.
  rotateToken(): Promise<{ token: string; file: string }>;

  // The desktop app's settings (kept in the config file; the web mode edits them too).
  desktopSettings(): Promise<DesktopSettings>;
  updateDesktopSettings(update: DesktopSettingsUpdate): Promise<DesktopSettings>;

  /** Live events; the returned function unsubscribes. */
  subscribe(listener: (e: CoreEvent) => void): () => void;
  onConnection(listener: (s: ConnectionState) => void): () => void;
  connection(): ConnectionState;
  /** Credentials changed (signed in again): reconnect the event stream now. */
  reconnect(): void;
  close(): void;
}
