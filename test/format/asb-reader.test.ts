import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { AsbDecodeStream, AsbDecoder, AsbParseError, readAsb, type AsbItem } from '../../electron/core/format/asb-reader.js';
import { Particle } from '../../electron/core/model/record.js';
import { assertMatchesExpected, collect, collectAsync, loadExpected, PLAIN_FILE, variantFiles, type Collected } from './fixtures.js';
import { xorshift } from '../helpers/xorshift.js';

const expected = loadExpected();
const plain = readFileSync(PLAIN_FILE);

function decodeAll(data: Buffer, file = 'mem.asb', chunk = data.length): Collected {
  const d = new AsbDecoder({ file });
  const out: AsbItem[] = [];
  for (let i = 0; i < data.length; i += chunk) out.push(...d.write(data.subarray(i, i + chunk)));
  out.push(...d.end());
  return collect(out);
}

function parseError(text: string | Buffer, file = 'bad.asb'): AsbParseError {
  const data = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
  try {
    decodeAll(data, file);
  } catch (e) {
    assert.ok(e instanceof AsbParseError, `expected AsbParseError, got ${String(e)}`);
    return e;
  }
  assert.fail('no error');
}

const HEAD = 'Version 3.1\n# namespace test\n';
const REC = '+ n test\n+ d AQUNjrlXGuNItvQCksFjHccDpu0=\n+ g 1\n+ t 0\n';

describe('asb reader on the asbackup fixtures', () => {
  test('plain decodes to expected.json', () => {
    const got = decodeAll(plain, 'plain/test_00000.asb', 64 * 1024);
    assert.deepEqual(got.headers, [{ version: '3.1', namespace: 'test', firstFile: true }]);
    assertMatchesExpected(got, expected);
  });

  test('split: the union of the four files decodes to expected.json', async () => {
    const files = variantFiles('split');
    assert.equal(files.length, 4);
    const all: Collected = { headers: [], sindexes: [], udfs: [], records: [] };
    for (const f of files) await collectAsync(readAsb(createReadStream(f), { file: basename(f) }), all);
    assert.deepEqual(
      all.headers,
      files.map((_, i) => ({ version: '3.1', namespace: 'test', firstFile: i === 0 })),
    );
    assertMatchesExpected(all, expected);
  });

  test('one byte at a time gives the same result', () => {
    const whole = decodeAll(plain);
    const bytewise = decodeAll(plain, 'x', 1);
    assertMatchesExpected(bytewise, expected);
    assert.deepEqual(bytewise, whole);
  });

  test('tiny random chunks give the same result', () => {
    const whole = decodeAll(plain);
    let seed = 12345;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let round = 0; round < 3; round++) {
      const d = new AsbDecoder({ file: 'x' });
      const items: AsbItem[] = [];
      for (let i = 0; i < plain.length; ) {
        const n = 1 + (rnd() % 37);
        items.push(...d.write(plain.subarray(i, i + n)));
        i += n;
      }
      items.push(...d.end());
      assert.deepEqual(collect(items), whole);
    }
  });

  test('the Transform form yields the same items', async () => {
    const items: AsbItem[] = [];
    const stream = Readable.from([plain.subarray(0, 1000), plain.subarray(1000, 1001), plain.subarray(1001)]).pipe(new AsbDecodeStream({ file: 'p' }));
    for await (const it of stream) items.push(it as AsbItem);
    assertMatchesExpected(collect(items), expected);
  });
});

describe('asb reader: forms readers accept', () => {
  test('version 3.0, X, B!, legacy letters, N, Z, G, globals between records, raw LF/NUL values', () => {
    const raw = Buffer.from('a\nb\0c', 'latin1');
    const text = Buffer.concat([
      Buffer.from('Version 3.0\n# namespace test\n+ k X 8 aGVsbG8=\n' + REC + '+ b 15\n', 'latin1'),
      Buffer.from('- X xs 4 aGk=\n- B! bb 3 '),
      Buffer.from([1, 10, 0]),
      Buffer.from(
        '\n- J j 4 AQI=\n- C c 4 AQI=\n- P p 4 AQI=\n- R r 4 AQI=\n- H h 4 AQI=\n- E e 4 AQI=\n- Y! y 2 \x01\x02\n- M m 4 gA==\n- L! l 1 \x90\n- N nil\n- Z z F\n- G g 2 {}\n',
        'latin1',
      ),
      Buffer.from('- S s 5 '),
      raw,
      Buffer.from('\n* i test  idx L 1 a\\b S kpE=\n* u L u\\x.lua 3 x\ny\n+ k B! 2 \n\n\n+ n test\n+ d AQUNjrlXGuNItvQCksFjHccDpu0=\n+ s set\n+ g 65535\n+ t 4294967295\n+ b 0\n'),
    ]);
    const got = decodeAll(text);
    assert.deepEqual(got.headers, [{ version: '3.0', namespace: 'test', firstFile: false }]);
    const [r1, r2] = got.records;
    assert.ok(r1 && r2);
    assert.deepEqual(r1.key, { type: 'string', value: Buffer.from('hello') });
    const types = r1.bins.map((b) => [b.name, b.type]);
    assert.deepEqual(types, [
      ['xs', Particle.STRING],
      ['bb', Particle.BLOB],
      ['j', Particle.JAVA_BLOB],
      ['c', Particle.CSHARP_BLOB],
      ['p', Particle.PYTHON_BLOB],
      ['r', Particle.RUBY_BLOB],
      ['h', Particle.PHP_BLOB],
      ['e', Particle.ERLANG_BLOB],
      ['y', Particle.HLL],
      ['m', Particle.MAP],
      ['l', Particle.LIST],
      ['nil', Particle.NIL],
      ['z', Particle.BOOL],
      ['g', Particle.GEOJSON],
      ['s', Particle.STRING],
    ]);
    assert.deepEqual(r1.bins.map((b) => b.data.toString('hex')), ['6869', '010a00', '0102', '0102', '0102', '0102', '0102', '0102', '0102', '80', '90', '', '00', '7b7d', '610a620063']);
    // 3.0 has no escaping: the backslash is part of the name.
    assert.deepEqual(got.sindexes, [{ namespace: 'test', set: null, name: 'idx', indexType: 'L', bin: 'a\\b', binType: 'S', context: 'kpE=' }]);
    assert.equal(got.udfs.length, 1);
    assert.equal(got.udfs[0]!.name, 'u\\x.lua');
    assert.equal(got.udfs[0]!.content.toString(), 'x\ny');
    assert.deepEqual(r2.key, { type: 'bytes', value: Buffer.from('\n\n') });
    assert.equal(r2.set, 'set');
    assert.equal(r2.generation, 65535);
    assert.equal(r2.voidTime, 4294967295);
    assert.deepEqual(r2.bins, []);
  });

  test('3.1 unescapes tokens (space, LF, backslash) on bytes', () => {
    const text = HEAD + '* u L my\\ udf\\\\x\\\n.lua 2 ab\n+ k I -9223372036854775808\n' + REC.replace('+ g', '+ s s\\ p\n+ g') + '+ b 3\n- I a\\ b 9223372036854775807\n- D n\\\nl -nan\n- D ü 1e+21\n';
    const got = decodeAll(Buffer.from(text, 'utf8'));
    assert.equal(got.udfs[0]!.name, 'my udf\\x\n.lua');
    const r = got.records[0]!;
    assert.deepEqual(r.key, { type: 'int', value: -(2n ** 63n) });
    assert.equal(r.set, 's p');
    assert.deepEqual(
      r.bins.map((b) => [b.name, b.data.toString('hex')]),
      [
        ['a b', '7fffffffffffffff'],
        ['n\nl', 'fff8000000000000'],
        ['ü', Buffer.from(new Float64Array([1e21]).buffer).reverse().toString('hex')],
      ],
    );
  });

  test('doubles: nan, inf, +inf, -inf, exponents', () => {
    const vals = ['nan', 'inf', '+inf', '-inf', '-2.5e-300', '5', '0.10000000000000001', '1.7976931348623157e+308'];
    const text = HEAD + REC + `+ b ${vals.length}\n` + vals.map((v, i) => `- D d${i} ${v}\n`).join('');
    const bins = decodeAll(Buffer.from(text)).records[0]!.bins.map((b) => b.data.readDoubleBE(0));
    assert.deepEqual(bins, [NaN, Infinity, Infinity, -Infinity, -2.5e-300, 5, 0.1, 1.7976931348623157e308]);
  });

  test('decimal doubles read exactly as Number() reads them (short ones skip the text)', () => {
    const vals = ['0', '-0', '0.000', '1.', '.5', '-.5', '007', '57.25', '-3', '123456789012345', '1234567890123456', '0.1', '0.3', '-12.5e3', '999999999999999.9', '0.000000000000001', '1e22', '12345.678901234'];
    const next = xorshift(0x9e3779b9);
    const rnd = (n: number): number => next() % n;
    for (let i = 0; i < 3000; i++) {
      const len = 1 + rnd(17);
      let digits = '';
      for (let j = 0; j < len; j++) digits += String(rnd(10));
      const point = rnd(len + 1);
      const text = `${rnd(2) ? '-' : ''}${digits.slice(0, point)}${point < len || rnd(2) ? '.' : ''}${digits.slice(point)}`;
      if (/^-?\.?$/.test(text)) continue;
      vals.push(text);
    }
    const text = HEAD + REC + `+ b ${vals.length}\n` + vals.map((v, i) => `- D d${i} ${v}\n`).join('');
    const bins = decodeAll(Buffer.from(text)).records[0]!.bins.map((b) => b.data.readDoubleBE(0));
    vals.forEach((v, i) => assert.ok(Object.is(bins[i], Number(v)), `${v}: read ${bins[i]}, Number() gives ${Number(v)}`));
  });

  test('a file ending after the meta lines is an empty backup', () => {
    const got = decodeAll(Buffer.from('Version 3.1\n# namespace test\n# first-file\n'));
    assert.deepEqual(got, { headers: [{ version: '3.1', namespace: 'test', firstFile: true }], sindexes: [], udfs: [], records: [] });
  });
});

describe('asb reader: errors name the file and line', () => {
  test('truncated record: fewer bin lines than announced, then the next record', () => {
    const e = parseError(HEAD + REC + '+ b 2\n- I a 1\n' + REC + '+ b 0\n', 'f1.asb');
    assert.equal(e.file, 'f1.asb');
    assert.equal(e.line, 9);
    assert.match(e.message, /^f1\.asb:9: expected a bin line/);
    assert.match(e.message, /1 of 2 bins missing/);
  });

  test('truncated record at end of file', () => {
    const e = parseError(HEAD + REC + '+ b 2\n- I a 1\n', 'f2.asb');
    assert.equal(e.file, 'f2.asb');
    assert.equal(e.line, 8);
    assert.match(e.message, /^f2\.asb:8: unexpected end of file after this line: record starting at line 3 is incomplete, expected a bin line/);
  });

  test('file cut inside a line', () => {
    const e = parseError(HEAD + REC + '+ b 1\n- S a 10 abc', 'f3.asb');
    assert.equal(e.line, 8);
    assert.match(e.message, /unexpected end of file inside a line/);
  });

  test('bad integer', () => {
    const e = parseError(HEAD + REC + '+ b 2\n- I a 1\n- I b 12x4\n', 'f4.asb');
    assert.equal(e.file, 'f4.asb');
    assert.equal(e.line, 9);
    assert.match(e.message, /invalid integer in bin 'b'/);
    assert.match(parseError(HEAD + REC + '+ b 1\n- I b 9223372036854775808\n').message, /out of the 64-bit range/);
    assert.match(parseError(HEAD + REC.replace('+ g 1', '+ g 65536') + '+ b 0\n').message, /:5: generation 65536 is out of range/);
  });

  test('bad base64 length', () => {
    const e = parseError(HEAD + REC + '+ b 1\n- B blob 5 AQIDB\n', 'f5.asb');
    assert.equal(e.line, 8);
    assert.match(e.message, /^f5\.asb:8: value of bin 'blob': base64 length 5 is not a multiple of 4/);
    assert.match(parseError(HEAD + REC + '+ b 1\n- B blob 4 AQ*=\n').message, /invalid base64/);
  });

  test('unknown line type', () => {
    const e = parseError(HEAD + REC + '+ b 0\n? what\n', 'f6.asb');
    assert.equal(e.line, 8);
    assert.equal(e.message, "f6.asb:8: unknown line type '?'");
  });

  test('line numbers count LFs inside raw values and escapes', () => {
    const e = parseError(HEAD + REC + '+ b 2\n- S s 3 a\nb\n- S n\\\nm 1 x\n- I z 1\n', 'f7.asb');
    // The string value spans lines 8-9, the escaped name lines 10-11; the extra bin is line 12.
    assert.equal(e.line, 12);
    assert.match(e.message, /bin line \('- '\) outside a record/);
  });

  test('wrong version line and other strictness', () => {
    assert.match(parseError('Version 3.2\n').message, /bad\.asb:1: unsupported format version '3\.2'/);
    assert.match(parseError(Buffer.from([0x8f, 0x22, 0x10])).message, /:1: invalid version line \(found binary data/);
    assert.match(parseError('').message, /empty file/);
    assert.match(parseError(HEAD + '# other\n').message, /:3: invalid meta data line '# other'/);
    assert.match(parseError(HEAD + REC + '+ b 0\n# namespace x\n').message, /:8: meta data line/);
    assert.match(parseError(HEAD + REC + '+ b 1\n- Z b yes\n').message, /exactly T or F/);
    assert.match(parseError(HEAD + REC + '+ b 1\n- U b 1\n').message, /LDT/);
    assert.match(parseError(HEAD + '+ n test\n+ g 1\n').message, /:4: expected '\+ d', found '\+ g'/);
    assert.match(parseError(HEAD + '+ n test\n+ d AQID\n').message, /invalid digest/);
    assert.match(parseError(HEAD + '* i test s n I 1 b N\n').message, /invalid index type 'I'/);
    const ns = new AsbDecoder({ file: 'n.asb', namespace: 'bar' });
    assert.throws(() => ns.write(Buffer.from(HEAD + REC)), /n\.asb:3: record namespace 'test' does not match the expected namespace 'bar'/);
  });

  test('a decoder stays failed after an error', () => {
    const d = new AsbDecoder({ file: 'x' });
    assert.throws(() => d.write(Buffer.from('nope')), AsbParseError);
    assert.throws(() => d.write(Buffer.from(HEAD)), /invalid version line/);
  });

  test('records completed before an error are still delivered by readAsb', async () => {
    const items: AsbItem[] = [];
    await assert.rejects(async () => {
      for await (const it of readAsb([Buffer.from(HEAD + REC + '+ b 0\n' + REC + '+ b 0\n! bad\n')], { file: 'r.asb' })) items.push(it);
    }, /r\.asb:13: unknown line type '!'/);
    assert.equal(collect(items).records.length, 2);
  });

  test('a corrupt length beyond the value limit fails instead of buffering the file', () => {
    const d = new AsbDecoder({ file: 'big.asb', maxValueSize: 1000 });
    assert.throws(() => d.write(Buffer.from(HEAD + REC + '+ b 1\n- S s 1001 ')), /big\.asb:8: string in bin 's' length 1001 exceeds the limit of 1000 bytes/);
  });
});
