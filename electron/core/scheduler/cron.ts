/**
 * Cron expressions in the dialect of the Aerospike Backup Service (ABS), which reads them with
 * go-quartz, plus the classic 5-field form people type from habit.
 *
 * croner evaluates the patterns; this module decides what is accepted, what it means, and says
 * precisely what is wrong with a refused expression. croner is used as a pure evaluator: patterns
 * are built paused and only asked for the next/previous match, never left to own a timer.
 *
 * Two dialects, chosen by the number of fields, so an expression means what its author expects:
 * - 6 or 7 fields (ABS/Quartz: `sec min hour day-of-month month day-of-week [year]`): day-of-week
 *   numbers are Quartz's 1=SUN..7=SAT (croner `alternativeWeekdays`), and day-of-month and
 *   day-of-week may not both be restricted (one of them is `?`), which is exactly what go-quartz
 *   refuses with "day field set twice". With one of them always a wildcard, croner's AND combination
 *   (`domAndDow`) is the Quartz meaning — "the other field decides" — without relying on croner
 *   recognising which wildcard-like field (`*`, `?`) should drop out of an OR.
 * - 5 fields (Vixie cron: `min hour day-of-month month day-of-week`, seconds = 0): day-of-week
 *   numbers are 0=SUN..6=SAT (7 is SUN too), and restricting both day fields means either one
 *   matches (OR), as every Unix crontab does.
 * Names (MON, JAN) mean the same in both and are the unambiguous way to write days.
 */
import { Cron, type CronOptions } from 'croner';

export const ACCEPTED_CRON_FORMS =
  'Accepted forms: 6 fields "second minute hour day-of-month month day-of-week" (e.g. "0 0 2 * * ?", "*/10 * * * * *"), ' +
  'the same with a 7th year field (e.g. "0 0 2 ? * MON 2026"), classic 5 fields "minute hour day-of-month month day-of-week" ' +
  '(e.g. "30 2 * * 1-5", seconds = 0), or one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly. ' +
  'Fields take numbers, names (JAN-DEC, SUN-SAT), *, ?, lists (a,b), ranges (a-b) and steps (*/n, a/n, a-b/n); ' +
  'day-of-month also L, L-n, LW and nW; day-of-week also nL and n#k';

/** A cron expression that cannot be used; the message names the setting, the expression and the problem. */
export class CronError extends Error {
  override readonly name = 'CronError';
  constructor(
    /** The setting the expression came from, e.g. "interval-cron". */
    readonly field: string,
    readonly expression: string,
    /** What is wrong, without the field and expression around it. */
    readonly problem: string,
  ) {
    super(`${field} ${JSON.stringify(expression)} is not a valid cron schedule: ${problem}. ${ACCEPTED_CRON_FORMS}.`);
  }
}

export interface CronSchedule {
  /** The expression as given (surrounding whitespace removed). */
  readonly expression: string;
  /** IANA zone the expression is read in; undefined = the machine's local time. */
  readonly timezone: string | undefined;
  /** The first slot strictly after `afterMs`, or undefined if the schedule never fires again. */
  next(afterMs: number): number | undefined;
  /** Up to `n` slots strictly after `afterMs`, in order (fewer if the schedule ends). */
  nextN(afterMs: number, n: number): number[];
  /** The latest slot at or before `atMs`, or undefined if there is none. */
  latest(atMs: number): number | undefined;
}

export interface CronParseOptions {
  /** IANA time zone, e.g. "Europe/Berlin" or "UTC". Absent: the machine's local time. */
  timezone?: string;
}

/** Parses a cron expression; throws CronError naming `field` when it cannot be used. */
export function parseCron(expression: string, field = 'interval-cron', opts: CronParseOptions = {}): CronSchedule {
  if (typeof expression !== 'string') throw new CronError(field, String(expression), `expected a string, got ${typeof expression}`);
  const given = expression.trim();
  const fail = (problem: string): never => {
    throw new CronError(field, given, problem);
  };
  if (given === '') fail('it is empty');
  const timezone = opts.timezone;
  if (timezone !== undefined && !isTimeZone(timezone)) fail(`the time zone ${JSON.stringify(timezone)} is not an IANA time zone (e.g. Europe/Berlin, UTC)`);

  const text = given.startsWith('@') ? expandNickname(given, fail) : given.replace(/\s+/g, ' ');
  const parts = text.split(' ');
  if (parts.length < 5 || parts.length > 7) fail(`it has ${parts.length} field${parts.length === 1 ? '' : 's'}; expected 5, 6 or 7`);
  const dialect: Dialect = parts.length === 5 ? 'classic' : 'quartz';
  const specs = dialect === 'classic' ? CLASSIC_FIELDS : QUARTZ_FIELDS;

  let lastDayOffset: number | undefined;
  const pattern = parts.map((part, i) => {
    const spec = specs[i]!;
    const checked = checkField(spec, part, dialect);
    if (typeof checked === 'string') return fail(checked);
    if (checked.lastDayOffset !== undefined) lastDayOffset = checked.lastDayOffset;
    return checked.pattern;
  });

  if (dialect === 'quartz') {
    const dom = parts[3]!;
    const dow = parts[5]!;
    if (!isWildcard(dom) && !isWildcard(dow)) {
      fail(`day-of-month "${dom}" and day-of-week "${dow}" are both set; in the 6/7-field (Quartz) form one of them must be "?"`);
    }
  }

  const options: CronOptions = {
    paused: true,
    mode: parts.length === 5 ? '5-part' : parts.length === 6 ? '6-part' : '7-part',
    alternativeWeekdays: dialect === 'quartz',
    domAndDow: dialect === 'quartz',
    // Quartz writes a step from a start value, "0/15" or "5/15" (5, 20, 35, 50); croner calls
    // that sloppy. Bare "/15" is refused by checkField before croner sees it.
    sloppyRanges: true,
    ...(timezone !== undefined ? { timezone } : {}),
  };
  let cron: Cron;
  try {
    cron = new Cron(pattern.join(' '), options);
  } catch (err) {
    return fail(cronerProblem(err));
  }
  const schedule = new CroneredSchedule(given, timezone, cron, lastDayOffset);
  // A date that does not exist (30 February) would otherwise be accepted and silently never run.
  if (schedule.next(Date.UTC(1970, 0, 1)) === undefined) fail('it never matches a real date');
  return schedule;
}

/** For schema refinements: the CronError message, or undefined when the expression is usable. */
export function validateCron(expression: string, field = 'interval-cron', opts: CronParseOptions = {}): string | undefined {
  try {
    parseCron(expression, field, opts);
    return undefined;
  } catch (err) {
    if (err instanceof CronError) return err.message;
    throw err;
  }
}

type Dialect = 'quartz' | 'classic';

interface FieldSpec {
  name: string;
  kind: 'plain' | 'day-of-month' | 'month' | 'day-of-week' | 'year';
  min: number;
  max: number;
}

const QUARTZ_FIELDS: readonly FieldSpec[] = [
  { name: 'second', kind: 'plain', min: 0, max: 59 },
  { name: 'minute', kind: 'plain', min: 0, max: 59 },
  { name: 'hour', kind: 'plain', min: 0, max: 23 },
  { name: 'day-of-month', kind: 'day-of-month', min: 1, max: 31 },
  { name: 'month', kind: 'month', min: 1, max: 12 },
  { name: 'day-of-week', kind: 'day-of-week', min: 1, max: 7 },
  // Quartz's documented year range; go-quartz (ABS) accepts a superset, so whatever passes here passes there.
  { name: 'year', kind: 'year', min: 1970, max: 2099 },
];

const CLASSIC_FIELDS: readonly FieldSpec[] = [
  { name: 'minute', kind: 'plain', min: 0, max: 59 },
  { name: 'hour', kind: 'plain', min: 0, max: 23 },
  { name: 'day-of-month', kind: 'day-of-month', min: 1, max: 31 },
  { name: 'month', kind: 'month', min: 1, max: 12 },
  { name: 'day-of-week', kind: 'day-of-week', min: 0, max: 7 },
];

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** Written out in the 6-field form; @weekly is Sunday midnight in ABS as in Vixie cron. */
const NICKNAMES: Readonly<Record<string, string>> = {
  '@yearly': '0 0 0 1 1 ?',
  '@annually': '0 0 0 1 1 ?',
  '@monthly': '0 0 0 1 * ?',
  '@weekly': '0 0 0 ? * SUN',
  '@daily': '0 0 0 * * ?',
  '@midnight': '0 0 0 * * ?',
  '@hourly': '0 0 * * * ?',
};

function expandNickname(text: string, fail: (problem: string) => never): string {
  const expanded = NICKNAMES[text.toLowerCase()];
  if (expanded === undefined) return fail(`unknown shorthand ${JSON.stringify(text)}; the shorthands are ${Object.keys(NICKNAMES).join(', ')}`);
  return expanded;
}

function isWildcard(field: string): boolean {
  return field === '*' || field === '?';
}

interface CheckedField {
  /** The field as croner should read it. */
  pattern: string;
  /** For a day-of-month "L-n": n, applied as a filter after croner (croner has no L-n). */
  lastDayOffset?: number;
}

const VALUE = '(\\d+|[A-Za-z]+)';
const GENERIC_ITEM = new RegExp(`^(?:([*?])|${VALUE}(?:-${VALUE})?)(?:/(\\d*))?$`);

/** Checks one field; returns the problem as text, or the field to hand to croner. */
function checkField(spec: FieldSpec, text: string, dialect: Dialect): CheckedField | string {
  const where = `the ${spec.name} field "${text}"`;
  if (spec.kind === 'day-of-month') {
    const upper = text.toUpperCase();
    const lastMinus = /^L-(\d+)$/.exec(upper);
    if (lastMinus) {
      const n = Number(lastMinus[1]);
      if (n > 30) return `${where} asks for ${n} days before the last day of the month; use L-0 to L-30`;
      if (n === 0) return { pattern: 'L' };
      // croner gets every day that can be "n before the last" in some month; next()/latest() keep the right one.
      return { pattern: `${Math.max(1, 28 - n)}-${31 - n}`, lastDayOffset: n };
    }
    if (upper === 'L' || upper === 'LW') return { pattern: upper };
    const nearestWeekday = /^(\d+)W$/.exec(upper);
    if (nearestWeekday) {
      const day = Number(nearestWeekday[1]);
      if (day < 1 || day > 31) return `${where}: ${day}W needs a day of the month from 1 to 31`;
      return { pattern: upper };
    }
    if (/[LW]/.test(upper)) return `${where}: L, L-n, LW and nW must stand alone in day-of-month`;
  }
  if (spec.kind === 'day-of-week') {
    const upper = text.toUpperCase();
    // Quartz: "L" alone in day-of-week is the last day of the week, Saturday.
    if (upper === 'L') return { pattern: 'SAT' };
    const last = /^(\d+|[A-Z]+)L$/.exec(upper);
    if (last) {
      const problem = checkValue(spec, last[1]!, where, dialect);
      return typeof problem === 'string' ? problem : { pattern: upper };
    }
    const nth = /^(\d+|[A-Z]+)#(\d+)$/.exec(upper);
    if (nth) {
      const problem = checkValue(spec, nth[1]!, where, dialect);
      if (typeof problem === 'string') return problem;
      const k = Number(nth[2]);
      if (k < 1 || k > 5) return `${where}: "#${nth[2]}" asks for occurrence ${k} in the month; use #1 to #5`;
      return { pattern: upper };
    }
    if (upper.includes('#')) return `${where}: n#k (the k-th given weekday of the month) must stand alone in day-of-week`;
  }

  for (const item of text.split(',')) {
    if (item === '') return `${where} has an empty list entry`;
    const m = GENERIC_ITEM.exec(item);
    if (!m) {
      if (item.startsWith('/')) return `${where}: the step "${item}" has no start; write */n or start/n, e.g. 0${item}`;
      return `${where} is not understood at "${item}"`;
    }
    const [, wildcard, fromText, toText, stepText] = m;
    if (stepText !== undefined) {
      if (stepText === '') return `${where}: the step in "${item}" has no number after "/"`;
      const step = Number(stepText);
      if (step < 1) return `${where}: the step in "${item}" must be at least 1`;
      const span = spec.max - spec.min + 1;
      if (step > span) return `${where}: the step ${step} in "${item}" is larger than the field's whole range (${spec.min}-${spec.max})`;
    }
    if (wildcard !== undefined) continue;
    const from = checkValue(spec, fromText!, where, dialect);
    if (typeof from === 'string') return from;
    if (toText !== undefined) {
      const to = checkValue(spec, toText, where, dialect);
      if (typeof to === 'string') return to;
      if (to < from) return `${where}: the range "${item}" runs backwards; ranges cannot wrap around, so split it into a list`;
    }
  }
  return { pattern: text };
}

/** A single value of a field: its number, or the problem. */
function checkValue(spec: FieldSpec, text: string, where: string, dialect: Dialect): number | string {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n >= spec.min && n <= spec.max) return n;
    if (spec.kind === 'day-of-week' && dialect === 'quartz') {
      return `${where}: ${n} is not a day of the week; in the 6/7-field (Quartz) form days are 1=SUN to 7=SAT, or use the names SUN-SAT`;
    }
    return `${where}: ${n} is out of range (${spec.min}-${spec.max})`;
  }
  const names = spec.kind === 'month' ? MONTH_NAMES : spec.kind === 'day-of-week' ? DAY_NAMES : undefined;
  const upper = text.toUpperCase();
  if (names?.includes(upper)) return names.indexOf(upper) + (spec.kind === 'month' || dialect === 'quartz' ? 1 : 0);
  if (names) return `${where}: "${text}" is not a ${spec.kind === 'month' ? 'month name (JAN-DEC)' : 'day name (SUN-SAT)'}`;
  return `${where}: "${text}" is not a number`;
}

/** croner's own wording, minus its class-name prefix, for what checkField does not catch first. */
function cronerProblem(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/^Cron(Pattern|Date)?: /, '').replace(/\.$/, '');
}

function isTimeZone(tz: string): boolean {
  if (tz.trim() === '') return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

// Enough to cross any stretch of months in which an "L-n" day does not exist (L-30 exists only in
// 31-day months), with a bound so that a schedule with no such day cannot loop forever.
const MAX_FILTERED_CANDIDATES = 200;

class CroneredSchedule implements CronSchedule {
  private readonly dayOfMonth: ((d: Date) => { year: number; month: number; day: number }) | undefined;

  constructor(
    readonly expression: string,
    readonly timezone: string | undefined,
    private readonly cron: Cron,
    /** "L-n" in day-of-month: keep only matches n days before the month's last day. */
    private readonly lastDayOffset: number | undefined,
  ) {
    if (lastDayOffset !== undefined) this.dayOfMonth = calendarDate(timezone);
  }

  next(afterMs: number): number | undefined {
    let cursor = new Date(afterMs);
    for (let i = 0; i < MAX_FILTERED_CANDIDATES; i++) {
      const d = this.cron.nextRun(cursor);
      if (!d) return undefined;
      if (this.keeps(d)) return d.getTime();
      cursor = d;
    }
    return undefined;
  }

  nextN(afterMs: number, n: number): number[] {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`nextN: n must be a non-negative integer, got ${n}`);
    const out: number[] = [];
    let cursor = afterMs;
    while (out.length < n) {
      const t = this.next(cursor);
      if (t === undefined) break;
      out.push(t);
      cursor = t;
    }
    return out;
  }

  latest(atMs: number): number | undefined {
    // previousRuns is strictly before its reference; +1 ms makes "at" inclusive.
    let cursor = new Date(atMs + 1);
    for (let i = 0; i < MAX_FILTERED_CANDIDATES; i++) {
      const d = this.cron.previousRuns(1, cursor)[0];
      if (!d) return undefined;
      if (this.keeps(d)) return d.getTime();
      cursor = d;
    }
    return undefined;
  }

  private keeps(d: Date): boolean {
    if (this.lastDayOffset === undefined || !this.dayOfMonth) return true;
    const { year, month, day } = this.dayOfMonth(d);
    const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
    return day === daysInMonth - this.lastDayOffset;
  }
}

/** The calendar date of an instant in a zone (local time when undefined); month is 1-12. */
function calendarDate(timezone: string | undefined): (d: Date) => { year: number; month: number; day: number } {
  if (timezone === undefined) return (d) => ({ year: d.getFullYear(), month: d.getMonth() + 1, day: d.getDate() });
  const format = new Intl.DateTimeFormat('en-US', { timeZone: timezone, year: 'numeric', month: 'numeric', day: 'numeric' });
  return (d) => {
    const parts = format.formatToParts(d);
    const get = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value);
    return { year: get('year'), month: get('month'), day: get('day') };
  };
}
