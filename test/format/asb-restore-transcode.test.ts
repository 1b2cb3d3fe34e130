import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import Aerospike from 'aerospike';
import { startTestbedWorker, type TestbedHandle } from '../../e2e/testbed/index.js';
import { AerospikeCluster, parseHosts, type ClusterNode } from '../../electron/core/aerospike/cluster.js';
import { partitionStates, scanRecords } from '../../electron/core/aerospike/partition-scan.js';
import { decodeEncodedRecord, encodeRecord, RecordWriter, type RecordWriterOptions } from '../../electron/core/aerospike/record-writer.js';
import { AsbDecoder, AsbParseError, type AsbItem, type AsbWireItem } from '../../electron/core/format/asb-reader.js';
import { AsbRecordEncoder, encodeAsbHeader } from '../../electron/core/format/asb-writer.js';
import { keyHashFromPemFile } from '../../electron/core/format/encryption-key.js';
import { decodeFileStream } from '../../electron/core/format/file-codec.js';
import type { BackupRecord } from '../../electron/core/model/record.js';
import { N_PARTITIONS } from '../../electron/core/wire/digest.js';
import type { EncodedRecord } from '../../electron/core/wire/encoded-record.js';
import { Info3 } from '../../electron/core/wire/message.js';
import { ProtoType } from '../../electron/core/wire/proto.js';
import { writeDataset } from '../helpers/dataset.js';
import { KEY_PEM, VARIANT_CODEC, VARIANTS, variantFiles } from './fixtures.js';

/**
 * The restore engine transcodes `.asb` lines straight into write operations (the decoder's
 * `encodeRecords` mode) instead of building BackupRecords and encoding those. Both must send
 * exactly the same bytes, and fail with exactly the same errors on the same lines.
 */

interface Run {
  items: Array<AsbItem | AsbWireItem>;
  error: string | null;
  bad: string[];
}

/** Decodes `data` in chunks of `chunk` bytes, one way or the other; collects everything. */
function decode(data: Buffer, encoded: boolean, chunk: number, skipBad = false): Run {
  const run: Run = { items: [], error: null, bad: [] };
  const d = new AsbDecoder({ file: 'x.asb', encodeRecords: encoded, ...(skipBad ? { onBadRecord: (e: AsbParseError) => run.bad.push(e.message) } : {}) });
  const push = (i: AsbItem | AsbWireItem): void => {
    run.items.push(i);
  };
  try {
    for (let i = 0; i < data.length; i += chunk) {
      if (encoded) d.feedEncoded(data.subarray(i, i + chunk), push);
      else d.feed(data.subarray(i, i + chunk), push);
    }
    if (encoded) d.finishEncoded(push);
    else d.finish(push);
  } catch (e) {
    assert.ok(e instanceof AsbParseError, String(e));
    run.error = e.message;
  }
  return run;
}

function encodedBytes(e: EncodedRecord): Buffer {
  return e.buf.subarray(e.start, e.end);
}

/** Every record of `data` gives the same bytes both ways; returns the pairs. */
function assertSameBothWays(data: Buffer, chunk = data.length): Array<[BackupRecord, EncodedRecord]> {
  const slow = decode(data, false, chunk);
  const fast = decode(data, true, chunk);
  assert.equal(fast.error, slow.error);
  assert.equal(fast.items.length, slow.items.length);
  const pairs: Array<[BackupRecord, EncodedRecord]> = [];
  slow.items.forEach((s, i) => {
    const f = fast.items[i]!;
    if (s.kind !== 'record') {
      assert.deepEqual(f, s);
      return;
    }
    assert.equal(f.kind, 'encoded');
    const e = f as EncodedRecord;
    const want = encodeRecord(s.record);
    assert.deepEqual(
      { ns: e.namespace, set: e.set, gen: e.generation, vt: e.voidTime, ops: e.nOps, key: e.keyEnd - e.start, setEnd: e.setEnd - e.start },
      { ns: want.namespace, set: want.set, gen: want.generation, vt: want.voidTime, ops: want.nOps, key: want.keyEnd, setEnd: want.setEnd },
      `record ${i}`,
    );
    assert.ok(encodedBytes(e).equals(encodedBytes(want)), `record ${i}: bytes differ`);
    // And back: the writer's error reports rebuild the same record.
    assert.deepEqual(decodeEncodedRecord(e), s.record);
    pairs.push([s.record, e]);
  });
  return pairs;
}

const HEAD = 'Version 3.1\n# namespace test\n';
const REC = '+ n test\n+ d AQUNjrlXGuNItvQCksFjHccDpu0=\n+ g 1\n+ t 0\n';

describe('.asb restore hot path: the asbackup fixtures', () => {
  test('every variant (zstd, AES, split, multi-frame) transcodes to the bytes of the decoded records', async () => {
    const keyHash = await keyHashFromPemFile(KEY_PEM);
    let records = 0;
    for (const v of VARIANTS) {
      for (const f of variantFiles(v)) {
        const parts: Buffer[] = [];
        for await (const c of decodeFileStream(createReadStream(f), { ...VARIANT_CODEC[v], key: keyHash }, `${v}/${basename(f)}`)) parts.push(c as Buffer);
        const text = Buffer.concat(parts);
        records += assertSameBothWays(text).length;
        // Split anywhere: lines parsed again after more input must not leave bytes behind.
        assertSameBothWays(text, 7);
      }
    }
    assert.ok(records > 50, `${records} records`);
  });
});

describe('.asb restore hot path: forms and escapes', () => {
  test('3.0 and 3.1, X, B!, legacy letters, N, Z, G, raw LF/NUL values, escaped names, every key type', () => {
    const texts = [
      Buffer.concat([
        Buffer.from('Version 3.0\n# namespace test\n+ k X 8 aGVsbG8=\n' + REC + '+ b 15\n', 'latin1'),
        Buffer.from('- X xs 4 aGk=\n- B! bb 3 '),
        Buffer.from([1, 10, 0]),
        Buffer.from(
          '\n- J j 4 AQI=\n- C c 4 AQI=\n- P p 4 AQI=\n- R r 4 AQI=\n- H h 4 AQI=\n- E e 4 AQI=\n- Y! y 2 \x01\x02\n- M m 4 gA==\n- L! l 1 \x90\n- N nil\n- Z z F\n- G g 2 {}\n',
          'latin1',
        ),
        Buffer.from('- S s 5 a\nb\0c\n* i test  idx L 1 a\\b S kpE=\n* u L u\\x.lua 3 x\ny\n+ k B! 2 \n\n\n+ n test\n+ d AQUNjrlXGuNItvQCksFjHccDpu0=\n+ s set\n+ g 65535\n+ t 4294967295\n+ b 0\n'),
      ]),
      Buffer.from(
        HEAD +
          '* u L my\\ udf\\\\x\\\n.lua 2 ab\n+ k I -9223372036854775808\n' +
          REC.replace('+ g', '+ s s\\ p\n+ g') +
          '+ b 5\n- I a\\ b 9223372036854775807\n- D n\\\nl -nan\n- D ü 1e+21\n- I m -123456789012\n- Z t T\n' +
          '+ k D -0.5\n' + REC + '+ b 1\n- D z -0\n' +
          '+ k D nan\n' + REC + '+ b 1\n- S e 0 \n' +
          '+ k S 3 a\nb\n' + REC.replace('+ g', '+ s с\\\\ет\n+ g') + '+ b 2\n- B b 0 \n- L l 4 kAE=\n' +
          '+ k B 4 AAE=\n' + REC + '+ b 1\n- I i 12345678901234567\n' +
          '+ k I 42\n' + REC.replace('+ g', '+ s s\\ p\n+ g') + '+ b 1\n- N x\n',
        'utf8',
      ),
    ];
    for (const text of texts) {
      const whole = assertSameBothWays(text);
      assert.ok(whole.length >= 2);
      for (const chunk of [1, 2, 3, 5, 13]) assertSameBothWays(text, chunk);
    }
  });

  test('errors: the same message on the same line, also skipping bad records', () => {
    const bad = [
      HEAD + REC + '+ b 2\n- I a 1\n' + REC + '+ b 0\n',
      HEAD + REC + '+ b 2\n- I a 1\n',
      HEAD + REC + '+ b 1\n- S a 10 abc',
      HEAD + REC + '+ b 2\n- I a 1\n- I b 12x4\n',
      HEAD + REC + '+ b 1\n- B blob 5 AQIDB\n',
      HEAD + REC + '+ b 1\n- B blob 4 AQ!D\n',
      HEAD + REC + '+ b 0\n? what\n',
      HEAD + REC + '+ b 2\n- S s 3 a\nb\n- S n\\\nm 1 x\n- I z 1\n',
      HEAD + REC + '+ b 3\n- S s 3 a\nb\n- D d\\ x 1.5z\n- I z 1\n' + REC + '+ b 1\n- I ok 1\n',
      HEAD + REC + '+ b 2\n- Z z X\n- I y 2\n' + REC + '+ b 1\n- Q q 1\n' + REC + '+ b 1\n- I ok 2\n',
      HEAD + '+ k I 1x\n' + REC + '+ b 1\n- I a 1\n+ k S 2 ab\n' + REC + '+ b 1\n- I a 1\n',
      HEAD + '+ n test\n+ d AQUNjrlXGuNItvQCksFjHccDpu==\n+ g 1\n+ t 0\n+ b 0\n' + REC + '+ b 0\n',
      HEAD + REC + '+ b 1\n- S\\ x 1 y\n',
      HEAD + REC.replace('+ g', '+ s \n+ g') + '+ b 0\n',
      HEAD + REC + '+ b 1\n-  a 1\n',
    ];
    for (const text of bad) {
      const data = Buffer.from(text, 'utf8');
      for (const chunk of [data.length, 1, 4]) {
        const slow = decode(data, false, chunk);
        const fast = decode(data, true, chunk);
        assert.ok(slow.error !== null, text);
        assert.equal(fast.error, slow.error, text);
        const slowSkip = decode(data, false, chunk, true);
        const fastSkip = decode(data, true, chunk, true);
        assert.deepEqual(fastSkip.bad, slowSkip.bad, text);
        assert.equal(fastSkip.error, slowSkip.error, text);
        assert.equal(fastSkip.items.length, slowSkip.items.length, text);
      }
    }
  });
});

/** Answers every batch request with OK for each row; keeps the requests. */
function capturingCluster(): { cluster: AerospikeCluster; sent: Buffer[] } {
  const sent: Buffer[] = [];
  const node = { name: 'fake', idle: [] } as unknown as ClusterNode;
  let pending: Buffer | null = null;
  const conn = {
    usable: true,
    setSocketTimeout: (): void => {},
    close: (): void => {},
    send: async (b: Buffer): Promise<void> => {
      sent.push(Buffer.from(b));
      pending = b;
    },
    next: async (): Promise<{ type: number; body: Buffer }> => {
      const req = pending!;
      // Proto header 8, message header 22, then the batch field: size (4), type (1), row count.
      const batch = req.readUInt16BE(8 + 18) === 1;
      const rows = batch ? req.readUInt32BE(8 + 22 + 5) : 1;
      const body = Buffer.alloc(22 * (rows + (batch ? 1 : 0)));
      for (let i = 0; i < rows; i++) {
        body[i * 22] = 22;
        body.writeUInt32BE(i, i * 22 + 14);
      }
      if (batch) {
        body[rows * 22] = 22;
        body[rows * 22 + 3] = Info3.LAST;
      }
      return { type: ProtoType.MESSAGE, body };
    },
  };
  const cluster = {
    masterOf: (): ClusterNode => node,
    acquire: async (): Promise<unknown> => conn,
    release: (): void => {},
    refresh: async (): Promise<void> => {},
    namespaces: (): string[] => ['test', 'bar'],
  } as unknown as AerospikeCluster;
  return { cluster, sent };
}

/** The requests a writer sends for these records, one way or the other, at a fixed clock. */
async function requests(pairs: Array<[BackupRecord, EncodedRecord]>, encoded: boolean, options: RecordWriterOptions): Promise<Buffer[]> {
  const { cluster, sent } = capturingCluster();
  const w = new RecordWriter(cluster, options);
  for (const [rec, enc] of pairs) {
    if (encoded) await w.writeEncoded(enc);
    else await w.write(rec);
  }
  await w.flush();
  assert.equal(w.stats().inserted + w.stats().expired + w.stats().ignored, pairs.length);
  return sent;
}

describe('.asb restore hot path: the dataset, through the record writer', () => {
  let tb: TestbedHandle;
  const texts: Buffer[] = [];

  before(async () => {
    tb = await startTestbedWorker({ port: 0, namespaces: ['test'] });
    const client = await Aerospike.connect({ hosts: tb.seed, log: { level: Aerospike.log.OFF } });
    await writeDataset(client, 'test', 40);
    const sendKey = new Aerospike.WritePolicy({ key: Aerospike.policy.key.SEND });
    for (let i = 0; i < 10; i++) await client.put(new Aerospike.Key('test', 'with space', `ключ ${i}\n`), { 'x\\y': i, 'n m': 'v'.repeat(40 + i), 'lf\n': -i }, {}, sendKey);
    await client.put(new Aerospike.Key('test', 'dbl', 'negative zero'), { d: new Aerospike.Double(-0) }, {}, sendKey);
    await client.close();
    const cluster = await AerospikeCluster.connect({ hosts: parseHosts(tb.seed) });
    const records: BackupRecord[] = [];
    for await (const r of scanRecords(cluster, { namespace: 'test' }, partitionStates([...Array(N_PARTITIONS).keys()]))) records.push(r);
    cluster.close();
    for (const compact of [false, true]) {
      const e = new AsbRecordEncoder({ compact });
      for (const r of records) e.append(r);
      texts.push(Buffer.concat([encodeAsbHeader({ namespace: 'test', firstFile: true }), e.take()]));
    }
  });
  after(async () => {
    await tb?.close();
  });

  test('plain and compact files transcode to the bytes of the decoded records', () => {
    for (const text of texts) {
      const pairs = assertSameBothWays(text);
      assert.ok(pairs.length > 60, `${pairs.length} records`);
      assertSameBothWays(text, 3);
      const s = text.toString('latin1');
      for (const needle of ['+ k S ', '+ k I ', '+ k B', '- G ', '- Y', '- M', '- L', '- D ', '- Z ', '- S ', '- I ', 'with\\ space', 'x\\\\y', 'lf\\\n']) {
        assert.ok(s.includes(needle), `the data covers ${JSON.stringify(needle)}`);
      }
    }
  });

  test('the writer sends the same batch and single-record requests for both forms', async () => {
    const realNow = Date.now;
    const fixed = realNow();
    Date.now = (): number => fixed;
    try {
      for (const text of texts) {
        const pairs = assertSameBothWays(text);
        for (const options of [
          { namespace: 'bar', batchSize: 16 },
          { batchSize: 7, exists: 'create', extraTtl: 100 },
          { namespace: 'bar', disableBatchWrites: true, noGeneration: true, exists: 'replace' },
          { namespace: 'bar', binList: ['i', 's', 'lf\n', 'g'] },
        ] satisfies RecordWriterOptions[]) {
          const slow = await requests(pairs, false, options);
          const fast = await requests(pairs, true, options);
          assert.ok(slow.length > 0);
          assert.equal(fast.length, slow.length);
          slow.forEach((b, i) => assert.ok(fast[i]!.equals(b), `request ${i} with ${JSON.stringify(options)}`));
        }
      }
    } finally {
      Date.now = realNow;
    }
  });
});
