/**
 * The names of the IPC contract, without its schemas: the preload script (bundled into the
 * sandboxed renderer, where every byte counts) exposes exactly these and nothing else. A test
 * checks this list against the contract's schemas in contract.ts.
 */
export const IPC_CALLS = [
  'version',
  'capabilities',
  'config',
  'createEntry',
  'updateEntry',
  'deleteEntry',
  'setRoutineEnabled',
  'triggerBackup',
  'cancelRoutine',
  'currentBackups',
  'jobs',
  'job',
  'jobLog',
  'cancelJob',
  'runningJobs',
  'schedule',
  'pauseSchedule',
  'resumeSchedule',
  'backups',
  'timeline',
  'verifyBackup',
  'planDelete',
  'deleteBackup',
  'restoreToTime',
  'restoreStatus',
  'examineRecord',
  'restoreRecordVersion',
  'copyBackup',
  'mergeBackups',
  'exportProfile',
  'previewProfileImport',
  'importProfile',
  'testCluster',
  'testStorage',
  'rotateToken',
  'desktopSettings',
  'updateDesktopSettings',
] as const;
export type IpcCallName = (typeof IPC_CALLS)[number];

/** Calls go to `tidemark:call:<name>` (ipcRenderer.invoke); events come on one channel. */
export const IPC_CALL_PREFIX = 'tidemark:call:';
export const IPC_EVENT_CHANNEL = 'tidemark:event';

export function callChannel(name: IpcCallName): string {
  return `${IPC_CALL_PREFIX}${name}`;
}

/** What a call answers over IPC: Electron keeps only the message of a thrown error, so refusals travel as data. */
export type IpcResult<T = unknown> = { ok: true; value: T } | { ok: false; error: IpcFailure };

export interface IpcFailure {
  /** The HTTP status the same refusal gets over REST (400 bad input, 404 unknown, 409 conflict, 500 internal). */
  status: number;
  error: string;
  issues: Array<{ path: Array<string | number>; message: string }>;
}

/** The object the preload puts on `window.tidemark`: one function per call, and the event feed. */
export type DesktopBridge = {
  readonly calls: { readonly [K in IpcCallName]: (input: unknown) => Promise<IpcResult> };
  /** Core events as main forwards them; returns a function that stops listening. */
  onEvent(listener: (event: unknown) => void): () => void;
  readonly platform: string;
};
