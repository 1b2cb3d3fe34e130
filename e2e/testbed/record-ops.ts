/** Single-record semantics (wire protocol §8), shared by single commands and batch rows. */
import { Particle } from '../../electron/core/model/record.js';
import { Info1, Info2, Info3, OpType, type Op } from '../../electron/core/wire/message.js';
import { ResultCode } from '../../electron/core/wire/result-code.js';
import type { NodeInfo, TestbedCluster } from './cluster.js';
import type { EvalContext } from './expressions.js';
import { recordSize, type NamespaceStore, type StoredBin, type StoredRecord } from './store.js';

export interface RecordCommand {
  info1: number;
  info2: number;
  info3: number;
  generation: number;
  ttl: number;
  store: NamespaceStore;
  set: string;
  digest: Buffer;
  key: { type: number; data: Buffer } | null;
  ops: Op[];
  filter?: (ctx: EvalContext) => boolean;
}

export interface ResultBin {
  op: number;
  name: string;
  type: number;
  data: Buffer;
}

export interface RecordResult {
  resultCode: number;
  generation: number;
  voidTime: number;
  bins: ResultBin[];
}

const TTL_NEVER = 0xffffffff;
const TTL_KEEP = 0xfffffffe;
const MAX_TTL_SECONDS = 10 * 365 * 24 * 3600;
const EMPTY = Buffer.alloc(0);

function fail(code: number): RecordResult {
  return { resultCode: code, generation: 0, voidTime: 0, bins: [] };
}

export function evalContext(cluster: TestbedCluster, record: StoredRecord): EvalContext {
  return { record, nowMs: cluster.clock.nowMs(), nowLut: cluster.clock.citrusleafMs(), nowSeconds: cluster.clock.citrusleafSeconds() };
}

export function allBins(r: StoredRecord, op: number = OpType.READ): ResultBin[] {
  const out: ResultBin[] = [];
  for (const [name, b] of r.bins) out.push({ op, name, type: b.type, data: b.data });
  return out;
}

function hasWrite(cmd: RecordCommand): boolean {
  return (cmd.info2 & Info2.WRITE) !== 0;
}

export function executeRecord(cluster: TestbedCluster, node: NodeInfo, cmd: RecordCommand): RecordResult {
  const existing = cmd.store.get(cmd.digest);
  if (cmd.filter && existing && !cmd.filter(evalContext(cluster, existing))) return fail(ResultCode.FILTERED_OUT);
  if (!hasWrite(cmd)) return read(cmd, existing);

  const injected = cluster.injectWriteFailure(node);
  if (injected) return fail(injected);
  node.stats.writes++;

  if (cmd.info2 & Info2.DELETE) {
    if (!existing) return fail(ResultCode.KEY_NOT_FOUND);
    cmd.store.delete(cmd.digest);
    return { resultCode: 0, generation: 0, voidTime: 0, bins: [] };
  }
  if (existing) {
    if (cmd.info2 & Info2.CREATE_ONLY) return fail(ResultCode.KEY_EXISTS);
    if (cmd.info2 & Info2.GENERATION && existing.generation !== cmd.generation) return fail(ResultCode.GENERATION);
    if (cmd.info2 & Info2.GENERATION_GT && cmd.generation <= existing.generation) return fail(ResultCode.GENERATION);
  } else if (cmd.info3 & (Info3.UPDATE_ONLY | Info3.REPLACE_ONLY)) {
    return fail(ResultCode.KEY_NOT_FOUND);
  }

  const now = cluster.clock.citrusleafSeconds();
  const replace = (cmd.info3 & (Info3.CREATE_OR_REPLACE | Info3.REPLACE_ONLY)) !== 0;
  const bins = new Map<string, StoredBin>(existing && !replace ? existing.bins : []);
  const respondAll = (cmd.info2 & Info2.RESPOND_ALL_OPS) !== 0;
  const results: ResultBin[] = [];
  let touched = false;
  let deleted = false;

  for (const op of cmd.ops) {
    if (Buffer.byteLength(op.name) > 15) return fail(ResultCode.BIN_NAME);
    switch (op.op) {
      case OpType.READ:
        if (op.name === '') for (const [name, b] of bins) results.push({ op: op.op, name, type: b.type, data: b.data });
        else {
          const b = bins.get(op.name);
          if (b) results.push({ op: op.op, name: op.name, type: b.type, data: b.data });
          else if (respondAll) results.push({ op: op.op, name: op.name, type: Particle.NIL, data: EMPTY });
        }
        continue;
      case OpType.WRITE:
        if (op.particleType === Particle.NIL) bins.delete(op.name);
        else bins.set(op.name, { type: op.particleType, data: Buffer.from(op.value) });
        break;
      case OpType.INCR: {
        const cur = bins.get(op.name);
        if (op.particleType !== Particle.INTEGER && op.particleType !== Particle.FLOAT) return fail(ResultCode.PARAMETER);
        if (cur && cur.type !== op.particleType) return fail(ResultCode.BIN_TYPE);
        const data = Buffer.alloc(8);
        if (op.particleType === Particle.INTEGER) {
          const add = op.value.readBigInt64BE(0);
          data.writeBigInt64BE(BigInt.asIntN(64, (cur ? cur.data.readBigInt64BE(0) : 0n) + add));
        } else data.writeDoubleBE((cur ? cur.data.readDoubleBE(0) : 0) + op.value.readDoubleBE(0));
        bins.set(op.name, { type: op.particleType, data });
        break;
      }
      case OpType.APPEND:
      case OpType.PREPEND: {
        const cur = bins.get(op.name);
        if (op.particleType !== Particle.STRING && op.particleType !== Particle.BLOB) return fail(ResultCode.PARAMETER);
        if (cur && cur.type !== op.particleType) return fail(ResultCode.BIN_TYPE);
        const parts = cur ? (op.op === OpType.APPEND ? [cur.data, op.value] : [op.value, cur.data]) : [op.value];
        bins.set(op.name, { type: op.particleType, data: Buffer.concat(parts) });
        break;
      }
      case OpType.TOUCH:
        if (!existing) return fail(ResultCode.KEY_NOT_FOUND);
        touched = true;
        break;
      case OpType.DELETE:
        bins.clear();
        deleted = true;
        break;
      default:
        // CDT, bit, HLL and expression operations are not modelled by the testbed.
        return fail(ResultCode.UNSUPPORTED_FEATURE);
    }
    if (respondAll) results.push({ op: op.op, name: op.name, type: Particle.NIL, data: EMPTY });
  }

  if (bins.size === 0 && !touched) {
    if (!existing && !deleted) return fail(ResultCode.KEY_NOT_FOUND);
    if (existing) cmd.store.delete(cmd.digest);
    return { resultCode: 0, generation: 0, voidTime: 0, bins: results };
  }

  let voidTime: number;
  const ttl = cmd.ttl >>> 0;
  if (ttl === 0 || ttl === TTL_NEVER) voidTime = 0;
  else if (ttl === TTL_KEEP) voidTime = existing && !deleted ? existing.voidTime : 0;
  else if (ttl > MAX_TTL_SECONDS) return fail(ResultCode.PARAMETER);
  else voidTime = now + ttl;

  const prevGen = existing && !deleted ? existing.generation : 0;
  const record: StoredRecord = {
    digest: existing ? existing.digest : Buffer.from(cmd.digest),
    set: cmd.set || existing?.set || '',
    key: cmd.key ?? existing?.key ?? null,
    bins,
    // Generations wrap within 16 bits and skip 0, as the server's do.
    generation: prevGen >= 0xffff ? 1 : prevGen + 1,
    voidTime,
    lut: cluster.clock.citrusleafMs(),
  };
  if (recordSize(record) > cluster.maxRecordSize) return fail(ResultCode.RECORD_TOO_BIG);
  cmd.store.put(record);
  return { resultCode: 0, generation: record.generation, voidTime, bins: results };
}

function read(cmd: RecordCommand, r: StoredRecord | undefined): RecordResult {
  if (!r) return fail(ResultCode.KEY_NOT_FOUND);
  const base = { resultCode: 0, generation: r.generation, voidTime: r.voidTime };
  if (cmd.info1 & Info1.NOBINDATA) return { ...base, bins: [] };
  if (cmd.info1 & Info1.GET_ALL) return { ...base, bins: allBins(r) };
  const bins: ResultBin[] = [];
  for (const op of cmd.ops) {
    if (op.op !== OpType.READ) return fail(ResultCode.UNSUPPORTED_FEATURE);
    if (op.name === '') bins.push(...allBins(r));
    else {
      const b = r.bins.get(op.name);
      if (b) bins.push({ op: OpType.READ, name: op.name, type: b.type, data: b.data });
      else if (cmd.info2 & Info2.RESPOND_ALL_OPS) bins.push({ op: OpType.READ, name: op.name, type: Particle.NIL, data: EMPTY });
    }
  }
  return { ...base, bins };
}
