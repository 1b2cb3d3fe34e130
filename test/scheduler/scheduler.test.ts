import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../electron/core/service/clock.js';
import { CronError } from '../../electron/core/scheduler/cron.js';
import { MemoryScheduleState } from '../../electron/core/scheduler/memory-state.js';
import { SKIP_REASONS, type ScheduledRoutine, type ScheduledRun } from '../../electron/core/scheduler/scheduler.js';
import { DAY, HOUR, MINUTE, SECOND, SleepingClock, T0, harness, runs, skipped, utc } from './harness.js';

const nightly: ScheduledRoutine = { name: 'nightly', intervalCron: '0 0 2 * * ?', timezone: 'UTC' };

test('scheduler: a brand-new routine is not caught up; it first runs at its next slot', () => {
  const clock = new ManualClock(T0);
  const h = harness(clock);
  h.scheduler.setRoutines([nightly]);
  h.scheduler.start();
  assert.deepEqual(h.launches, []);
  assert.equal(h.state.getSince('nightly'), T0);
  assert.deepEqual(h.scheduler.nextRuns(), [{ routine: 'nightly', full: utc('2025-01-16T02:00:00'), paused: false, globallyPaused: false, disabled: false }]);
  clock.set(utc('2025-01-16T01:59:59'));
  assert.deepEqual(h.launches, []);
  clock.set(utc('2025-01-16T02:00:00'));
  assert.deepEqual(runs(h.launches), ['nightly full schedule 2025-01-16T02:00:00']);
});

test('scheduler: timers fire on time, every slot once, and re-arm for the next', () => {
  const clock = new ManualClock(T0);
  const h = harness(clock);
  h.scheduler.setRoutines([nightly]);
  h.scheduler.start();
  clock.advance(3 * DAY);
  assert.deepEqual(runs(h.launches), [
    'nightly full schedule 2025-01-16T02:00:00',
    'nightly full schedule 2025-01-17T02:00:00',
    'nightly full schedule 2025-01-18T02:00:00',
  ]);
  assert.equal(h.state.getLastRun('nightly', 'full'), utc('2025-01-18T02:00:00'));
  assert.equal(clock.pending(), 1);
  assert.equal(h.scheduler.nextRuns()[0]?.full, utc('2025-01-19T02:00:00'));
});

test('scheduler: a seconds-level schedule fires every 10 seconds', () => {
  const clock = new ManualClock(T0);
  const h = harness(clock);
  h.scheduler.setRoutines([{ name: 'often', intervalCron: '*/10 * * * * *', timezone: 'UTC' }]);
  h.scheduler.start();
  clock.advance(MINUTE);
  assert.deepEqual(
    h.launches.map((r) => (r.slotMs - T0) / SECOND),
    [10, 20, 30, 40, 50, 60],
  );
  assert.ok(h.launches.every((r) => r.trigger === 'schedule'));
});

test('scheduler: after days closed, start() catches up exactly once, for the latest missed slot', () => {
  const clock = new ManualClock(T0);
  const state = new MemoryScheduleState();
  state.ensureSince('nightly', utc('2024-12-01T00:00:00'));
  state.setLastRun('nightly', 'full', utc('2025-01-10T02:00:00'));
  const h = harness(clock, { state });
  h.scheduler.setRoutines([nightly]);
  h.scheduler.start();
  // Five nightly slots (11th to 15th) were missed: one run, not five.
  assert.deepEqual(runs(h.launches), ['nightly full catch-up 2025-01-15T02:00:00']);
  assert.equal(state.getLastRun('nightly', 'full'), utc('2025-01-15T02:00:00'));
  clock.set(utc('2025-01-16T02:00:00'));
  assert.deepEqual(runs(h.launches), ['nightly full catch-up 2025-01-15T02:00:00', 'nightly full schedule 2025-01-16T02:00:00']);
});

test('scheduler: the catch-up is not repeated by a restart, and nothing is caught up when nothing was missed', () => {
  const clock = new ManualClock(T0);
  const state = new MemoryScheduleState();
  state.ensureSince('nightly', utc('2024-12-01T00:00:00'));
  state.setLastRun('nightly', 'full', utc('2025-01-12T02:00:00'));
  const first = harness(clock, { state });
  first.scheduler.setRoutines([nightly]);
  first.scheduler.start();
  assert.equal(first.launches.length, 1);
  first.scheduler.stop();
  clock.advance(5 * MINUTE);
  const second = harness(clock, { state });
  second.scheduler.setRoutines([nightly]);
  second.scheduler.start();
  assert.deepEqual(second.launches, []);
});

test('scheduler: a routine scheduled before but never run is caught up from its since', () => {
  const clock = new ManualClock(T0);
  const state = new MemoryScheduleState();
  state.ensureSince('nightly', utc('2025-01-14T12:00:00'));
  const h = harness(clock, { state });
  h.scheduler.setRoutines([nightly]);
  h.scheduler.start();
  assert.deepEqual(runs(h.launches), ['nightly full catch-up 2025-01-15T02:00:00']);
  assert.equal(state.getSince('nightly'), utc('2025-01-14T12:00:00'));
});

test('scheduler: incrementals are skipped until a full backup exists', () => {
  const clock = new ManualClock(T0);
  const h = harness(clock);
  h.hasFull.value = false;
  h.scheduler.setRoutines([{ name: 'r', intervalCron: '0 0 0 ? * SUN', incrIntervalCron: '0 0 * * * ?', timezone: 'UTC' }]);
  h.scheduler.start();
  clock.advance(HOUR);
  assert.deepEqual(h.launches, []);
  assert.deepEqual(skipped(h.skips), [`r incremental schedule 2025-01-15T11:00:00: ${SKIP_REASONS.noFullBackup}`]);
  assert.equal(SKIP_REASONS.noFullBackup, 'no full backup yet');
  h.hasFull.value = true;
  clock.advance(HOUR);
  assert.deepEqual(runs(h.launches), ['r incremental schedule 2025-01-15T12:00:00']);
  assert.equal(h.skips.length, 1);
});

test('scheduler: an asynchronous hasFullBackup is awaited before the incremental launches', async () => {
  const clock = new ManualClock(T0);
  let launched!: (run: ScheduledRun) => void;
  const launch = new Promise<ScheduledRun>((resolve) => (launched = resolve));
  const asked: string[] = [];
  const h = harness(clock, {
    hasFullBackup: async (routine) => {
      asked.push(routine);
      return true;
    },
    launch: (run) => launched(run),
  });
  h.scheduler.setRoutines([{ name: 'r', intervalCron: '0 0 0 ? * SUN', incrIntervalCron: '0 0 * * * ?', timezone: 'UTC' }]);
  h.scheduler.start();
  clock.advance(HOUR);
  const run = await launch;
  assert.deepEqual(asked, ['r']);
  assert.deepEqual(runs([run]), ['r incremental schedule 2025-01-15T11:00:00']);
});

test('scheduler: when full and incremental slots coincide the full wins and the incremental is skipped', () => {
  const clock = new ManualClock(T0);
  const h = harness(clock);
  h.scheduler.setRoutines([{ name: 'r', intervalCron: '@daily', incrIntervalCron: '0 0 */6 * * ?', timezone: 'UTC' }]);
  h.scheduler.start();
  clock.set(utc('2025-01-16T06:00:00'));
  assert.deepEqual(runs(h.launches), [
    'r incremental schedule 2025-01-15T12:00:00',
    'r incremental schedule 2025-01-15T18:00:00',
    'r full schedule 2025-01-16T00:00:00',
    'r incremental schedule 2025-01-16T06:00:00',
  ]);
  assert.deepEqual(skipped(h.skips), [`r incremental schedule 2025-01-16T00:00:00: ${SKIP_REASONS.fullAtSameSlot}`]);
});

test('scheduler: when both kinds are caught up, only the full runs', () => {
  const clock = new ManualClock(T0);
  const state = new MemoryScheduleState();
  state.ensureSince('r', utc('2025-01-01T00:00:00'));
  state.setLastRun('r', 'full', utc('2025-01-13T00:00:00'));
  state.setLastRun('r', 'incremental', utc('2025-01-13T06:00:00'));
  const h = harness(clock, { state });
  h.scheduler.setRoutines([{ name: 'r', intervalCron: '@daily', incrIntervalCron: '0 0 */6 * * ?', timezone: 'UTC' }]);
  h.scheduler.start();
  assert.deepEqual(runs(h.launches), ['r full catch-up 2025-01-15T00:00:00']);
  assert.deepEqual(skipped(h.skips), [`r incremental catch-up 2025-01-15T06:00:00: ${SKIP_REASONS.fullAtSameSlot}`]);
  assert.equal(state.getLastRun('r', 'incremental'), utc('2025-01-15T06:00:00'));
});

test('scheduler: a paused routine launches nothing, records no skip, and resuming does not catch up', () => {
  const clock = new ManualClock(T0);
  const h = harness(clock);
  h.scheduler.setRoutines([nightly, { name: 'other', intervalCron: '0 0 3 * * ?', timezone: 'UTC' }]);
  h.scheduler.start();
  h.scheduler.pause('nightly');
  assert.equal(h.state.isPaused('nightly'), true);
  assert.deepEqual(
    h.scheduler.nextRuns().map((r) => [r.routine, r.paused]),
    [
      ['nightly', true],
      ['other', false],
    ],
  );
  clock.set(utc('2025-01-17T12:00:00'));
  assert.deepEqual(runs(h.launches), ['other full schedule 2025-01-16T03:00:00', 'other full schedule 2025-01-17T03:00:00']);
  assert.deepEqual(h.skips, []);
  // The paused slots were passed over as they came, which is why resuming owes none of them.
  assert.equal(h.state.getLastRun('nightly', 'full'), utc('2025-01-17T02:00:00'));
  h.scheduler.resume('nightly');
  assert.equal(h.launches.length, 2, 'resuming must not catch up paused slots');
  clock.set(utc('2025-01-18T02:00:00'));
  assert.deepEqual(runs(h.launches).slice(2), ['nightly full schedule 2025-01-18T02:00:00']);
});

test('scheduler: a global pause stops every routine; it and per-routine pauses persist into a new Scheduler', () => {
  const clock = new ManualClock(T0);
  const state = new MemoryScheduleState();
  const first = harness(clock, { state });
  const routines = [nightly, { name: 'hourly', intervalCron: '@hourly', timezone: 'UTC' }];
  first.scheduler.setRoutines(routines);
  first.scheduler.start();
  first.scheduler.pause();
  first.scheduler.pause('hourly');
  clock.advance(HOUR);
  assert.deepEqual(first.launches, []);
  first.scheduler.stop();

  // The app is closed for three days, still paused.
  clock.set(utc('2025-01-18T10:30:00'));
  const second = harness(clock, { state });
  second.scheduler.setRoutines(routines);
  second.scheduler.start();
  assert.deepEqual(
    second.scheduler.nextRuns().map((r) => [r.routine, r.paused, r.globallyPaused]),
    [
      ['nightly', false, true],
      ['hourly', true, true],
    ],
  );
  assert.deepEqual(second.launches, [], 'nothing runs at start while paused');
  second.scheduler.resume();
  assert.deepEqual(second.launches, [], 'nor when the global pause is lifted');
  clock.set(utc('2025-01-19T02:00:00'));
  // hourly is still paused on its own; nightly runs from its next slot, nothing is caught up.
  assert.deepEqual(runs(second.launches), ['nightly full schedule 2025-01-19T02:00:00']);
  second.scheduler.stop();

  // A restart after resuming does not catch up the slots that passed while paused either.
  const third = harness(clock, { state });
  third.scheduler.setRoutines(routines);
  third.scheduler.start();
  third.scheduler.resume('hourly');
  assert.deepEqual(third.launches, []);
  clock.advance(HOUR);
  assert.deepEqual(runs(third.launches), ['hourly full schedule 2025-01-19T03:00:00']);
});

test('scheduler: pause and resume of an unknown routine are refused', () => {
  const h = harness(new ManualClock(T0));
  h.scheduler.setRoutines([nightly]);
  assert.throws(() => h.scheduler.pause('nope'), /pause: there is no routine named "nope"/);
  assert.throws(() => h.scheduler.resume('nope'), /resume: there is no routine named "nope"/);
  assert.equal(h.state.isPaused('nope'), false);
});

test('scheduler: on battery, routines that ask for it skip their slot; others run', () => {
  const clock = new ManualClock(T0);
  const h = harness(clock);
  h.battery.on = true;
  h.scheduler.setRoutines([
    { name: 'laptop', intervalCron: '@hourly', skipOnBattery: true, timezone: 'UTC' },
    { name: 'always', intervalCron: '@hourly', timezone: 'UTC' },
  ]);
  h.scheduler.start();
  clock.advance(HOUR);
  assert.deepEqual(runs(h.launches), ['always full schedule 2025-01-15T11:00:00']);
  assert.deepEqual(skipped(h.skips), ['laptop full schedule 2025-01-15T11:00:00: on battery power']);
  h.battery.on = false;
  clock.advance(HOUR);
  assert.deepEqual(runs(h.launches).slice(1), ['laptop full schedule 2025-01-15T12:00:00', 'always full schedule 2025-01-15T12:00:00']);
  assert.equal(h.skips.length, 1);
});

test('scheduler: a slot skipped on battery is not caught up later', () => {
  const clock = new ManualClock(T0);
  const state = new MemoryScheduleState();
  const laptop = { name: 'laptop', intervalCron: '0 0 11 * * ?', skipOnBattery: true, timezone: 'UTC' };
  const first = harness(clock, { state });
  first.battery.on = true;
  first.scheduler.setRoutines([laptop]);
  first.scheduler.start();
  clock.advance(HOUR);
  assert.equal(first.skips.length, 1);
  first.scheduler.stop();
  clock.advance(HOUR);
  const second = harness(clock, { state });
  second.scheduler.setRoutines([laptop]);
  second.scheduler.start();
  assert.deepEqual(second.launches, []);
});

test('scheduler: setRoutines reconfigures live', () => {
  const clock = new ManualClock(T0);
  const h = harness(clock);
  h.scheduler.setRoutines([
    { name: 'a', intervalCron: '@hourly', timezone: 'UTC' },
    { name: 'b', intervalCron: '@hourly', timezone: 'UTC' },
  ]);
  h.scheduler.start();
  clock.advance(HOUR);
  assert.deepEqual(runs(h.launches), ['a full schedule 2025-01-15T11:00:00', 'b full schedule 2025-01-15T11:00:00']);

  // a changes to every 15 minutes, b is removed, c is new.
  clock.advance(20 * MINUTE);
  h.scheduler.setRoutines([
    { name: 'a', intervalCron: '0 */15 * * * ?', timezone: 'UTC' },
    { name: 'c', intervalCron: '0 0 12 * * ?', timezone: 'UTC' },
  ]);
  assert.deepEqual(h.launches.length, 2, 'reconfiguring launches nothing by itself');
  assert.equal(clock.pending(), 2);
  assert.deepEqual(
    h.scheduler.nextRuns().map((r) => [r.routine, r.full]),
    [
      ['a', utc('2025-01-15T11:30:00')],
      ['c', utc('2025-01-15T12:00:00')],
    ],
  );
  clock.set(utc('2025-01-15T12:00:00'));
  // Routines due at the same instant run in no promised order.
  assert.deepEqual(runs(h.launches).slice(2).sort(), [
    'a full schedule 2025-01-15T11:30:00',
    'a full schedule 2025-01-15T11:45:00',
    'a full schedule 2025-01-15T12:00:00',
    'c full schedule 2025-01-15T12:00:00',
  ]);
});

test('scheduler: a changed schedule owes nothing from before the change', () => {
  const clock = new ManualClock(T0 + 20 * MINUTE);
  const state = new MemoryScheduleState();
  state.ensureSince('a', utc('2025-01-01T00:00:00'));
  state.setLastRun('a', 'full', utc('2025-01-15T00:00:00'));
  const h = harness(clock, { state });
  h.scheduler.setRoutines([{ name: 'a', intervalCron: '@daily', timezone: 'UTC' }]);
  h.scheduler.start();
  assert.deepEqual(h.launches, [], "today's daily slot already ran");
  // Edited to hourly at 10:20: the hours before the edit were never part of any schedule.
  h.scheduler.setRoutines([{ name: 'a', intervalCron: '@hourly', timezone: 'UTC' }]);
  assert.deepEqual(h.launches, []);
  h.scheduler.stop();
  // Nor are they owed after a restart.
  clock.advance(MINUTE);
  h.scheduler.start();
  assert.deepEqual(h.launches, []);
  clock.set(utc('2025-01-15T11:00:00'));
  assert.deepEqual(runs(h.launches), ['a full schedule 2025-01-15T11:00:00']);
});

test('scheduler: an unchanged routine keeps its timer; only other settings are updated', () => {
  const clock = new ManualClock(T0);
  const h = harness(clock);
  h.battery.on = true;
  h.scheduler.setRoutines([{ name: 'a', intervalCron: '@hourly', timezone: 'UTC' }]);
  h.scheduler.start();
  h.scheduler.setRoutines([{ name: 'a', intervalCron: '@hourly', timezone: 'UTC', skipOnBattery: true }]);
  assert.equal(clock.pending(), 1);
  clock.advance(HOUR);
  assert.deepEqual(h.launches, []);
  assert.deepEqual(skipped(h.skips), ['a full schedule 2025-01-15T11:00:00: on battery power']);
});

test('scheduler: an invalid cron throws CronError before anything changes', () => {
  const clock = new ManualClock(T0);
  const h = harness(clock);
  h.scheduler.setRoutines([nightly]);
  h.scheduler.start();
  const before = h.scheduler.nextRuns();
  assert.throws(
    () =>
      h.scheduler.setRoutines([
        { name: 'fine', intervalCron: '@hourly' },
        { name: 'broken', intervalCron: '@hourly', incrIntervalCron: '0 0 25 * * ?' },
      ]),
    (err: unknown) => err instanceof CronError && /^backup-routines\.broken\.incr-interval-cron "0 0 25 \* \* \?" is not a valid cron schedule: the hour field "25"/.test(err.message),
  );
  assert.deepEqual(h.scheduler.nextRuns(), before);
  assert.throws(() => h.scheduler.setRoutines([nightly, nightly]), /the routine name "nightly" appears more than once/);
  assert.throws(() => h.scheduler.setRoutines([{ ...nightly, timezone: 'Nowhere/Special' }]), /the time zone "Nowhere\/Special" is not an IANA time zone/);
  clock.set(utc('2025-01-16T02:00:00'));
  assert.deepEqual(runs(h.launches), ['nightly full schedule 2025-01-16T02:00:00']);
});

test('scheduler: disabled routines are not scheduled; enabling one later owes nothing for the disabled time', () => {
  const clock = new ManualClock(T0);
  const h = harness(clock);
  h.scheduler.setRoutines([{ ...nightly, disabled: true }]);
  h.scheduler.start();
  assert.equal(clock.pending(), 0);
  assert.equal(h.state.getSince('nightly'), undefined);
  assert.deepEqual(h.scheduler.nextRuns(), [{ routine: 'nightly', paused: false, globallyPaused: false, disabled: true }]);
  clock.advance(3 * DAY);
  assert.deepEqual(h.launches, []);
  h.scheduler.setRoutines([nightly]);
  assert.deepEqual(h.launches, []);
  clock.set(utc('2025-01-19T02:00:00'));
  assert.deepEqual(runs(h.launches), ['nightly full schedule 2025-01-19T02:00:00']);
  h.scheduler.setRoutines([{ ...nightly, disabled: true }]);
  assert.equal(clock.pending(), 0);
});

test('scheduler: wake() after a sleep catches each routine up once and leaves no stale timer', () => {
  const clock = new SleepingClock(T0);
  const h = harness(clock);
  h.scheduler.setRoutines([nightly, { name: 'hourly', intervalCron: '@hourly', timezone: 'UTC' }]);
  h.scheduler.start();
  clock.advance(30 * MINUTE);
  // Suspended at 10:30 on the 15th, resumed three days later.
  clock.sleep(3 * DAY);
  h.scheduler.wake();
  assert.deepEqual(runs(h.launches), ['nightly full catch-up 2025-01-18T02:00:00', 'hourly full catch-up 2025-01-18T10:00:00']);
  // The timers armed before the sleep were replaced, so nothing fires twice.
  clock.advance(30 * MINUTE);
  assert.deepEqual(runs(h.launches).slice(2), ['hourly full schedule 2025-01-18T11:00:00']);
  assert.equal(clock.timers.pending(), 2);
});

test('scheduler: a timer that fires long after its slot (no wake event) counts as one catch-up', () => {
  const clock = new SleepingClock(T0);
  const h = harness(clock);
  h.scheduler.setRoutines([{ name: 'hourly', intervalCron: '@hourly', timezone: 'UTC' }]);
  h.scheduler.start();
  clock.advance(30 * MINUTE);
  clock.sleep(2 * DAY);
  clock.advance(30 * MINUTE);
  assert.deepEqual(runs(h.launches), ['hourly full catch-up 2025-01-17T11:00:00']);
  clock.advance(HOUR);
  assert.deepEqual(runs(h.launches).slice(1), ['hourly full schedule 2025-01-17T12:00:00']);
});

test('scheduler: a timer a little late is still an ordinary scheduled run', () => {
  const clock = new SleepingClock(T0);
  const h = harness(clock);
  h.scheduler.setRoutines([{ name: 'hourly', intervalCron: '@hourly', timezone: 'UTC' }]);
  h.scheduler.start();
  clock.sleep(5 * SECOND);
  clock.advance(HOUR);
  assert.deepEqual(runs(h.launches), ['hourly full schedule 2025-01-15T11:00:00']);
});

test('scheduler: a launch that throws or rejects is reported and scheduling goes on', async () => {
  const clock = new ManualClock(T0);
  let reported!: () => void;
  const rejectionReported = new Promise<void>((resolve) => (reported = resolve));
  const errors: string[] = [];
  const attempts: string[] = [];
  const h = harness(clock, {
    launch: (run) => {
      attempts.push(run.routine);
      if (attempts.length === 1) throw new Error('engine exploded');
      if (attempts.length === 2) return Promise.reject(new Error('cluster unreachable'));
      return Promise.resolve();
    },
    onError: (err, routine) => {
      errors.push(`${routine}: ${err.message}`);
      if (errors.length === 2) reported();
    },
  });
  h.scheduler.setRoutines([{ name: 'r', intervalCron: '@hourly', timezone: 'UTC' }]);
  h.scheduler.start();
  clock.advance(HOUR);
  assert.deepEqual(errors, ['r: engine exploded']);
  clock.advance(HOUR);
  await rejectionReported;
  assert.deepEqual(errors, ['r: engine exploded', 'r: cluster unreachable']);
  clock.advance(HOUR);
  assert.equal(attempts.length, 3);
  assert.equal(clock.pending(), 1);
});

test('scheduler: a failing full-backup check is reported and the incremental skipped with the reason', () => {
  const clock = new ManualClock(T0);
  const h = harness(clock, {
    hasFullBackup: () => {
      throw new Error('catalog unreadable');
    },
  });
  h.scheduler.setRoutines([{ name: 'r', intervalCron: '0 0 0 ? * SUN', incrIntervalCron: '@hourly', timezone: 'UTC' }]);
  h.scheduler.start();
  clock.advance(HOUR);
  assert.deepEqual(h.errors, [{ message: 'catalog unreadable', routine: 'r' }]);
  assert.deepEqual(skipped(h.skips), ['r incremental schedule 2025-01-15T11:00:00: could not check for a full backup: catalog unreadable']);
  assert.deepEqual(h.launches, []);
});

test("scheduler: 'changed' is emitted for routines, pauses and each fired slot", () => {
  const clock = new ManualClock(T0);
  const h = harness(clock);
  let seen = h.changes.count;
  const expectChange = (what: string): void => {
    assert.ok(h.changes.count > seen, `no 'changed' after ${what}`);
    seen = h.changes.count;
  };
  h.scheduler.setRoutines([nightly]);
  expectChange('setRoutines');
  h.scheduler.start();
  expectChange('start');
  h.scheduler.pause('nightly');
  expectChange('pause');
  h.scheduler.resume('nightly');
  expectChange('resume');
  clock.set(utc('2025-01-16T02:00:00'));
  expectChange('a fired slot');
  h.scheduler.stop();
  expectChange('stop');
});

test('scheduler: a throwing change listener does not stop the timers', () => {
  const clock = new ManualClock(T0);
  const h = harness(clock);
  h.scheduler.setRoutines([{ name: 'r', intervalCron: '@hourly', timezone: 'UTC' }]);
  h.scheduler.start();
  h.scheduler.on('changed', () => {
    throw new Error('tray broke');
  });
  clock.advance(2 * HOUR);
  assert.equal(h.launches.length, 2);
  assert.deepEqual(h.errors, [
    { message: 'tray broke', routine: 'r' },
    { message: 'tray broke', routine: 'r' },
  ]);
});

test('scheduler: stop() cancels every timer', () => {
  const clock = new ManualClock(T0);
  const h = harness(clock);
  h.scheduler.setRoutines([nightly, { name: 'r', intervalCron: '*/10 * * * * *', incrIntervalCron: '*/5 * * * * *', timezone: 'UTC' }]);
  h.scheduler.start();
  assert.equal(clock.pending(), 2);
  h.scheduler.stop();
  assert.equal(clock.pending(), 0);
  assert.equal(h.scheduler.isRunning, false);
  clock.advance(2 * DAY);
  assert.deepEqual(h.launches, []);
  h.scheduler.wake();
  assert.deepEqual(h.launches, [], 'wake() does nothing while stopped');
});

test('scheduler: nextRuns reports both kinds in the routine time zone', () => {
  const clock = new ManualClock(T0);
  const h = harness(clock);
  h.scheduler.setRoutines([
    { name: 'berlin', intervalCron: '0 0 2 * * ?', incrIntervalCron: '0 */30 * * * ?', timezone: 'Europe/Berlin' },
    { name: 'ended', intervalCron: '0 0 0 1 1 ? 2020', timezone: 'UTC' },
  ]);
  assert.deepEqual(h.scheduler.nextRuns(), [
    { routine: 'berlin', full: utc('2025-01-16T01:00:00'), incremental: utc('2025-01-15T10:30:00'), paused: false, globallyPaused: false, disabled: false },
    { routine: 'ended', paused: false, globallyPaused: false, disabled: false },
  ]);
  h.scheduler.start();
  assert.equal(clock.pending(), 1, 'a schedule that has ended arms no timer');
});

test('scheduler: a routine added while running is scheduled without a catch-up', () => {
  const clock = new ManualClock(T0);
  const h = harness(clock);
  h.scheduler.setRoutines([]);
  h.scheduler.start();
  clock.advance(HOUR);
  h.scheduler.setRoutines([{ name: 'late', intervalCron: '@hourly', timezone: 'UTC' }]);
  assert.equal(h.state.getSince('late'), T0 + HOUR);
  assert.deepEqual(h.launches, []);
  clock.advance(HOUR);
  assert.deepEqual(runs(h.launches), ['late full schedule 2025-01-15T12:00:00']);
});
