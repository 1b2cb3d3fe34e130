/**
 * Builds packed filter expressions (wire protocol §11) for the scans the engine sends: time
 * windows on last-update, set lists. Each helper returns encoded msgpack, composable as is.
 */
import { MpWriter } from '../wire/msgpack.js';

export type Exp = Buffer;

function call(op: number, args: Exp[]): Exp {
  const w = new MpWriter().listHeader(args.length + 1).int(op);
  for (const a of args) w.encoded(a);
  return w.toBuffer();
}

export const exp = {
  int: (v: bigint | number): Exp => new MpWriter().int(v).toBuffer(),
  str: (s: string): Exp => new MpWriter().string(s).toBuffer(),
  eq: (a: Exp, b: Exp): Exp => call(1, [a, b]),
  ne: (a: Exp, b: Exp): Exp => call(2, [a, b]),
  gt: (a: Exp, b: Exp): Exp => call(3, [a, b]),
  ge: (a: Exp, b: Exp): Exp => call(4, [a, b]),
  lt: (a: Exp, b: Exp): Exp => call(5, [a, b]),
  le: (a: Exp, b: Exp): Exp => call(6, [a, b]),
  /** A single operand is returned bare, as asbackup sends it. */
  and: (...xs: Exp[]): Exp => (xs.length === 1 ? xs[0]! : call(16, xs)),
  or: (...xs: Exp[]): Exp => (xs.length === 1 ? xs[0]! : call(17, xs)),
  not: (x: Exp): Exp => call(18, [x]),
  /** Last-update time in nanoseconds since the Unix epoch. */
  lastUpdate: (): Exp => call(66, []),
  voidTime: (): Exp => call(68, []),
  setName: (): Exp => call(70, []),
};

/** Records changed in [fromMs, toMs) (Unix milliseconds), as incremental backups select them. */
export function modifiedWindow(fromMs?: number, toMs?: number): Exp | undefined {
  const parts: Exp[] = [];
  if (fromMs !== undefined) parts.push(exp.ge(exp.lastUpdate(), exp.int(BigInt(fromMs) * 1_000_000n)));
  if (toMs !== undefined) parts.push(exp.lt(exp.lastUpdate(), exp.int(BigInt(toMs) * 1_000_000n)));
  return parts.length ? exp.and(...parts) : undefined;
}

/** Records in any of `sets` (one set name per comparison, joined by or). */
export function inSets(sets: string[]): Exp | undefined {
  if (sets.length === 0) return undefined;
  return exp.or(...sets.map((s) => exp.eq(exp.setName(), exp.str(s))));
}
