import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Job } from '../../shared/schemas/job.js';
import {
  applyJobEvent,
  clockTime,
  relativeTime,
  trayIcon,
  trayMenu,
  trayNeedsRefresh,
  trayStateFrom,
  TOOLTIP_MAX,
  type Schedule,
  type TrayAction,
  type TrayInput,
  type TrayMenuItem,
} from '../../electron/main/tray/tray-model.js';

/** Wednesday 15 January 2025, 10:00:00 UTC. */
const T0 = Date.UTC(2025, 0, 15, 10, 0, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const fmt = { timeZone: 'UTC' };

let seq = 0;
function job(over: Partial<Job> & Pick<Job, 'status'>): Job {
  seq++;
  const base: Omit<Job, 'status'> = { id: `job-${seq}`, type: 'backup', 'backup-type': 'full', routine: 'nightly', trigger: 'schedule', 'created-at': T0 - 2 * HOUR, 'started-at': T0 - 2 * HOUR };
  const j: Job = { ...base, ...over };
  if (j.status !== 'running' && j.status !== 'pending' && j['finished-at'] === undefined) j['finished-at'] = (j['started-at'] ?? j['created-at']) + 10 * MINUTE;
  return j;
}

function progress(percent: number): NonNullable<Job['progress']> {
  return { 'total-records': 1000, 'done-records': percent * 10, 'start-time': '2025-01-15T08:00:00Z', 'percentage-done': percent, metrics: { 'records-per-second': 100, 'kilobytes-per-second': 50, pipeline: 0 } };
}

function row(routine: string, over: Partial<Schedule[number]> = {}): Schedule[number] {
  return { routine, full: T0 + 2 * HOUR, paused: false, globallyPaused: false, disabled: false, ...over };
}

function input(over: Partial<TrayInput> = {}): TrayInput {
  return {
    jobs: [],
    schedule: [row('nightly')],
    routines: { nightly: {} },
    now: T0,
    ...over,
  };
}

function labels(items: readonly TrayMenuItem[]): string[] {
  return items.filter((i) => i.type !== 'separator').map((i) => i.label);
}

function find(items: readonly TrayMenuItem[], pred: (i: TrayMenuItem) => boolean): TrayMenuItem | undefined {
  for (const i of items) {
    if (pred(i)) return i;
    const inner = i.submenu ? find(i.submenu, pred) : undefined;
    if (inner) return inner;
  }
  return undefined;
}

function byLabel(items: readonly TrayMenuItem[], prefix: string): TrayMenuItem {
  const item = find(items, (i) => i.label.startsWith(prefix));
  assert.ok(item, `no item starting with "${prefix}" in ${JSON.stringify(labels(items))}`);
  return item;
}

function routineMenu(items: readonly TrayMenuItem[], routine: string): TrayMenuItem[] {
  const item = items.find((i) => i.type === 'submenu' && (i.label === routine || i.label.startsWith(`${routine} —`)));
  assert.ok(item?.submenu, `no submenu for ${routine}`);
  return item.submenu;
}

function actions(items: readonly TrayMenuItem[]): TrayAction[] {
  return items.flatMap((i) => [...(i.action ? [i.action] : []), ...(i.submenu ? actions(i.submenu) : [])]);
}

// ---- Service states --------------------------------------------------------------------------

test('tray: idle with a next run — idle icon, tooltip and status line name the next backup', () => {
  const state = trayStateFrom(input({ jobs: [job({ status: 'success' })] }));
  const { icon, tooltip } = trayIcon(state, fmt);
  assert.equal(icon, 'idle');
  assert.equal(tooltip, 'Tidemark — next backup: nightly full at 12:00 (in 2 h)');
  const menu = trayMenu(state, fmt);
  assert.equal(menu[0]?.label, 'Next backup: nightly full at 12:00 (in 2 h)');
  assert.equal(menu[0]?.enabled, false);
  const sub = routineMenu(menu, 'nightly');
  assert.match(byLabel(sub, 'Last:').label, /^Last: full backup succeeded · 08:10 \(2 h ago\)$/);
  assert.equal(byLabel(sub, 'Next full:').label, 'Next full: 12:00 (in 2 h)');
  assert.ok(find(menu, (i) => i.label === 'Pause all schedules'));
  assert.equal(find(menu, (i) => i.label === 'Resume all schedules'), undefined);
  assert.deepEqual(labels(menu).slice(-2), ['Open Tidemark', 'Quit Tidemark']);
});

test('tray: the earliest slot of all routines is the next run; a full wins a tie with an incremental', () => {
  const state = trayStateFrom(
    input({
      schedule: [row('nightly', { full: T0 + 5 * HOUR, incremental: T0 + 30 * MINUTE }), row('hourly', { full: T0 + 30 * MINUTE })],
      routines: { nightly: {}, hourly: {} },
    }),
  );
  assert.deepEqual(state.next, { routine: 'hourly', type: 'full', at: T0 + 30 * MINUTE });
  assert.match(trayIcon(state, fmt).tooltip, /next backup: hourly full at 10:30 \(in 30 min\)/);
  const sub = routineMenu(trayMenu(state, fmt), 'nightly');
  assert.equal(byLabel(sub, 'Next incremental:').label, 'Next incremental: 10:30 (in 30 min)');
});

test('tray: running with progress — running icon, percent in the top list and the routine label', () => {
  const running = job({ status: 'running', 'started-at': T0 - 5 * MINUTE, progress: progress(42) });
  const state = trayStateFrom(input({ jobs: [job({ status: 'success' }), running] }));
  const { icon, tooltip } = trayIcon(state, fmt);
  assert.equal(icon, 'running');
  assert.match(tooltip, /\nRunning: nightly full backup 42%$/);
  const menu = trayMenu(state, fmt);
  assert.equal(menu[0]?.label, '1 job running');
  const top = byLabel(menu, 'nightly: full backup');
  assert.equal(top.label, 'nightly: full backup — 42%');
  assert.deepEqual(top.action, { kind: 'open-job', jobId: running.id });
  assert.ok(menu.some((i) => i.label === 'nightly — 42%' && i.type === 'submenu'));
  const sub = routineMenu(menu, 'nightly');
  assert.equal(byLabel(sub, 'Running:').label, 'Running: full backup — 42%');
  // A second backup of a busy routine would be skipped: both buttons wait until it is free.
  assert.equal(byLabel(sub, 'Back up now (full)').enabled, false);
  assert.equal(byLabel(sub, 'Back up now (incremental)').enabled, false);
  // The next run still shows, below the status line.
  assert.equal(byLabel(menu, 'Next:').label, 'Next: nightly full 12:00 (in 2 h)');
});

test('tray: a running job without progress shows no percent; jobs of other types are listed too', () => {
  const restore = job({ type: 'restore', 'backup-type': undefined, routine: undefined, status: 'running' });
  const state = trayStateFrom(input({ jobs: [restore] }));
  assert.equal(trayIcon(state, fmt).icon, 'running');
  const menu = trayMenu(state, fmt);
  const item = find(menu, (i) => i.action?.kind === 'open-job' && i.action.jobId === restore.id);
  assert.equal(item?.label, 'Restore');
  assert.doesNotMatch(JSON.stringify(labels(menu)), /%/);
});

test('tray: a pending job is listed as waiting but does not light the running icon', () => {
  const pending = job({ status: 'pending', 'started-at': undefined });
  const state = trayStateFrom(input({ jobs: [pending] }));
  assert.equal(trayIcon(state, fmt).icon, 'idle');
  const menu = trayMenu(state, fmt);
  assert.equal(byLabel(menu, 'nightly: full backup').label, 'nightly: full backup — waiting');
  assert.ok(menu.some((i) => i.label === 'nightly — waiting'));
});

test('tray: many running jobs are capped, the rest summed up', () => {
  const jobs = Array.from({ length: 11 }, (_, i) => job({ type: 'verify', 'backup-type': undefined, routine: `r${i}`, status: 'running', 'started-at': T0 - i * MINUTE }));
  const state = trayStateFrom(input({ jobs }));
  const menu = trayMenu(state, fmt);
  assert.equal(menu.filter((i) => i.action?.kind === 'open-job').length, 8);
  assert.deepEqual(byLabel(menu, '… and').action, { kind: 'open' });
  assert.equal(byLabel(menu, '… and').label, '… and 3 more');
  assert.equal(trayIcon(state, fmt).tooltip.split('\n')[1], 'Running: 11 jobs');
});

test('tray: last run failed — failed icon, the failure and its first error line in the routine submenu', () => {
  const failed = job({ status: 'failure', error: 'connection refused: 10.0.0.1:3000\n    at Socket.connect', 'started-at': T0 - HOUR });
  const state = trayStateFrom(input({ jobs: [job({ status: 'success', 'started-at': T0 - DAY }), failed] }));
  const { icon, tooltip } = trayIcon(state, fmt);
  assert.equal(icon, 'failed');
  assert.match(tooltip, /\nLast backup of nightly failed$/);
  const menu = trayMenu(state, fmt);
  assert.equal(menu[0]?.label, 'Last backup failed: nightly');
  assert.ok(menu.some((i) => i.label === 'nightly — failed'));
  const sub = routineMenu(menu, 'nightly');
  const last = byLabel(sub, 'Last:');
  assert.equal(last.label, 'Last: full backup failed · 09:10 (50 min ago)');
  assert.deepEqual(last.action, { kind: 'open-job', jobId: failed.id });
  const error = byLabel(sub, 'Error:');
  assert.equal(error.label, 'Error: connection refused: 10.0.0.1:3000');
  assert.deepEqual(error.action, { kind: 'open-job', jobId: failed.id });
  // Retrying is what a user wants here: both backups stay available.
  assert.equal(byLabel(sub, 'Back up now (full)').enabled, true);
  assert.equal(byLabel(sub, 'Back up now (incremental)').enabled, true);
});

test('tray: an interrupted run counts as failed and says so', () => {
  const interrupted = job({ status: 'failure', interrupted: true, error: 'interrupted: the process running this job (pid 42) stopped before it finished' });
  const state = trayStateFrom(input({ jobs: [interrupted] }));
  assert.equal(trayIcon(state, fmt).icon, 'failed');
  assert.match(byLabel(routineMenu(trayMenu(state, fmt), 'nightly'), 'Last:').label, /^Last: full backup interrupted · /);
});

test('tray: a later success clears a failure; a later cancel or skip does not', () => {
  const failed = job({ status: 'failure', error: 'boom', 'started-at': T0 - 3 * HOUR });
  const cleared = trayStateFrom(input({ jobs: [failed, job({ status: 'success', 'backup-type': 'incremental', 'started-at': T0 - HOUR })] }));
  assert.equal(trayIcon(cleared, fmt).icon, 'idle');
  assert.equal(cleared.routines[0]?.failure, undefined);

  const skipped = job({ status: 'skipped', reason: "routine 'nightly' is busy", 'started-at': undefined, 'created-at': T0 - HOUR, 'finished-at': T0 - HOUR });
  const still = trayStateFrom(input({ jobs: [failed, skipped] }));
  assert.equal(trayIcon(still, fmt).icon, 'failed');
  const sub = routineMenu(trayMenu(still, fmt), 'nightly');
  assert.match(byLabel(sub, 'Last:').label, /^Last: full backup skipped · /);
  assert.equal(byLabel(sub, 'Reason:').label, "Reason: routine 'nightly' is busy");
  const failedItem = byLabel(sub, 'Failed:');
  assert.deepEqual(failedItem.action, { kind: 'open-job', jobId: failed.id });
  assert.equal(byLabel(sub, 'Error:').label, 'Error: boom');

  const canceled = trayStateFrom(input({ jobs: [failed, job({ status: 'canceled', 'started-at': T0 - HOUR })] }));
  assert.equal(trayIcon(canceled, fmt).icon, 'failed');
});

test('tray: failures of a disabled routine, or of restores and verifies, do not turn the icon red', () => {
  const disabled = trayStateFrom(input({ jobs: [job({ status: 'failure', error: 'x' })], routines: { nightly: { disabled: true } }, schedule: [row('nightly', { full: undefined, disabled: true })] }));
  assert.equal(trayIcon(disabled, fmt).icon, 'idle');
  assert.ok(trayMenu(disabled, fmt).some((i) => i.label === 'nightly — disabled'));
  const restore = trayStateFrom(input({ jobs: [job({ type: 'restore', 'backup-type': undefined, status: 'failure', error: 'x' })] }));
  assert.equal(trayIcon(restore, fmt).icon, 'idle');
});

test('tray: running outranks failed, failed outranks paused', () => {
  const failed = job({ status: 'failure', error: 'x' });
  const paused = [row('nightly', { globallyPaused: true })];
  assert.equal(trayIcon(trayStateFrom(input({ jobs: [failed], schedule: paused })), fmt).icon, 'failed');
  assert.equal(trayIcon(trayStateFrom(input({ jobs: [failed, job({ status: 'running', type: 'restore' })], schedule: paused })), fmt).icon, 'running');
});

test('tray: all schedules paused — paused icon, "Resume all" present and "Pause all" absent, no next run', () => {
  const state = trayStateFrom(input({ schedule: [row('nightly', { globallyPaused: true }), row('weekly', { globallyPaused: true })], routines: { nightly: {}, weekly: {} } }));
  assert.equal(state.next, undefined);
  const { icon, tooltip } = trayIcon(state, fmt);
  assert.equal(icon, 'paused');
  assert.equal(tooltip, 'Tidemark — all schedules paused');
  const menu = trayMenu(state, fmt);
  assert.equal(menu[0]?.label, 'All schedules paused');
  const resume = find(menu, (i) => i.label === 'Resume all schedules');
  assert.deepEqual(resume?.action, { kind: 'resume-all' });
  assert.equal(find(menu, (i) => i.label === 'Pause all schedules'), undefined);
  assert.equal(find(menu, (i) => i.label.startsWith('Next')), undefined);
  const sub = routineMenu(menu, 'nightly');
  assert.ok(sub.some((i) => i.label === 'Schedule paused (all schedules)'));
  assert.ok(menu.some((i) => i.label === 'weekly — paused'));
});

test('tray: every routine paused on its own is paused too; one running routine keeps it idle', () => {
  const allPaused = trayStateFrom(input({ schedule: [row('nightly', { paused: true }), row('weekly', { paused: true })], routines: { nightly: {}, weekly: {} } }));
  assert.equal(trayIcon(allPaused, fmt).icon, 'paused');
  assert.equal(trayIcon(allPaused, fmt).tooltip, 'Tidemark — every routine is paused');
  // The global pause is off, so the tray offers to pause all.
  assert.ok(find(trayMenu(allPaused, fmt), (i) => i.label === 'Pause all schedules'));

  const one = trayStateFrom(input({ schedule: [row('nightly', { paused: true }), row('weekly', { full: T0 + DAY })], routines: { nightly: {}, weekly: {} } }));
  assert.equal(trayIcon(one, fmt).icon, 'idle');
  assert.deepEqual(one.next, { routine: 'weekly', type: 'full', at: T0 + DAY });
  assert.equal(byLabel(routineMenu(trayMenu(one, fmt), 'nightly'), 'Schedule paused').label, 'Schedule paused');
});

test('tray: no routines — a disabled notice and "Set up a routine…" that opens the app', () => {
  const state = trayStateFrom(input({ schedule: [], routines: {} }));
  const { icon, tooltip } = trayIcon(state, fmt);
  assert.equal(icon, 'idle');
  assert.equal(tooltip, 'Tidemark — no backup routines yet');
  const menu = trayMenu(state, fmt);
  assert.deepEqual(labels(menu), ['No backup routines yet', 'Set up a routine…', 'Open Tidemark', 'Quit Tidemark']);
  assert.equal(menu[0]?.enabled, false);
  assert.deepEqual(menu[1]?.action, { kind: 'open' });
  assert.equal(actions(menu).some((a) => a.kind === 'backup' || a.kind === 'pause-all' || a.kind === 'resume-all'), false);
});

test('tray: a config problem — failed icon, first line in tooltip and an item that opens the app', () => {
  const state = trayStateFrom(input({ configProblem: 'config.json: unexpected token } at line 12\nusing the last good config' }));
  const { icon, tooltip } = trayIcon(state, fmt);
  assert.equal(icon, 'failed');
  assert.match(tooltip, /\nConfig problem: config\.json: unexpected token \} at line 12$/);
  const menu = trayMenu(state, fmt);
  assert.equal(menu[0]?.label, 'Config problem: config.json: unexpected token } at line 12');
  assert.deepEqual(menu[0]?.action, { kind: 'open' });
  // The routines of the last good config stay usable.
  assert.ok(routineMenu(menu, 'nightly').length > 0);
});

test('tray: a disabled routine shows it is not scheduled but can still be backed up on demand', () => {
  const state = trayStateFrom(input({ routines: { nightly: { disabled: true } }, schedule: [row('nightly', { full: undefined, disabled: true })] }));
  assert.equal(trayIcon(state, fmt).tooltip, 'Tidemark — every routine is disabled');
  const sub = routineMenu(trayMenu(state, fmt), 'nightly');
  assert.ok(sub.some((i) => i.label === 'Not scheduled (disabled)'));
  assert.equal(byLabel(sub, 'Back up now (full)').enabled, true);
  assert.ok(sub.some((i) => i.label === 'No backup yet'));
});

// ---- Actions ---------------------------------------------------------------------------------

test('tray: each routine submenu carries backup actions for its own routine and type', () => {
  const state = trayStateFrom(
    input({
      jobs: [job({ status: 'success', routine: 'nightly' }), job({ status: 'success', routine: 'weekly' })],
      schedule: [row('nightly'), row('weekly')],
      routines: { nightly: {}, weekly: {} },
    }),
  );
  const menu = trayMenu(state, fmt);
  for (const routine of ['nightly', 'weekly']) {
    const sub = routineMenu(menu, routine);
    assert.deepEqual(byLabel(sub, 'Back up now (full)').action, { kind: 'backup', routine, type: 'full' });
    assert.deepEqual(byLabel(sub, 'Back up now (incremental)').action, { kind: 'backup', routine, type: 'incremental' });
  }
  assert.deepEqual(find(menu, (i) => i.label === 'Open Tidemark')?.action, { kind: 'open' });
  assert.deepEqual(find(menu, (i) => i.label === 'Quit Tidemark')?.action, { kind: 'quit' });
  assert.deepEqual(find(menu, (i) => i.label === 'Pause all schedules')?.action, { kind: 'pause-all' });
  // Routines keep the config's order.
  assert.deepEqual(
    menu.filter((i) => i.type === 'submenu').map((i) => i.label),
    ['nightly', 'weekly'],
  );
});

test('tray: an incremental needs a full backup first; the catalog can vouch for one', () => {
  const onlyIncr = [job({ status: 'success', 'backup-type': 'incremental' }), job({ status: 'failure', 'backup-type': 'full', error: 'x', 'started-at': T0 - 3 * HOUR })];
  const none = trayStateFrom(input({ jobs: onlyIncr }));
  const item = byLabel(routineMenu(trayMenu(none, fmt), 'nightly'), 'Back up now (incremental)');
  assert.equal(item.enabled, false);
  assert.equal(item.label, 'Back up now (incremental) — needs a full backup first');
  assert.equal(byLabel(routineMenu(trayMenu(none, fmt), 'nightly'), 'Back up now (full)').enabled, true);

  const fromCatalog = trayStateFrom(input({ jobs: [], fullBackups: ['nightly'] }));
  const enabled = byLabel(routineMenu(trayMenu(fromCatalog, fmt), 'nightly'), 'Back up now (incremental)');
  assert.equal(enabled.enabled, true);
  assert.equal(enabled.label, 'Back up now (incremental)');
});

test('tray: jobs of routines no longer in the config are ignored per routine but still listed as running', () => {
  const gone = job({ routine: 'old', status: 'running', progress: progress(7) });
  const state = trayStateFrom(input({ jobs: [gone, job({ routine: 'old', status: 'failure', error: 'x' })] }));
  assert.deepEqual(
    state.routines.map((r) => r.name),
    ['nightly'],
  );
  assert.equal(trayIcon(state, fmt).icon, 'running');
  assert.ok(trayMenu(state, fmt).some((i) => i.label === 'old: full backup — 7%'));
});

// ---- Formatting ------------------------------------------------------------------------------

test('tray: times are clock time in the given zone plus a relative time', () => {
  assert.equal(clockTime(T0 + 2 * HOUR, T0, 'UTC'), '12:00');
  assert.equal(clockTime(T0 + 2 * HOUR, T0, 'Asia/Tokyo'), '21:00');
  assert.equal(clockTime(T0 + DAY, T0, 'UTC'), 'Thu 10:00');
  assert.equal(clockTime(T0 - 10 * DAY, T0, 'UTC'), '5 Jan 10:00');
  assert.equal(clockTime(T0 - 30 * DAY, T0, 'UTC'), '16 Dec 2024 10:00');
  assert.equal(relativeTime(T0 + 20_000, T0), 'in <1 min');
  assert.equal(relativeTime(T0 - 20_000, T0), 'just now');
  assert.equal(relativeTime(T0 + 59 * MINUTE, T0), 'in 59 min');
  assert.equal(relativeTime(T0 + 110 * MINUTE, T0), 'in 2 h');
  assert.equal(relativeTime(T0 - 3 * DAY, T0), '3 d ago');
  // An injected formatter replaces the whole "when".
  const state = trayStateFrom(input());
  assert.equal(trayIcon(state, { formatTime: (at, now) => `+${(at - now) / HOUR}h` }).tooltip, 'Tidemark — next backup: nightly full at +2h');
});

test('tray: the tooltip never exceeds what Windows shows', () => {
  const long = 'x'.repeat(300);
  const state = trayStateFrom(input({ configProblem: long, jobs: [job({ status: 'running', routine: long })], routines: { [long]: {} }, schedule: [row(long)] }));
  const { tooltip } = trayIcon(state, fmt);
  assert.ok(tooltip.length <= TOOLTIP_MAX, `${tooltip.length}`);
  assert.ok(tooltip.endsWith('…'));
});

// ---- Refresh on events -----------------------------------------------------------------------

test('tray refresh: progress only when the whole percent changes; every other event refreshes', () => {
  const running = job({ status: 'running', progress: progress(42) });
  const shown = trayStateFrom(input({ jobs: [running] }));
  assert.equal(trayNeedsRefresh({ type: 'progress', job: { ...running, progress: { ...progress(42), 'done-records': 425 } } }, shown), false);
  assert.equal(trayNeedsRefresh({ type: 'progress', job: { ...running, progress: progress(43) } }, shown), true);
  // A job the tray has not shown yet (created elsewhere) refreshes.
  assert.equal(trayNeedsRefresh({ type: 'progress', job: job({ status: 'running', progress: progress(1) }) }, shown), true);
  assert.equal(trayNeedsRefresh({ type: 'finished', job: { ...running, status: 'success' } }, shown), true);
  assert.equal(trayNeedsRefresh({ type: 'started', job: running }, shown), true);
  assert.equal(trayNeedsRefresh({ type: 'created', job: job({ status: 'pending' }) }, shown), true);
  assert.equal(trayNeedsRefresh({ type: 'schedule-changed' }, shown), true);
  assert.equal(trayNeedsRefresh({ type: 'config-changed' }, shown), true);
  assert.equal(trayNeedsRefresh({ type: 'progress', job: running }, undefined), true);
});

test('tray refresh: applyJobEvent replaces a job by id or adds it, without touching the input', () => {
  const a = job({ status: 'running', progress: progress(10) });
  const b = job({ status: 'success' });
  const jobs = [a, b];
  const updated = applyJobEvent(jobs, { type: 'finished', job: { ...a, status: 'failure', error: 'x', 'finished-at': T0 } });
  assert.equal(updated.length, 2);
  assert.equal(updated[0]?.status, 'failure');
  assert.equal(jobs[0]?.status, 'running');
  const c = job({ status: 'running' });
  assert.deepEqual(
    applyJobEvent(jobs, { type: 'created', job: c }).map((j) => j.id),
    [a.id, b.id, c.id],
  );
  assert.deepEqual(applyJobEvent(jobs, { type: 'schedule-changed' }), jobs);
  // Folding events and rebuilding gives the state the tray shows next.
  const after = trayStateFrom(input({ jobs: updated }));
  assert.equal(trayIcon(after, fmt).icon, 'failed');
});
