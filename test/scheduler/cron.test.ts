import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CronError, parseCron, validateCron } from '../../electron/core/scheduler/cron.js';

// Wednesday 15 January 2025, 10:00:00 UTC.
const BASE = Date.UTC(2025, 0, 15, 10, 0, 0);
const utc = (iso: string): number => Date.parse(`${iso}Z`);
const next3 = (expression: string, from = BASE): string[] =>
  parseCron(expression, 'interval-cron', { timezone: 'UTC' })
    .nextN(from, 3)
    .map((t) => new Date(t).toISOString().slice(0, 19));

const accepted: Array<[string, string, string[]]> = [
  ['6 fields, every 10 seconds (ABS incr example)', '*/10 * * * * *', ['2025-01-15T10:00:10', '2025-01-15T10:00:20', '2025-01-15T10:00:30']],
  ['6 fields, hourly (ABS full example)', '0 0 * * * *', ['2025-01-15T11:00:00', '2025-01-15T12:00:00', '2025-01-15T13:00:00']],
  ['6 fields with Quartz ?', '0 15 10 ? * *', ['2025-01-15T10:15:00', '2025-01-16T10:15:00', '2025-01-17T10:15:00']],
  ['6 fields, ? in day-of-week', '0 0 12 * * ?', ['2025-01-15T12:00:00', '2025-01-16T12:00:00', '2025-01-17T12:00:00']],
  ['Quartz start/step', '0 0/20 10 * * ?', ['2025-01-15T10:20:00', '2025-01-15T10:40:00', '2025-01-16T10:00:00']],
  ['Quartz start/step not at zero', '5/15 * * * * ?', ['2025-01-15T10:00:05', '2025-01-15T10:00:20', '2025-01-15T10:00:35']],
  ['classic 5 fields (seconds = 0)', '30 2 * * *', ['2025-01-16T02:30:00', '2025-01-17T02:30:00', '2025-01-18T02:30:00']],
  ['classic 5 fields, 1-5 = Monday-Friday', '30 2 * * 1-5', ['2025-01-16T02:30:00', '2025-01-17T02:30:00', '2025-01-20T02:30:00']],
  ['classic 5 fields, day-of-month OR day-of-week', '0 2 1 * 1', ['2025-01-20T02:00:00', '2025-01-27T02:00:00', '2025-02-01T02:00:00']],
  ['classic 5 fields, 0 and 7 are Sunday', '0 2 * * 0,7', ['2025-01-19T02:00:00', '2025-01-26T02:00:00', '2025-02-02T02:00:00']],
  ['7 fields with a year', '0 0 2 ? * MON 2026', ['2026-01-05T02:00:00', '2026-01-12T02:00:00', '2026-01-19T02:00:00']],
  ['7 fields with a year step', '0 0 0 1 1 ? 2026/2', ['2026-01-01T00:00:00', '2028-01-01T00:00:00', '2030-01-01T00:00:00']],
  ['7 fields with a year list', '0 0 0 1 JAN ? 2027,2029', ['2027-01-01T00:00:00', '2029-01-01T00:00:00']],
  ['@yearly', '@yearly', ['2026-01-01T00:00:00', '2027-01-01T00:00:00', '2028-01-01T00:00:00']],
  ['@annually', '@annually', ['2026-01-01T00:00:00', '2027-01-01T00:00:00', '2028-01-01T00:00:00']],
  ['@monthly', '@monthly', ['2025-02-01T00:00:00', '2025-03-01T00:00:00', '2025-04-01T00:00:00']],
  ['@weekly is Sunday midnight', '@weekly', ['2025-01-19T00:00:00', '2025-01-26T00:00:00', '2025-02-02T00:00:00']],
  ['@daily', '@daily', ['2025-01-16T00:00:00', '2025-01-17T00:00:00', '2025-01-18T00:00:00']],
  ['@midnight', '@midnight', ['2025-01-16T00:00:00', '2025-01-17T00:00:00', '2025-01-18T00:00:00']],
  ['@hourly', '@hourly', ['2025-01-15T11:00:00', '2025-01-15T12:00:00', '2025-01-15T13:00:00']],
  ['shorthand in capitals', '@DAILY', ['2025-01-16T00:00:00', '2025-01-17T00:00:00', '2025-01-18T00:00:00']],
  ['day names', '0 0 2 ? * MON', ['2025-01-20T02:00:00', '2025-01-27T02:00:00', '2025-02-03T02:00:00']],
  ['day and month names, lower case', '0 0 2 ? feb mon-wed', ['2025-02-03T02:00:00', '2025-02-04T02:00:00', '2025-02-05T02:00:00']],
  ['Quartz day numbers: 2 = Monday', '0 0 2 ? * 2', ['2025-01-20T02:00:00', '2025-01-27T02:00:00', '2025-02-03T02:00:00']],
  ['Quartz day numbers: 1 = Sunday, 7 = Saturday', '0 0 2 ? * 1,7', ['2025-01-18T02:00:00', '2025-01-19T02:00:00', '2025-01-25T02:00:00']],
  ['L: last day of the month', '0 0 2 L * ?', ['2025-01-31T02:00:00', '2025-02-28T02:00:00', '2025-03-31T02:00:00']],
  ['L-2: two days before the last', '0 0 2 L-2 * ?', ['2025-01-29T02:00:00', '2025-02-26T02:00:00', '2025-03-29T02:00:00']],
  ['L-30: only in 31-day months', '0 0 2 L-30 * ?', ['2025-03-01T02:00:00', '2025-05-01T02:00:00', '2025-07-01T02:00:00']],
  ['LW: last weekday of the month', '0 0 2 LW * ?', ['2025-01-31T02:00:00', '2025-02-28T02:00:00', '2025-03-31T02:00:00']],
  ['15W: weekday nearest the 15th', '0 0 2 15W * ?', ['2025-02-14T02:00:00', '2025-03-14T02:00:00', '2025-04-15T02:00:00']],
  ['6L: last Friday (Quartz numbering)', '0 0 2 ? * 6L', ['2025-01-31T02:00:00', '2025-02-28T02:00:00', '2025-03-28T02:00:00']],
  ['FRIL: last Friday by name', '0 0 2 ? * FRIL', ['2025-01-31T02:00:00', '2025-02-28T02:00:00', '2025-03-28T02:00:00']],
  ['L alone in day-of-week: Saturday', '0 0 2 ? * L', ['2025-01-18T02:00:00', '2025-01-25T02:00:00', '2025-02-01T02:00:00']],
  ['6#3: third Friday', '0 0 2 ? * 6#3', ['2025-01-17T02:00:00', '2025-02-21T02:00:00', '2025-03-21T02:00:00']],
  ['MON#1 by name', '0 0 2 ? * MON#1', ['2025-02-03T02:00:00', '2025-03-03T02:00:00', '2025-04-07T02:00:00']],
  ['classic 5#3: third Friday (Unix numbering)', '0 2 * * 5#3', ['2025-01-17T02:00:00', '2025-02-21T02:00:00', '2025-03-21T02:00:00']],
  ['extra whitespace', '  0  0 2   * * ?  ', ['2025-01-16T02:00:00', '2025-01-17T02:00:00', '2025-01-18T02:00:00']],
];

for (const [what, expression, expected] of accepted) {
  test(`cron accepts ${what}: ${JSON.stringify(expression)}`, () => {
    assert.deepEqual(next3(expression), expected);
    assert.equal(validateCron(expression, 'interval-cron', { timezone: 'UTC' }), undefined);
  });
}

const refused: Array<[string, RegExp]> = [
  ['', /it is empty/],
  ['   ', /it is empty/],
  ['* * * *', /4 fields; expected 5, 6 or 7/],
  ['0 0 0 1 1 ? 2026 extra', /8 fields; expected 5, 6 or 7/],
  ['@every 1h', /unknown shorthand "@every 1h"; the shorthands are @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly/],
  ['@reboot', /unknown shorthand/],
  ['0 60 * * * *', /the minute field "60": 60 is out of range \(0-59\)/],
  ['0 0 24 * * *', /the hour field "24": 24 is out of range \(0-23\)/],
  ['61 0 0 * * *', /the second field "61"/],
  ['0 0 0 32 * ?', /the day-of-month field "32"/],
  ['0 0 0 ? 13 *', /the month field "13"/],
  ['0 0 0 ? FOO *', /"FOO" is not a month name \(JAN-DEC\)/],
  ['0 0 0 ? * FUNDAY', /"FUNDAY" is not a day name \(SUN-SAT\)/],
  ['0 0 2 ? * 0', /0 is not a day of the week; in the 6\/7-field \(Quartz\) form days are 1=SUN to 7=SAT/],
  ['0 0 2 ? * 8', /8 is not a day of the week/],
  ['0 2 * * 8', /the day-of-week field "8": 8 is out of range \(0-7\)/],
  ['0 0 2 15 * MON', /day-of-month "15" and day-of-week "MON" are both set; .* one of them must be "\?"/],
  ['0 0 0 1 1 ? 1969', /the year field "1969": 1969 is out of range \(1970-2099\)/],
  ['0 0 0 1 1 ? 2100', /2100 is out of range \(1970-2099\)/],
  ['0 0 0 31 2 ?', /it never matches a real date/],
  ['0 0 2 L-29 FEB ?', /it never matches a real date/],
  ['0 0 2 L-31 * ?', /use L-0 to L-30/],
  ['0 0 2 1,L * ?', /L, L-n, LW and nW must stand alone/],
  ['0 0 2 ? * MON#6', /asks for occurrence 6 in the month; use #1 to #5/],
  ['0 0 2 ? * MON#2,FRI', /must stand alone in day-of-week/],
  ['/10 * * * * *', /the step "\/10" has no start; write \*\/n or start\/n/],
  ['*/0 * * * * *', /must be at least 1/],
  ['*/90 * * * * *', /the step 90 in "\*\/90" is larger than the field's whole range \(0-59\)/],
  ['0 0 2 ? * FRI-MON', /the range "FRI-MON" runs backwards/],
  ['0 0 2 ? * MON,,FRI', /has an empty list entry/],
  ['a b c d e f', /the second field "a": "a" is not a number/],
  ['0 0 2 * * * *x', /the year field "\*x" is not understood/],
];

for (const [expression, problem] of refused) {
  test(`cron refuses ${JSON.stringify(expression)}`, () => {
    assert.throws(
      () => parseCron(expression, 'incr-interval-cron', { timezone: 'UTC' }),
      (err: unknown) => {
        assert.ok(err instanceof CronError, String(err));
        assert.match(err.problem, problem);
        // The message names the setting and the expression, says what is wrong and what is accepted.
        assert.ok(err.message.startsWith(`incr-interval-cron ${JSON.stringify(expression.trim())} is not a valid cron schedule: `), err.message);
        assert.match(err.message, problem);
        assert.match(err.message, /Accepted forms: 6 fields/);
        assert.equal(err.field, 'incr-interval-cron');
        return true;
      },
    );
    const message = validateCron(expression, 'incr-interval-cron');
    assert.ok(message?.startsWith('incr-interval-cron '), message);
  });
}

test('cron: the field defaults to interval-cron', () => {
  assert.match(validateCron('nope') ?? '', /^interval-cron "nope" is not a valid cron schedule: it has 1 field; expected 5, 6 or 7/);
});

test('cron: an unknown time zone is refused, naming the zone', () => {
  assert.throws(() => parseCron('0 0 2 * * ?', 'interval-cron', { timezone: 'Mars/Olympus' }), /interval-cron "0 0 2 \* \* \?" .*the time zone "Mars\/Olympus" is not an IANA time zone/);
});

test('cron: next() is strictly after, latest() is at or before', () => {
  const s = parseCron('*/10 * * * * *', 'interval-cron', { timezone: 'UTC' });
  const slot = utc('2025-01-15T10:00:10');
  assert.equal(s.next(slot), utc('2025-01-15T10:00:20'));
  assert.equal(s.next(slot - 1), slot);
  assert.equal(s.next(slot + 500), utc('2025-01-15T10:00:20'));
  assert.equal(s.latest(slot), slot);
  assert.equal(s.latest(slot - 1), utc('2025-01-15T10:00:00'));
  assert.equal(s.latest(slot + 9_999), slot);
  assert.equal(s.expression, '*/10 * * * * *');
  assert.equal(s.timezone, 'UTC');
});

test('cron: nextN returns consecutive slots and stops where a year-limited schedule ends', () => {
  const s = parseCron('0 0 0 1 1 ? 2026-2027', 'interval-cron', { timezone: 'UTC' });
  assert.deepEqual(s.nextN(BASE, 5), [utc('2026-01-01T00:00:00'), utc('2027-01-01T00:00:00')]);
  assert.equal(s.next(utc('2027-01-01T00:00:00')), undefined);
  assert.equal(s.latest(BASE), undefined);
  assert.equal(s.latest(utc('2030-06-01T00:00:00')), utc('2027-01-01T00:00:00'));
  assert.deepEqual(s.nextN(BASE, 0), []);
  assert.throws(() => s.nextN(BASE, -1), /n must be a non-negative integer/);
});

test('cron: a year entirely in the past is accepted (as ABS does) but never fires again', () => {
  const s = parseCron('0 0 0 1 1 ? 2020', 'interval-cron', { timezone: 'UTC' });
  assert.equal(s.next(BASE), undefined);
  assert.equal(s.latest(BASE), utc('2020-01-01T00:00:00'));
});

test('cron: latest() applies the L-n filter too', () => {
  const s = parseCron('0 0 2 L-2 * ?', 'interval-cron', { timezone: 'UTC' });
  // February 2024 had 29 days: two before the last is the 27th.
  assert.equal(s.latest(utc('2024-03-10T00:00:00')), utc('2024-02-27T02:00:00'));
});

test('cron: expressions are read in the given time zone, across daylight-saving changes', () => {
  const berlin = parseCron('0 30 2 * * ?', 'interval-cron', { timezone: 'Europe/Berlin' });
  // 02:30 does not exist on 30 March 2025 in Berlin: it runs once, at 03:00 CEST.
  assert.deepEqual(berlin.nextN(utc('2025-03-28T12:00:00'), 3), [utc('2025-03-29T01:30:00'), utc('2025-03-30T01:00:00'), utc('2025-03-31T00:30:00')]);
  // 02:30 happens twice on 26 October 2025: a fixed-time job runs at the first only.
  assert.deepEqual(berlin.nextN(utc('2025-10-25T12:00:00'), 2), [utc('2025-10-26T00:30:00'), utc('2025-10-27T01:30:00')]);
  const hourly = parseCron('0 30 * * * ?', 'interval-cron', { timezone: 'Europe/Berlin' });
  assert.deepEqual(hourly.nextN(utc('2025-10-26T00:00:00'), 3), [utc('2025-10-26T00:30:00'), utc('2025-10-26T01:30:00'), utc('2025-10-26T02:30:00')]);
});

test('cron: without a time zone the machine zone is used', () => {
  const machine = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const local = parseCron('0 0 2 ? * MON');
  const explicit = parseCron('0 0 2 ? * MON', 'interval-cron', { timezone: machine });
  assert.equal(local.timezone, undefined);
  assert.deepEqual(local.nextN(BASE, 4), explicit.nextN(BASE, 4));
});
