import { CITRUSLEAF_EPOCH_SECONDS } from '../../electron/core/model/record.js';

const CITRUSLEAF_EPOCH_MS = CITRUSLEAF_EPOCH_SECONDS * 1000;

/**
 * The testbed's notion of "now". Tests move it forward (info `testbed-clock:advance=…`) to see
 * records expire without sleeping.
 */
export class TestbedClock {
  private offsetMs = 0;

  nowMs(): number {
    return Date.now() + this.offsetMs;
  }

  /** Milliseconds since 2010-01-01Z: the unit of a record's last-update time. */
  citrusleafMs(): number {
    return this.nowMs() - CITRUSLEAF_EPOCH_MS;
  }

  /** Seconds since 2010-01-01Z: the unit of void times. */
  citrusleafSeconds(): number {
    return Math.floor(this.citrusleafMs() / 1000);
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

export function citrusleafMsToUnixNs(lutMs: number): bigint {
  return (BigInt(lutMs) + BigInt(CITRUSLEAF_EPOCH_MS)) * 1_000_000n;
}

export function unixNsToCitrusleafMs(ns: bigint): number {
  return Number(ns / 1_000_000n) - CITRUSLEAF_EPOCH_MS;
}
