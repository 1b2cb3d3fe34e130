/** Fault injection knobs, settable at start or at run time through the `testbed-fault` info command. */
export interface FaultConfig {
  /** Destroy the connection after this many records of a scan have been sent. */
  dropScanAfter: number;
  /** How many more scans may still be dropped (each drop uses one). */
  dropScanTimes: number;
  /** Delay every data response by this many milliseconds. */
  delayMs: number;
  /** Share of writes (0…1) answered with `failWriteCode` without being applied. */
  failWriteFraction: number;
  failWriteCode: number;
}

export function defaultFaults(): FaultConfig {
  return { dropScanAfter: 0, dropScanTimes: 0, delayMs: 0, failWriteFraction: 0, failWriteCode: 1 };
}

const KEYS: Record<string, keyof FaultConfig> = {
  'drop-scan-after': 'dropScanAfter',
  'drop-scan-times': 'dropScanTimes',
  'delay-ms': 'delayMs',
  'fail-write-fraction': 'failWriteFraction',
  'fail-write-code': 'failWriteCode',
};

/**
 * Applies `key=value` pairs; `clear` resets everything. Throws with the offending key named, and
 * then changes nothing (all pairs are checked before any is applied).
 */
export function applyFaultParams(target: FaultConfig, params: Map<string, string>): void {
  const f: FaultConfig = { ...target };
  for (const [k, v] of params) {
    if (k === 'clear') {
      Object.assign(f, defaultFaults());
      continue;
    }
    const field = KEYS[k];
    if (!field) throw new Error(`unknown fault parameter '${k}' (known: ${Object.keys(KEYS).join(', ')}, clear)`);
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`fault parameter '${k}' must be a non-negative number, got '${v}'`);
    if (field === 'failWriteFraction' && n > 1) throw new Error(`fault parameter '${k}' must be between 0 and 1`);
    f[field] = n;
  }
  if (f.dropScanAfter > 0 && f.dropScanTimes === 0 && params.has('drop-scan-after')) f.dropScanTimes = 1;
  Object.assign(target, f);
}

export function describeFaults(f: FaultConfig): string {
  return Object.entries(KEYS)
    .map(([k, field]) => `${k}=${f[field]}`)
    .join(';');
}

/** Deterministic PRNG (xorshift32) so a failing-write test is reproducible. */
export class SeededRandom {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.s = x;
    return x / 0x100000000;
  }
}
