import { N_PARTITIONS, partitionId } from '../../electron/core/wire/digest.js';
import type { TestbedClock } from './clock.js';

export interface StoredBin {
  type: number;
  /** The particle bytes exactly as the client sent them (GeoJSON includes its cell header). */
  data: Buffer;
}

export interface StoredRecord {
  digest: Buffer;
  /** '' when the record has no set. */
  set: string;
  /** Stored user key as particle type + bytes, or null when the key was not sent. */
  key: { type: number; data: Buffer } | null;
  bins: Map<string, StoredBin>;
  generation: number;
  /** Citrusleaf seconds; 0 = never expires. */
  voidTime: number;
  /** Last-update time, citrusleaf milliseconds. */
  lut: number;
}

/** Per-record size the server counts toward its limit: bins plus a fixed overhead. */
export function recordSize(r: StoredRecord): number {
  let n = 39 + r.set.length + (r.key ? r.key.data.length + 1 : 0);
  for (const [name, bin] of r.bins) n += name.length + bin.data.length + 5;
  return n;
}

/**
 * One namespace: 4096 partitions, each a map keyed by the digest as a latin1 string (one char per
 * byte, so string order is digest byte order, which resumed scans rely on).
 */
export class NamespaceStore {
  readonly partitions: Array<Map<string, StoredRecord>> = [];
  /**
   * Each partition's keys in digest order, kept until a record is added to or removed from it:
   * scans walk partitions in order, and sorting a large partition on every scan made the
   * testbed, not the client, the bottleneck of every scan benchmark.
   */
  private readonly order: Array<string[] | undefined> = new Array<string[] | undefined>(N_PARTITIONS);
  private count = 0;
  /**
   * Objects per set, kept as records come and go (as the server does): counting on request
   * walked every record on the testbed's one thread and stalled all traffic meanwhile. Every set
   * ever written stays listed: a real server keeps listing emptied sets with objects=0.
   */
  private readonly setCounts = new Map<string, number>();

  constructor(
    readonly name: string,
    private readonly clock: TestbedClock,
  ) {
    for (let i = 0; i < N_PARTITIONS; i++) this.partitions.push(new Map());
  }

  isExpired(r: StoredRecord, nowSeconds = this.clock.citrusleafSeconds()): boolean {
    return r.voidTime !== 0 && r.voidTime <= nowSeconds;
  }

  /** Live record for a digest; expired records are removed on sight, as the server's reaper would. */
  get(digest: Buffer): StoredRecord | undefined {
    const part = this.partitions[partitionId(digest)]!;
    const k = digest.toString('latin1');
    const r = part.get(k);
    if (r && this.isExpired(r)) {
      this.remove(part, partitionId(digest), k);
      return undefined;
    }
    return r;
  }

  put(r: StoredRecord): void {
    const part = this.partitions[partitionId(r.digest)]!;
    const k = r.digest.toString('latin1');
    const old = part.get(k);
    if (!old) {
      this.count++;
      this.order[partitionId(r.digest)] = undefined;
    } else this.countSet(old.set, -1);
    part.set(k, r);
    this.countSet(r.set, 1);
  }

  private countSet(set: string, delta: number): void {
    if (set) this.setCounts.set(set, (this.setCounts.get(set) ?? 0) + delta);
  }

  delete(digest: Buffer): boolean {
    const pid = partitionId(digest);
    return this.remove(this.partitions[pid]!, pid, digest.toString('latin1'));
  }

  private remove(part: Map<string, StoredRecord>, pid: number, k: string): boolean {
    const r = part.get(k);
    if (!r) return false;
    part.delete(k);
    this.countSet(r.set, -1);
    this.count--;
    this.order[pid] = undefined;
    return true;
  }

  /** Object count including not-yet-reaped expired records, like the server's `objects` stat. */
  objects(): number {
    return this.count;
  }

  /** Records of one partition in digest order, optionally only those after `after`. */
  partitionRecords(pid: number, after?: Buffer): StoredRecord[] {
    const part = this.partitions[pid]!;
    const keys = (this.order[pid] ??= [...part.keys()].sort());
    let i = 0;
    if (after) {
      // First key after the resume digest (latin1 strings compare in byte order).
      const from = after.toString('latin1');
      let hi = keys.length;
      while (i < hi) {
        const mid = (i + hi) >>> 1;
        if (keys[mid]! <= from) i = mid + 1;
        else hi = mid;
      }
    }
    const now = this.clock.citrusleafSeconds();
    const out: StoredRecord[] = [];
    const expired: string[] = [];
    for (; i < keys.length; i++) {
      const r = part.get(keys[i]!)!;
      if (this.isExpired(r, now)) expired.push(keys[i]!);
      else out.push(r);
    }
    for (const k of expired) this.remove(part, pid, k);
    return out;
  }

  setStats(): Map<string, number> {
    return new Map(this.setCounts);
  }

  /** Deletes records of `set` (or all when null) whose last update is strictly before `beforeLut`. */
  truncate(set: string | null, beforeLut: number): number {
    let n = 0;
    for (const part of this.partitions) {
      for (const [k, r] of part) {
        if ((set === null || r.set === set) && r.lut < beforeLut) {
          part.delete(k);
          this.countSet(r.set, -1);
          n++;
        }
      }
    }
    this.order.fill(undefined);
    this.count -= n;
    return n;
  }
}
