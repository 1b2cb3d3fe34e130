/** Numbers for people: 1,204,331 records; 1.2 GB; 48 s; "3 min ago". Pure, so tests run without a DOM. */

const intFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatCount(n: number | undefined): string {
  return n === undefined ? '—' : intFmt.format(n);
}

export function formatBytes(n: number | undefined): string {
  if (n === undefined) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? v : v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

/** 48 s · 3 min 20 s · 2 h 5 min · 3 d 4 h */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms > 0 && ms < 1000) return '<1 s';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** "just now", "3 min ago", "in 2 h", "5 d ago". */
export function formatRelative(ms: number, now: number): string {
  const diff = ms - now;
  const a = Math.abs(diff);
  if (a < 45_000) return diff <= 0 ? 'just now' : 'in a moment';
  const text = formatDuration(a).replace(/ \d+ (s|min|h)$/, '');
  return diff < 0 ? `${text} ago` : `in ${text}`;
}

/** Local date and time, to the second: "Jun 1, 14:02:11"; the year only when not this year. */
// One formatter each, made once: toLocaleString with options builds a new one per call, which a
// list of thousands of backups turns into most of a frame's time.
const TIME = { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false } as const;
const timeFmt = new Intl.DateTimeFormat('en-GB', TIME);
const timeYearFmt = new Intl.DateTimeFormat('en-GB', { ...TIME, year: 'numeric' });
const clockFmt = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

export function formatTime(ms: number, now = Date.now()): string {
  const d = new Date(ms);
  const sameYear = d.getFullYear() === new Date(now).getFullYear();
  return (sameYear ? timeFmt : timeYearFmt).format(d);
}

export function formatClock(ms: number): string {
  return clockFmt.format(new Date(ms));
}

export function formatRate(perSecond: number | undefined, unit = 'rec/s'): string {
  return perSecond === undefined ? '—' : `${formatCount(Math.round(perSecond))} ${unit}`;
}

/** Remaining time from progress: records left at the current rate. */
export function etaMs(total: number, done: number, perSecond: number): number | undefined {
  if (perSecond <= 0 || total <= done) return undefined;
  return ((total - done) / perSecond) * 1000;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}
