/**
 * The desktop app's IPC contract: every call the renderer may make to the main process, with the
 * schema of its input (validated in main before anything runs) and of its answer, and the events
 * main pushes. The calls are the UI's transport interface (renderer/src/api/transport.ts), so the
 * same UI runs over IPC in the window and over HTTP in the browser. Inputs are one object each, so
 * a refusal names the field (`input.routine`), as the REST API's do.
 */
import { z } from 'zod';
import { AerospikeClusterSchema, BackupPolicySchema, ConfigSchema, NameSchema, RoutineSchema } from '../schemas/config.js';
import { StorageSchema } from '../schemas/storage.js';
import { JobLogLineSchema, JobQuerySchema, JobSchema } from '../schemas/job.js';
import { BackupKindSchema, CatalogPageSchema, CatalogQuerySchema, DeletePlanSchema, TimelineSchema } from '../schemas/catalog.js';
import {
  AbsRestoreTimestampRequestSchema,
  ClusterTestResultSchema,
  CopyRequestSchema,
  CurrentBackupsSchema,
  ExamineRequestSchema,
  ImportPreviewSchema,
  ImportResultSchema,
  MergeRequestSchema,
  ProfileExportRequestSchema,
  ProfileExportSchema,
  ProfileImportRequestSchema,
  RestoreJobStatusSchema,
  RestoreVersionRequestSchema,
  ScheduleSchema,
  StorageTestResultSchema,
  TokenSchema,
  VersionSchema,
} from '../schemas/rest.js';
import { RecordHistorySchema } from '../schemas/record-history.js';
import { DesktopSettingsUpdateSchema, DesktopSettingsViewSchema } from '../schemas/desktop.js';
import type { IpcCallName } from './channels.js';

const None = z.strictObject({});
const JobId = z.string().uuid('must be a job id (a UUID)');
const BackupRef = z.strictObject({ storage: NameSchema, key: z.string().min(1).max(4096) });
const Routine = z.strictObject({ routine: NameSchema });

/** A config entry: which section, its name, and the entry in that section's schema. */
const EntryInput = z.discriminatedUnion('section', [
  z.strictObject({ section: z.literal('aerospike-clusters'), name: NameSchema, entry: AerospikeClusterSchema }),
  z.strictObject({ section: z.literal('storage'), name: NameSchema, entry: StorageSchema }),
  z.strictObject({ section: z.literal('backup-policies'), name: NameSchema, entry: BackupPolicySchema }),
  z.strictObject({ section: z.literal('backup-routines'), name: NameSchema, entry: RoutineSchema }),
]);
const Entry = z.union([AerospikeClusterSchema, StorageSchema, BackupPolicySchema, RoutineSchema]);
const SectionName = z.enum(['aerospike-clusters', 'storage', 'backup-policies', 'backup-routines']);

export const CapabilitiesSchema = z.object({ catalog: z.boolean(), verify: z.boolean(), delete: z.boolean() });

function call<I extends z.ZodType, O extends z.ZodType>(input: I, output: O, summary: string) {
  return { input, output, summary };
}

export const IPC_CONTRACT = {
  version: call(None, VersionSchema, 'Tidemark\'s version.'),
  capabilities: call(None, CapabilitiesSchema, 'Which catalog operations the core offers.'),
  config: call(None, ConfigSchema, 'The configuration, secrets masked.'),
  createEntry: call(EntryInput, Entry, 'Add a cluster, storage, policy or routine (refused if the name is taken).'),
  updateEntry: call(EntryInput, Entry, 'Change an entry (refused if it does not exist).'),
  deleteEntry: call(z.strictObject({ section: SectionName, name: NameSchema }), z.null(), 'Delete an entry (refused while a routine uses it).'),
  setRoutineEnabled: call(z.strictObject({ name: NameSchema, enabled: z.boolean() }), z.null(), 'Schedule a routine again, or stop scheduling it.'),
  triggerBackup: call(
    z.strictObject({
      routine: NameSchema,
      kind: BackupKindSchema,
      label: z.string().min(1).max(256).optional(),
      delayMs: z.number().int().min(0).max(2_147_483_647).optional(),
    }),
    JobSchema,
    'Start a backup of a routine now (or after delayMs).',
  ),
  cancelRoutine: call(Routine, z.array(JobSchema), 'Cancel the routine\'s running backups.'),
  currentBackups: call(Routine, CurrentBackupsSchema, 'Progress of the routine\'s running backups.'),
  jobs: call(z.strictObject(JobQuerySchema.shape), z.array(JobSchema), 'Jobs, newest first, filtered.'),
  job: call(z.strictObject({ id: JobId }), JobSchema, 'One job.'),
  jobLog: call(z.strictObject({ id: JobId }), z.array(JobLogLineSchema), 'The job\'s own log lines, oldest first.'),
  cancelJob: call(z.strictObject({ id: JobId }), JobSchema, 'Cancel a pending or running job.'),
  runningJobs: call(None, z.array(JobSchema), 'The jobs running now (the event feed\'s starting point).'),
  schedule: call(None, ScheduleSchema, 'Next runs of each routine.'),
  pauseSchedule: call(z.strictObject({ routine: NameSchema.optional() }), ScheduleSchema, 'Pause one routine\'s schedule, or all.'),
  resumeSchedule: call(z.strictObject({ routine: NameSchema.optional() }), ScheduleSchema, 'Resume one routine\'s schedule, or all.'),
  backups: call(z.strictObject(CatalogQuerySchema.shape), CatalogPageSchema, 'Backups of every storage, newest first, paged.'),
  timeline: call(
    z.strictObject({ routine: NameSchema, namespace: z.string().min(1).max(31).optional(), time: z.number().int().min(0).max(8.64e15).optional() }),
    TimelineSchema,
    'A routine\'s restore points and failed runs; with time, the chain a restore to it applies.',
  ),
  verifyBackup: call(BackupRef, JobSchema, 'Verify a backup, as a job.'),
  planDelete: call(BackupRef, DeletePlanSchema, 'What deleting a backup removes, and the confirmation the delete needs.'),
  deleteBackup: call(z.strictObject({ ...BackupRef.shape, confirmation: z.string().min(1).max(64) }), JobSchema, 'Delete what the plan listed, as a job.'),
  restoreToTime: call(AbsRestoreTimestampRequestSchema, z.object({ jobNumber: z.number().int() }), 'Restore a routine as of a point in time.'),
  restoreStatus: call(z.strictObject({ jobNumber: z.number().int().min(0) }), RestoreJobStatusSchema, 'Status and statistics of a restore job.'),
  examineRecord: call(ExamineRequestSchema, RecordHistorySchema, 'Every version of one record in a routine\'s backups.'),
  restoreRecordVersion: call(RestoreVersionRequestSchema, JobSchema, 'Write one version of a record into a cluster, as a job.'),
  copyBackup: call(CopyRequestSchema, JobSchema, 'Copy a backup to another storage, as a job.'),
  mergeBackups: call(MergeRequestSchema, JobSchema, 'Fold a full backup and its incrementals into a new full backup, as a job.'),
  exportProfile: call(ProfileExportRequestSchema, ProfileExportSchema, 'The configuration as a profile or an ABS config file.'),
  previewProfileImport: call(ProfileImportRequestSchema, ImportPreviewSchema, 'What importing a profile would change.'),
  importProfile: call(ProfileImportRequestSchema, ImportResultSchema, 'Import a profile (merge or replace).'),
  testCluster: call(z.strictObject({ name: NameSchema, entry: AerospikeClusterSchema.optional() }), ClusterTestResultSchema, 'Connect to a cluster and say what it holds.'),
  testStorage: call(z.strictObject({ name: NameSchema, entry: StorageSchema.optional() }), StorageTestResultSchema, 'Write, read back and delete a probe object in a storage.'),
  rotateToken: call(None, TokenSchema, 'Replace the REST API token.'),
  desktopSettings: call(None, DesktopSettingsViewSchema, 'The desktop app\'s settings, defaults filled in.'),
  updateDesktopSettings: call(DesktopSettingsUpdateSchema, DesktopSettingsViewSchema, 'Change the desktop app\'s settings.'),
} satisfies Record<IpcCallName, { input: z.ZodType; output: z.ZodType; summary: string }>;

export type IpcContract = typeof IPC_CONTRACT;
/** What a call takes (before defaults), as the renderer sends it. */
export type CallInput<K extends IpcCallName> = z.input<IpcContract[K]['input']>;
/** What a call takes once validated, as main's handlers receive it. */
export type CallArgs<K extends IpcCallName> = z.output<IpcContract[K]['input']>;
export type CallOutput<K extends IpcCallName> = z.output<IpcContract[K]['output']>;

/** The events main pushes on IPC_EVENT_CHANNEL: the core's job, schedule and config events. */
export const CoreEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('job-created'), job: JobSchema }),
  z.object({ type: z.literal('job-started'), job: JobSchema }),
  z.object({ type: z.literal('job-progress'), job: JobSchema }),
  z.object({ type: z.literal('job-finished'), job: JobSchema }),
  z.object({ type: z.literal('schedule-changed') }),
  z.object({ type: z.literal('config-changed') }),
]);
export type CoreEventMessage = z.infer<typeof CoreEventSchema>;
