/**
 * Doubles as asbackup prints them (C `printf("%.17g")` with glibc) and as asbackup/backup-go
 * readers accept them (strtod-style text, including `nan` and `inf`). Matching `%.17g` exactly
 * is what makes our `.asb` text byte-identical to asbackup's.
 */

const scratch = new DataView(new ArrayBuffer(8));

/**
 * Formats like C `%.17g`. `negativeNan` lets a caller holding the raw bits reproduce glibc's
 * `-nan` (a JS number cannot carry the sign of a NaN reliably).
 */
export function formatDoubleG17(v: number, negativeNan = false): string {
  if (v !== v) return negativeNan ? '-nan' : 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const neg = v < 0;
  const a = neg ? -v : v;
  // Whole numbers below 1e16 print as plain integers under %.17g; skip the exact analysis.
  if (a < 1e16 && Number.isInteger(a)) return neg ? `-${a}` : String(a);

  // a = m * 2^e with m odd.
  scratch.setFloat64(0, a);
  const hi = scratch.getUint32(0);
  const biased = (hi >>> 20) & 0x7ff;
  const lo = scratch.getUint32(4);
  const hiM = (hi & 0xfffff) | (biased === 0 ? 0 : 0x100000);
  let m = hiM * 0x100000000 + lo;
  let e = biased === 0 ? -1074 : biased - 1075;
  // Strip trailing zero bits in one step (count them with clz32 on the lowest set bit).
  const tz = lo !== 0 ? 31 - Math.clz32(lo & -lo) : 32 + (31 - Math.clz32(hiM & -hiM));
  m /= 2 ** tz;
  e += tz;

  let digits: string;
  let exp: number;
  if (e >= 0 && a <= Number.MAX_SAFE_INTEGER) {
    // Whole numbers below 2^53 have at most 16 digits: printed exactly, no rounding.
    digits = String(a);
    exp = digits.length - 1;
  } else if (e < 0 && e >= -22 && m * POW5[-e]! <= Number.MAX_SAFE_INTEGER) {
    // a = m * 5^k / 10^k exactly; with at most 16 digits no rounding is needed either.
    digits = String(m * POW5[-e]!);
    exp = digits.length - 1 + e;
  } else {
    // toExponential rounds the exact binary value correctly, but breaks exact ties upwards
    // while glibc rounds them to even; only values whose exact expansion has 18 digits tie.
    const s = a.toExponential(16);
    const ePos = s.indexOf('e');
    exp = Number(s.slice(ePos + 1));
    digits = s[0] + s.slice(2, ePos);
    if (e < 0) {
      const tie = tieDigits(m, -e, exp);
      if (tie !== null) {
        digits = tie.digits;
        exp = tie.exp;
      }
    }
  }

  let end = digits.length;
  while (end > 1 && digits.charCodeAt(end - 1) === 48) end--;
  if (end < digits.length) digits = digits.slice(0, end);

  let out: string;
  if (exp < -4 || exp >= 17) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const ae = exp < 0 ? -exp : exp;
    out = `${mant}e${exp < 0 ? '-' : '+'}${ae < 10 ? '0' : ''}${ae}`;
  } else if (exp < 0) {
    out = `0.${'0'.repeat(-exp - 1)}${digits}`;
  } else if (digits.length <= exp + 1) {
    out = digits + '0'.repeat(exp + 1 - digits.length);
  } else {
    out = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  }
  return neg ? `-${out}` : out;
}

/** Longest `%.17g` text: `-d.dddddddddddddddde-ddd`. */
export const DOUBLE_G17_MAX_CHARS = 24;

/**
 * `formatDoubleG17(v, negativeNan)` written into `buf` at `pos` (room for DOUBLE_G17_MAX_CHARS
 * bytes needed); returns the position after it. Whole numbers and values with an exact short
 * decimal expansion (what most data holds) are written digit by digit without building a
 * string; everything else goes through formatDoubleG17.
 */
export function writeDoubleG17(buf: Uint8Array, pos: number, v: number, negativeNan = false): number {
  scratch.setFloat64(0, v);
  return writeDoubleBitsG17(buf, pos, scratch.getUint32(0), scratch.getUint32(4), negativeNan);
}

/**
 * The same for a double given as its IEEE 754 bits (`hi`, `lo`: the big-endian halves, as the
 * wire carries them), which spares reading it as a number first.
 */
export function writeDoubleBitsG17(buf: Uint8Array, pos: number, hi: number, lo: number, negativeNan = false): number {
  const biased = (hi >>> 20) & 0x7ff;
  // Zero, subnormals, infinities and NaN go the long way.
  if (biased !== 0 && biased !== 0x7ff) {
    const neg = hi >>> 31 === 1;
    // |v| = m / 2^k with m odd (the mantissa without its trailing zeros).
    const hiM = (hi & 0xfffff) | 0x100000;
    const tz = lo !== 0 ? 31 - Math.clz32(lo & -lo) : 32 + (31 - Math.clz32(hiM & -hiM));
    const k = 1075 - biased - tz;
    // |v| = mantissa * 2^e, the mantissa being a 53-bit whole number.
    const e = biased - 1075;
    if (k <= 0) {
      // A whole number; past 2^54 it has more than 16 digits. Exact: scaled by a power of two.
      const a = e <= 1 ? (hiM * 0x100000000 + (lo >>> 0)) * (e < 0 ? NEG_POW2[-e]! : 2 ** e) : Infinity;
      if (a < 1e16) {
        if (neg) buf[pos++] = 45;
        return writeWholeDigits(buf, pos, a);
      }
    } else if (k <= 22) {
      // m * 5^k / 10^k: exact in at most 16 digits when that fits.
      const n = (hiM * 0x100000000 + (lo >>> 0)) * NEG_POW2[tz]! * POW5[k]!;
      if (n <= Number.MAX_SAFE_INTEGER) {
        // n is odd (m and 5^k are), so it has no trailing zeros for %.17g to strip.
        const len = digitCount(n);
        const exp = len - 1 - k;
        if (exp >= -4) {
          if (neg) buf[pos++] = 45;
          if (exp < 0) {
            buf[pos++] = 48;
            buf[pos++] = 46;
            for (let i = -exp - 1; i > 0; i--) buf[pos++] = 48;
            return writeWholeDigits(buf, pos, n);
          }
          // len digits with the point before the last k of them.
          writeDigitsBackward(buf, pos + len, n, len, k);
          return pos + len + 1;
        }
      }
    }
  }
  scratch.setUint32(0, hi);
  scratch.setUint32(4, lo);
  const text = formatDoubleG17(scratch.getFloat64(0), negativeNan);
  for (let i = 0; i < text.length; i++) buf[pos++] = text.charCodeAt(i);
  return pos;
}

/** Decimal digits of a whole number 0 <= n < 1e16. */
export function writeWholeDigits(buf: Uint8Array, pos: number, n: number): number {
  const len = digitCount(n);
  writeDigitsBackward(buf, pos + len - 1, n, len, 0);
  return pos + len;
}

/** How many decimal digits a whole number 0 <= n < 1e16 has. */
function digitCount(n: number): number {
  if (n < 0x80000000) {
    const i = n | 0;
    if (i < 100000) return i < 100 ? (i < 10 ? 1 : 2) : i < 1000 ? 3 : i < 10000 ? 4 : 5;
    return i < 10000000 ? (i < 1000000 ? 6 : 7) : i < 100000000 ? 8 : i < 1000000000 ? 9 : 10;
  }
  let len = 10;
  while (len < 16 && n >= POW10[len]!) len++;
  return len;
}

/**
 * Writes the `count` digits of the whole number 0 <= n < 1e16 backwards, the last one at
 * `buf[p]`, with a point before the last `point` digits (none when 0). Digits come from int32
 * arithmetic, which the JIT does with multiplications: `%` on a double is a call to fmod. A
 * number past int32 is split into its last eight digits and the rest first (both exact).
 */
function writeDigitsBackward(buf: Uint8Array, p: number, n: number, count: number, point: number): void {
  let i = 0;
  if (n >= 0x80000000) {
    let hi = Math.floor(n / 1e8);
    let rest = n - hi * 1e8;
    // The division may round up (n close to a multiple of 1e8): put that right.
    if (rest < 0) {
      hi--;
      rest += 1e8;
    }
    let lo = rest | 0;
    for (; i < 8; i++) {
      if (i === point && i > 0) buf[p--] = 46;
      const q = (lo / 10) | 0;
      buf[p--] = 48 + lo - q * 10;
      lo = q;
    }
    n = hi;
  }
  let r = n | 0;
  for (; i < count; i++) {
    if (i === point && i > 0) buf[p--] = 46;
    const q = (r / 10) | 0;
    buf[p--] = 48 + r - q * 10;
    r = q;
  }
}

const POW10: number[] = [];
for (let i = 0, p = 1; i <= 16; i++, p *= 10) POW10.push(p);

/** NEG_POW2[i] = 2^-i, for exact scalings of a mantissa (`2 ** x` is a call, a table a load). */
const NEG_POW2: number[] = [];
for (let i = 0; i <= 52; i++) NEG_POW2.push(2 ** -i);

const POW5: number[] = [];
for (let i = 0, p = 1; i <= 22; i++, p *= 5) POW5.push(p);

/**
 * For a = m / 2^k (m odd) exactly halfway between two 17-digit decimals, the round-half-even
 * result; otherwise null. `exp10` is the decimal exponent toExponential chose.
 */
function tieDigits(m: number, k: number, exp10: number): { digits: string; exp: number } | null {
  // a = N / 10^k with N = m * 5^k, so N has floor(log10 a) + k + 1 digits; a tie needs 18.
  // exp10 may be one too high when rounding carried into a new digit.
  if (k !== 17 - exp10 && k !== 18 - exp10) return null;
  const n = (BigInt(m) * 5n ** BigInt(k)).toString();
  if (n.length !== 18) return null;
  let first = BigInt(n.slice(0, 17));
  if ((first & 1n) === 1n) first += 1n;
  let digits = first.toString();
  let exp = n.length - 1 - k;
  if (digits.length > 17) {
    digits = digits.slice(0, 17);
    exp++;
  }
  return { digits, exp };
}

const DOUBLE_TEXT = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)$/i;

/**
 * Parses the double forms `.asb` readers accept; returns undefined when the text is not a
 * number. The result is written as raw bits so that `-nan` keeps its sign bit.
 */
export function parseDoubleText(text: string): { value: number; negativeNan: boolean } | undefined {
  if (!DOUBLE_TEXT.test(text)) return undefined;
  const lower = text.toLowerCase();
  const neg = lower.charCodeAt(0) === 45;
  const body = lower.charCodeAt(0) === 45 || lower.charCodeAt(0) === 43 ? lower.slice(1) : lower;
  if (body === 'nan') return { value: NaN, negativeNan: neg };
  if (body === 'inf' || body === 'infinity') return { value: neg ? -Infinity : Infinity, negativeNan: false };
  return { value: Number(text), negativeNan: false };
}

/** Writes a double as 8 big-endian IEEE-754 bytes, keeping the sign of a NaN when asked. */
export function writeDoubleBits(target: Buffer, offset: number, value: number, negativeNan: boolean): void {
  if (value !== value) {
    target.writeUInt32BE(negativeNan ? 0xfff80000 : 0x7ff80000, offset);
    target.writeUInt32BE(0, offset + 4);
    return;
  }
  target.writeDoubleBE(value, offset);
}
