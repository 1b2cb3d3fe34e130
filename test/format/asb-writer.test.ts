import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { AsbDecoder, type AsbItem } from '../../electron/core/format/asb-reader.js';
import {
  AsbEncodeError,
  AsbRecordEncoder,
  encodeAsbHeader,
  encodeAsbRecord,
  encodeAsbSecondaryIndex,
  encodeAsbUdf,
} from '../../electron/core/format/asb-writer.js';
import { DOUBLE_G17_MAX_CHARS, formatDoubleG17, parseDoubleText, writeDoubleBitsG17, writeDoubleG17, writeWholeDigits } from '../../electron/core/format/c-double-format.js';
import { Particle, type BackupRecord, type Bin } from '../../electron/core/model/record.js';
import { collect, PLAIN_FILE, variantFiles } from './fixtures.js';
import { xorshift } from '../helpers/xorshift.js';

function decode(data: Buffer): AsbItem[] {
  const d = new AsbDecoder({ file: 'mem' });
  return [...d.write(data), ...d.end()];
}

/** Re-encodes a decoded file and checks it against the original, block by block. */
function assertReencodesIdentically(file: string): number {
  const original = readFileSync(file);
  const items = decode(original);
  const got = collect(items);
  const header = got.headers[0]!;
  const head = encodeAsbHeader({ namespace: header.namespace!, firstFile: header.firstFile, indexes: got.sindexes, udfs: got.udfs });
  const firstRecord = original.indexOf('\n+ ') + 1;
  assert.equal(head.toString('latin1'), original.subarray(0, firstRecord).toString('latin1'), 'header and globals');
  let off = head.length;
  for (const r of got.records) {
    const block = encodeAsbRecord(r);
    const want = original.subarray(off, off + block.length);
    if (!block.equals(want)) assert.equal(block.toString('latin1'), want.toString('latin1'), `record ${r.digest.toString('base64')}`);
    off += block.length;
  }
  assert.equal(off, original.length, 'the blocks cover the whole file');
  return got.records.length;
}

describe('asb writer against asbackup output', () => {
  test('re-encoding the plain fixture gives the same header, globals and record blocks', () => {
    assert.equal(assertReencodesIdentically(PLAIN_FILE), 300);
  });

  test('re-encoding each split file (first file with globals, others without) is byte-identical', () => {
    let n = 0;
    for (const f of variantFiles('split')) n += assertReencodesIdentically(f);
    assert.equal(n, 300);
  });

  test('the fixture header lines exactly', () => {
    const items = decode(readFileSync(PLAIN_FILE));
    const got = collect(items);
    assert.equal(encodeAsbSecondaryIndex(got.sindexes[0]!).toString(), '* i test fx_users fx_users_i_idx N 1 i N\n');
    assert.match(encodeAsbUdf(got.udfs[0]!).toString(), /^\* u L fx_udf\.lua 167 -- fx_udf\.lua[^]*\nend\n\n$/);
    assert.equal(encodeAsbHeader({ namespace: 'test', firstFile: false }).toString(), 'Version 3.1\n# namespace test\n');
  });
});

describe('%.17g doubles', () => {
  const cases: Array<[number, string]> = [
    [5, '5'],
    [100, '100'],
    [0.1, '0.10000000000000001'],
    [0.3, '0.29999999999999999'],
    [1 / 3, '0.33333333333333331'],
    [1e21, '1e+21'],
    [1e16, '10000000000000000'],
    [1e17, '1e+17'],
    [0.0001, '0.0001'],
    [0.00001, '1.0000000000000001e-05'],
    [1e-7, '9.9999999999999995e-08'],
    [5e-324, '4.9406564584124654e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [-2.5e-300, '-2.5e-300'],
    [123456.789, '123456.789'],
    [2 ** 63, '9.2233720368547758e+18'],
    [2 ** 60, '1.152921504606847e+18'],
    [2 ** 53 + 2, '9007199254740994'],
    [57.25, '57.25'],
    [12345678.5, '12345678.5'],
    [2 ** -20, '9.5367431640625e-07'],
    // An exact tie at the 18th digit: glibc rounds half to even, toExponential would round up.
    [1000000000000000.25, '1000000000000000.2'],
    [-0, '-0'],
    [0, '0'],
    [NaN, 'nan'],
    [Infinity, 'inf'],
    [-Infinity, '-inf'],
  ];
  for (const [v, s] of cases) {
    test(`${String(v)} -> ${s}`, () => {
      assert.equal(formatDoubleG17(v), s);
      const back = parseDoubleText(s);
      assert.ok(back !== undefined);
      assert.ok(Object.is(back.value, v), `parses back to ${String(v)}`);
    });
  }
  test('writeDoubleG17 writes the same text as formatDoubleG17 (fast paths and fallback)', () => {
    const buf = Buffer.alloc(64);
    const check = (v: number, negativeNan = false): void => {
      buf.fill(0xff);
      const end = writeDoubleG17(buf, 3, v, negativeNan);
      const want = formatDoubleG17(v, negativeNan);
      assert.equal(buf.toString('latin1', 3, end), want, `for ${String(v)}`);
      assert.ok(end - 3 <= DOUBLE_G17_MAX_CHARS);
      assert.equal(buf[2], 0xff, 'nothing before the position');
      assert.equal(buf[end], 0xff, 'nothing after the returned position');
    };
    for (const [v] of cases) check(v);
    check(NaN, true);
    // Whole numbers, halves, quarters and other short binary fractions around every digit count.
    for (let e = 0; e <= 17; e++) {
      for (const base of [10 ** e, 10 ** e - 1, 2 ** (e * 3), 10 ** e + 1]) {
        for (const frac of [0, 0.5, 0.25, 0.125, 0.375, 0.0625, 2 ** -10, 2 ** -22, 2 ** -23, 0.1]) {
          check(base + frac);
          check(-(base + frac));
          check((base + frac) / 1024);
          check(frac / 3 + base);
        }
      }
    }
    for (let i = 0; i < 1000; i++) {
      check(i * 0.5);
      check(i / 8 - 20);
      check(i * 0.001);
    }
    // Random bit patterns (every exponent range, subnormals included) and random dyadic values.
    const rnd = xorshift(0x12345678);
    const bits = Buffer.alloc(8);
    for (let i = 0; i < 20000; i++) {
      bits.writeUInt32BE(rnd(), 0);
      bits.writeUInt32BE(rnd(), 4);
      check(bits.readDoubleBE(0));
      // From the bits as the wire carries them (NaN payloads and signs included).
      buf.fill(0xff);
      const negative = (bits[0]! & 0x80) !== 0;
      const end = writeDoubleBitsG17(buf, 3, bits.readInt32BE(0), bits.readInt32BE(4), negative);
      assert.equal(buf.toString('latin1', 3, end), formatDoubleG17(bits.readDoubleBE(0), negative), `for bits ${bits.toString('hex')}`);
      assert.equal(buf[end], 0xff);
      check((rnd() % 1_000_000) / 2 ** (rnd() % 30));
      check(rnd() * 2 ** 21 + (rnd() % 8) / 8);
    }
  });

  test('writeWholeDigits writes every digit count exactly', () => {
    const buf = Buffer.alloc(32);
    for (let e = 0; e < 16; e++) {
      for (const n of [10 ** e, 10 ** e - 1, 10 ** e + 7, 2 ** 53, 2 ** 53 + 2, 9999999999999998]) {
        if (n < 0 || n >= 1e16) continue;
        const end = writeWholeDigits(buf, 1, n);
        assert.equal(buf.toString('latin1', 1, end), String(n));
      }
    }
    // Around the int32 boundary (integer arithmetic below, split into two halves above) and
    // just below multiples of 1e8, where the split's division rounds up.
    const more = [2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1, 2 ** 32 - 1, 2 ** 32, 1e16 - 1, 1e16 - 2, 5e15 - 1, 123456789e7 - 1, 99999999e8 + 99999999];
    const rnd = xorshift(0x9e3779b9);
    for (let i = 0; i < 5000; i++) more.push((rnd() % 100_000_000) * 1e8 + (rnd() % 100_000_000), rnd(), rnd() * 1000 + (rnd() % 1000));
    for (const n of more) {
      if (n >= 1e16) continue;
      buf.fill(0xff);
      const end = writeWholeDigits(buf, 1, n);
      assert.equal(buf.toString('latin1', 1, end), String(n));
      assert.equal(buf[end], 0xff, `nothing after the digits of ${n}`);
    }
  });

  test('negative NaN bits print as -nan', () => {
    assert.equal(formatDoubleG17(NaN, true), '-nan');
    const rec = sample([{ name: 'd', type: Particle.FLOAT, data: Buffer.from('fff8000000000001', 'hex') }]);
    assert.match(encodeAsbRecord(rec).toString(), /\n- D d -nan\n$/);
  });
});

function sample(bins: Bin[], extra: Partial<BackupRecord> = {}): BackupRecord {
  return {
    namespace: 'test',
    digest: Buffer.alloc(20, 7),
    set: null,
    key: null,
    generation: 1,
    voidTime: 0,
    bins,
    ...extra,
  };
}

function int(v: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(v);
  return b;
}

function dbl(v: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(v);
  return b;
}

describe('asb writer forms', () => {
  const allBins: Bin[] = [
    { name: 'nil', type: Particle.NIL, data: Buffer.alloc(0) },
    { name: 'i', type: Particle.INTEGER, data: int(-(2n ** 63n)) },
    { name: 'j', type: Particle.INTEGER, data: int(9007199254740993n) },
    { name: 'k', type: Particle.INTEGER, data: int(-5n) },
    { name: 'd', type: Particle.FLOAT, data: dbl(2.5) },
    { name: 'a b\\c\nd', type: Particle.STRING, data: Buffer.from('x\n\0y') },
    { name: 'blob', type: Particle.BLOB, data: Buffer.from([0, 10, 32, 92, 255]) },
    { name: 'java', type: Particle.JAVA_BLOB, data: Buffer.from([1]) },
    { name: 'cs', type: Particle.CSHARP_BLOB, data: Buffer.from([1, 2]) },
    { name: 'py', type: Particle.PYTHON_BLOB, data: Buffer.from([1, 2, 3]) },
    { name: 'rb', type: Particle.RUBY_BLOB, data: Buffer.alloc(0) },
    { name: 'php', type: Particle.PHP_BLOB, data: Buffer.from([9]) },
    { name: 'erl', type: Particle.ERLANG_BLOB, data: Buffer.from([8]) },
    { name: 'hll', type: Particle.HLL, data: Buffer.alloc(5000, 0xab) },
    { name: 'map', type: Particle.MAP, data: Buffer.from('81a2036ba20376', 'hex') },
    { name: 'list', type: Particle.LIST, data: Buffer.from('9201a20378', 'hex') },
    { name: 'ok', type: Particle.BOOL, data: Buffer.from([1]) },
    { name: 'geo', type: Particle.GEOJSON, data: Buffer.from('{"type":"Point","coordinates":[1,2]}') },
    { name: 'ü', type: Particle.STRING, data: Buffer.alloc(0) },
  ];

  test('integer bins of every width and range print as their exact decimal value', () => {
    const values: bigint[] = [0n, 1n, -1n, 9n, 10n, -10n, 2n ** 31n, -(2n ** 31n), 2n ** 53n - 1n, 2n ** 53n, -(2n ** 53n), -(2n ** 53n) - 1n, 2n ** 63n - 1n, -(2n ** 63n)];
    for (let e = 0n; e < 19n; e++) values.push(10n ** e, 10n ** e - 1n, -(10n ** e), -(10n ** e) + 1n);
    for (const v of values) {
      const text = encodeAsbRecord(sample([{ name: 'i', type: Particle.INTEGER, data: int(v) }])).toString('latin1');
      assert.ok(text.endsWith(`\n- I i ${v}\n`), `${v}: ${text.slice(-40)}`);
      for (let n = 1; n < 8; n++) {
        // Shorter particles sign-extend.
        const data = int(v).subarray(8 - n);
        const want = BigInt.asIntN(n * 8, v);
        const t = encodeAsbRecord(sample([{ name: 'i', type: Particle.INTEGER, data }])).toString('latin1');
        assert.ok(t.endsWith(`\n- I i ${want}\n`), `${v} in ${n} bytes: ${t.slice(-40)}`);
      }
    }
  });

  test('the exact text of every bin form', () => {
    const text = encodeAsbRecord(sample(allBins.slice(0, 8), { key: { type: 'int', value: -1n }, set: 'my set' })).toString('latin1');
    assert.equal(
      text,
      [
        '+ k I -1',
        '+ n test',
        `+ d ${Buffer.alloc(20, 7).toString('base64')}`,
        '+ s my\\ set',
        '+ g 1',
        '+ t 0',
        '+ b 8',
        '- N nil',
        '- I i -9223372036854775808',
        '- I j 9007199254740993',
        '- I k -5',
        '- D d 2.5',
        '- S a\\ b\\\\c\\\nd 4 x\n\0y',
        '- B blob 8 AAogXP8=',
        '- J java 4 AQ==',
        '',
      ].join('\n'),
    );
    const compact = encodeAsbRecord(sample([allBins[6]!], { key: { type: 'bytes', value: Buffer.from('k\n') } }), { compact: true }).toString('latin1');
    assert.match(compact, /^\+ k B! 2 k\n\n[^]*\n- B! blob 5 \0\n \\\xff\n$/);
  });

  test('every key and bin form round-trips through the reader, plain and compact', () => {
    const keys: BackupRecord['key'][] = [
      null,
      { type: 'int', value: 2n ** 63n - 1n },
      { type: 'double', value: 0.1 },
      { type: 'string', value: Buffer.from('s p\nx\0') },
      { type: 'bytes', value: Buffer.from([0, 255, 10]) },
    ];
    for (const compact of [false, true]) {
      const recs = keys.map((key, i) => sample(allBins, { key, set: i % 2 ? 'set\\x' : null, generation: i * 1000, voidTime: 4294967295 - i }));
      const enc = new AsbRecordEncoder({ compact }, 64);
      const file = Buffer.concat([encodeAsbHeader({ namespace: 'test', firstFile: true }), ...recs.map((r) => enc.encode(r))]);
      const got = collect(decode(file)).records;
      assert.deepEqual(got, recs);
    }
  });

  test('refuses what no reader would accept', () => {
    assert.throws(() => encodeAsbRecord(sample([{ name: 'x', type: 99, data: Buffer.alloc(1) }])), AsbEncodeError);
    assert.throws(() => encodeAsbRecord(sample([], { digest: Buffer.alloc(19) })), /digest must be 20 bytes/);
    assert.throws(() => encodeAsbRecord(sample([], { generation: 65536 })), /generation/);
    assert.throws(() => encodeAsbRecord(sample([{ name: 'd', type: Particle.FLOAT, data: Buffer.alloc(4) }])), /8 bytes/);
  });
});
