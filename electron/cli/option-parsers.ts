/** Parsers for CLI option values; each error names the option and the value it got. */
import { InvalidArgumentError } from 'commander';

export function int(name: string, min = 0) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}, got '${v}'`);
    return n;
  };
}

/** Repeatable, comma-separated list options. */
export function collect(v: string, prev: string[] = []): string[] {
  return [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];
}

/** Accepts Unix milliseconds or an ISO-8601 date. */
export function parseTime(name: string) {
  return (v: string): number => {
    const n = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be Unix milliseconds or an ISO-8601 time, got '${v}'`);
    return n;
  };
}
