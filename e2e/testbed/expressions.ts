/**
 * Filter-expression evaluation (wire protocol §11) over a stored record. Unknown values (missing
 * bins, type mismatches) propagate with three-valued logic; a filter passes only on `true`.
 */
import { Particle } from '../../electron/core/model/record.js';
import { MpExt, MpMap, unpack, type MpValue } from '../../electron/core/wire/msgpack.js';
import { citrusleafMsToUnixNs } from './clock.js';
import { recordSize, type StoredRecord } from './store.js';

export type Value =
  | { t: 'int'; v: bigint }
  | { t: 'float'; v: number }
  | { t: 'str'; v: Buffer }
  | { t: 'blob'; v: Buffer }
  | { t: 'bool'; v: boolean }
  | { t: 'geo'; v: Buffer }
  | { t: 'list'; v: Buffer }
  | { t: 'map'; v: Buffer }
  | { t: 'hll'; v: Buffer }
  | { t: 'nil' };

const UNKNOWN = Symbol('unknown');
type Result = Value | typeof UNKNOWN;

export class ExpressionError extends Error {
  override name = 'ExpressionError';
}

export interface EvalContext {
  record: StoredRecord;
  nowMs: number;
  /** Current time in citrusleaf milliseconds, for since-update. */
  nowLut: number;
  nowSeconds: number;
}

/** Compiled filter: decode once per request, evaluate per record. */
export function compileFilter(bytes: Buffer): (ctx: EvalContext) => boolean {
  let tree: MpValue;
  try {
    tree = unpack(bytes).value;
  } catch (err) {
    throw new ExpressionError(`malformed filter expression: ${(err as Error).message}`);
  }
  return (ctx) => {
    const r = evaluate(tree, ctx, new Map());
    if (r === UNKNOWN) return false;
    if (r.t !== 'bool') throw new ExpressionError('filter expression does not evaluate to a boolean');
    return r.v;
  };
}

const B_TRUE: Value = { t: 'bool', v: true };
const B_FALSE: Value = { t: 'bool', v: false };

function literal(v: MpValue): Value {
  if (v === null) return { t: 'nil' };
  if (typeof v === 'boolean') return v ? B_TRUE : B_FALSE;
  if (typeof v === 'bigint') return { t: 'int', v };
  if (typeof v === 'number') return { t: 'float', v };
  if (Buffer.isBuffer(v)) {
    if (v.length === 0) return { t: 'blob', v };
    const type = v[0]!;
    const data = v.subarray(1);
    if (type === Particle.STRING) return { t: 'str', v: data };
    if (type === Particle.GEOJSON) return { t: 'geo', v: data };
    return { t: 'blob', v: data };
  }
  if (v instanceof MpMap) throw new ExpressionError('map literals are not supported by the testbed');
  if (v instanceof MpExt) throw new ExpressionError('extension literals are not supported by the testbed');
  throw new ExpressionError('unexpected literal');
}

function num(v: MpValue | undefined): number {
  if (typeof v !== 'bigint') throw new ExpressionError('expected an integer argument');
  return Number(v);
}

function plainString(v: MpValue | undefined): string {
  if (!Buffer.isBuffer(v)) throw new ExpressionError('expected a string argument');
  return v.toString('utf8');
}

/** Converts a stored bin to an expression value. */
export function binValue(type: number, data: Buffer): Value {
  switch (type) {
    case Particle.INTEGER:
      return { t: 'int', v: data.length === 8 ? data.readBigInt64BE(0) : 0n };
    case Particle.FLOAT:
      return { t: 'float', v: data.readDoubleBE(0) };
    case Particle.STRING:
      return { t: 'str', v: data };
    case Particle.BOOL:
      return data[0] ? B_TRUE : B_FALSE;
    case Particle.GEOJSON: {
      const cells = data.readUInt16BE(1);
      return { t: 'geo', v: data.subarray(3 + cells * 8) };
    }
    case Particle.LIST:
      return { t: 'list', v: data };
    case Particle.MAP:
      return { t: 'map', v: data };
    case Particle.HLL:
      return { t: 'hll', v: data };
    default:
      return { t: 'blob', v: data };
  }
}

/** Expression type numbers (§11.1) to our value tags. */
const EXP_TYPE: Record<number, Value['t']> = { 0: 'nil', 1: 'bool', 2: 'int', 3: 'str', 4: 'list', 5: 'map', 6: 'blob', 7: 'float', 8: 'geo', 9: 'hll' };

function compare(a: Value, b: Value): number | typeof UNKNOWN {
  if (a.t === 'nil' || b.t === 'nil') return a.t === b.t ? 0 : UNKNOWN;
  if (a.t !== b.t) return UNKNOWN;
  switch (a.t) {
    case 'int':
      return a.v < (b as typeof a).v ? -1 : a.v > (b as typeof a).v ? 1 : 0;
    case 'float': {
      const y = (b as typeof a).v;
      return a.v < y ? -1 : a.v > y ? 1 : a.v === y ? 0 : UNKNOWN;
    }
    case 'bool':
      return Number(a.v) - Number((b as typeof a).v);
    default:
      return Buffer.compare(a.v, (b as { v: Buffer }).v);
  }
}

function arith(op: number, args: Value[]): Result {
  if (args.length === 0) throw new ExpressionError('arithmetic needs arguments');
  const kind = args[0]!.t;
  if (kind !== 'int' && kind !== 'float') return UNKNOWN;
  if (args.some((a) => a.t !== kind)) return UNKNOWN;
  if (kind === 'int') {
    const xs = args.map((a) => (a as { v: bigint }).v);
    let acc = xs[0]!;
    for (const x of xs.slice(1)) {
      if (op === 20) acc += x;
      else if (op === 21) acc -= x;
      else if (op === 22) acc *= x;
      else if (op === 23) {
        if (x === 0n) return UNKNOWN;
        acc /= x;
      }
    }
    if (op === 21 && xs.length === 1) acc = -acc;
    return { t: 'int', v: BigInt.asIntN(64, acc) };
  }
  const xs = args.map((a) => (a as { v: number }).v);
  let acc = xs[0]!;
  for (const x of xs.slice(1)) {
    if (op === 20) acc += x;
    else if (op === 21) acc -= x;
    else if (op === 22) acc *= x;
    else if (op === 23) acc /= x;
  }
  if (op === 21 && xs.length === 1) acc = -acc;
  return { t: 'float', v: acc };
}

function evaluate(node: MpValue, ctx: EvalContext, vars: Map<string, Result>): Result {
  if (!Array.isArray(node)) return literal(node);
  if (node.length === 0) throw new ExpressionError('empty expression');
  const op = num(node[0]);
  const rec = ctx.record;
  const ev = (i: number): Result => evaluate(node[i]!, ctx, vars);
  switch (op) {
    case 1:
    case 2:
    case 3:
    case 4:
    case 5:
    case 6: {
      const a = ev(1);
      const b = ev(2);
      if (a === UNKNOWN || b === UNKNOWN) return UNKNOWN;
      const c = compare(a, b);
      if (c === UNKNOWN) return UNKNOWN;
      const r = op === 1 ? c === 0 : op === 2 ? c !== 0 : op === 3 ? c > 0 : op === 4 ? c >= 0 : op === 5 ? c < 0 : c <= 0;
      return r ? B_TRUE : B_FALSE;
    }
    case 7: {
      const flags = num(node[1]);
      const pattern = plainString(node[2]);
      const s = ev(3);
      if (s === UNKNOWN || s.t !== 'str') return UNKNOWN;
      // POSIX regcomp flags: 2 = REG_ICASE, 8 = REG_NEWLINE.
      const re = new RegExp(pattern, (flags & 2 ? 'i' : '') + (flags & 8 ? 'm' : ''));
      return re.test(s.v.toString('utf8')) ? B_TRUE : B_FALSE;
    }
    case 16:
    case 17: {
      let unknown = false;
      for (let i = 1; i < node.length; i++) {
        const r = ev(i);
        if (r === UNKNOWN) {
          unknown = true;
          continue;
        }
        if (r.t !== 'bool') throw new ExpressionError('and/or take boolean arguments');
        if (op === 16 && !r.v) return B_FALSE;
        if (op === 17 && r.v) return B_TRUE;
      }
      if (unknown) return UNKNOWN;
      return op === 16 ? B_TRUE : B_FALSE;
    }
    case 18: {
      const r = ev(1);
      if (r === UNKNOWN) return UNKNOWN;
      if (r.t !== 'bool') throw new ExpressionError('not takes a boolean argument');
      return r.v ? B_FALSE : B_TRUE;
    }
    case 19: {
      let trues = 0;
      for (let i = 1; i < node.length; i++) {
        const r = ev(i);
        if (r === UNKNOWN) return UNKNOWN;
        if (r.t === 'bool' && r.v) trues++;
      }
      return trues === 1 ? B_TRUE : B_FALSE;
    }
    case 20:
    case 21:
    case 22:
    case 23: {
      const args: Value[] = [];
      for (let i = 1; i < node.length; i++) {
        const r = ev(i);
        if (r === UNKNOWN) return UNKNOWN;
        args.push(r);
      }
      return arith(op, args);
    }
    case 26: {
      const a = ev(1);
      const b = ev(2);
      if (a === UNKNOWN || b === UNKNOWN || a.t !== 'int' || b.t !== 'int' || b.v === 0n) return UNKNOWN;
      return { t: 'int', v: a.v % b.v };
    }
    case 27: {
      const a = ev(1);
      if (a === UNKNOWN) return UNKNOWN;
      if (a.t === 'int') return { t: 'int', v: a.v < 0n ? -a.v : a.v };
      if (a.t === 'float') return { t: 'float', v: Math.abs(a.v) };
      return UNKNOWN;
    }
    case 28:
    case 29: {
      const a = ev(1);
      if (a === UNKNOWN || a.t !== 'float') return UNKNOWN;
      return { t: 'float', v: op === 28 ? Math.floor(a.v) : Math.ceil(a.v) };
    }
    case 30: {
      const a = ev(1);
      if (a === UNKNOWN || a.t !== 'float' || !Number.isFinite(a.v)) return UNKNOWN;
      return { t: 'int', v: BigInt(Math.trunc(a.v)) };
    }
    case 31: {
      const a = ev(1);
      if (a === UNKNOWN || a.t !== 'int') return UNKNOWN;
      return { t: 'float', v: Number(a.v) };
    }
    case 50:
    case 51: {
      let best: Value | undefined;
      for (let i = 1; i < node.length; i++) {
        const r = ev(i);
        if (r === UNKNOWN) return UNKNOWN;
        if (!best) best = r;
        else {
          const c = compare(r, best);
          if (c === UNKNOWN) return UNKNOWN;
          if ((op === 50 && c < 0) || (op === 51 && c > 0)) best = r;
        }
      }
      return best ?? UNKNOWN;
    }
    case 64: {
      // Node 6.7.1's exp.digestModulo() drops its argument; the real server refuses that too.
      if (node.length < 2) throw new ExpressionError('digest modulo needs its modulus');
      const n = num(node[1]);
      if (n <= 0) throw new ExpressionError('digest modulo needs a positive modulus');
      return { t: 'int', v: BigInt(rec.digest.readUInt32LE(16) % n) };
    }
    case 65:
    case 73:
    case 74:
      return { t: 'int', v: BigInt(recordSize(rec)) };
    case 66:
      return { t: 'int', v: citrusleafMsToUnixNs(rec.lut) };
    case 67:
      return { t: 'int', v: BigInt(Math.max(0, ctx.nowLut - rec.lut)) };
    case 68:
      return { t: 'int', v: rec.voidTime === 0 ? -1n : citrusleafMsToUnixNs(rec.voidTime * 1000) };
    case 69:
      return { t: 'int', v: rec.voidTime === 0 ? -1n : BigInt(Math.max(0, rec.voidTime - ctx.nowSeconds)) };
    case 70:
      return { t: 'str', v: Buffer.from(rec.set) };
    case 71:
      return rec.key ? B_TRUE : B_FALSE;
    case 72:
      return B_FALSE;
    case 80: {
      if (!rec.key) return UNKNOWN;
      const v = binValue(rec.key.type, rec.key.data);
      const want = EXP_TYPE[num(node[1])];
      return want === v.t ? v : UNKNOWN;
    }
    case 81: {
      const want = EXP_TYPE[num(node[1])];
      const bin = rec.bins.get(plainString(node[2]));
      if (!bin) return UNKNOWN;
      const v = binValue(bin.type, bin.data);
      return want === v.t ? v : UNKNOWN;
    }
    case 82: {
      const bin = rec.bins.get(plainString(node[1]));
      return { t: 'int', v: BigInt(bin ? bin.type : 0) };
    }
    case 123: {
      let i = 1;
      for (; i + 1 < node.length; i += 2) {
        const c = ev(i);
        if (c !== UNKNOWN && c.t === 'bool' && c.v) return ev(i + 1);
      }
      return i < node.length ? ev(i) : UNKNOWN;
    }
    case 124: {
      const name = plainString(node[1]);
      const v = vars.get(name);
      if (v === undefined) throw new ExpressionError(`undefined variable '${name}'`);
      return v;
    }
    case 125: {
      const scope = new Map(vars);
      let i = 1;
      for (; i + 1 < node.length; i += 2) scope.set(plainString(node[i]), evaluate(node[i + 1]!, ctx, scope));
      return evaluate(node[i]!, ctx, scope);
    }
    default:
      throw new ExpressionError(`expression op ${op} is not supported by the testbed`);
  }
}
