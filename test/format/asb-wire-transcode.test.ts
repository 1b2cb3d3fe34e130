import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Aerospike from 'aerospike';
import { startTestbedWorker, type TestbedHandle } from '../../e2e/testbed/index.js';
import { AerospikeCluster, parseHosts } from '../../electron/core/aerospike/cluster.js';
import { partitionStates, scanPartitionFrames } from '../../electron/core/aerospike/partition-scan.js';
import { decodeRecord, newDecodeMemo } from '../../electron/core/aerospike/record-decoder.js';
import { AsbRecordEncoder } from '../../electron/core/format/asb-writer.js';
import { N_PARTITIONS } from '../../electron/core/wire/digest.js';
import { ProtoError } from '../../electron/core/wire/proto.js';
import { WireRecordView } from '../../electron/core/wire/record-view.js';
import { writeDataset } from '../helpers/dataset.js';

/**
 * The backup engine encodes straight from scan responses (appendWire); restores and every other
 * reader go through the decoded record (append). Both must write the same bytes.
 */
describe('.asb transcoding straight from scan responses', () => {
  let tb: TestbedHandle;
  let cluster: AerospikeCluster;

  before(async () => {
    tb = await startTestbedWorker({ port: 0, namespaces: ['test'] });
    const client = await Aerospike.connect({ hosts: tb.seed, log: { level: Aerospike.log.OFF } });
    await writeDataset(client, 'test', 60);
    const sendKey = new Aerospike.WritePolicy({ key: Aerospike.policy.key.SEND });
    // String keys (with bytes that need no escaping but must stay raw) and set names with spaces.
    for (let i = 0; i < 20; i++) await client.put(new Aerospike.Key('test', 'with space', `ключ ${i}\n`), { 'x\\y': i, big: 'v'.repeat(40 + i) }, {}, sendKey);
    await client.close();
    cluster = await AerospikeCluster.connect({ hosts: parseHosts(tb.seed) });
  });
  after(async () => {
    cluster?.close();
    await tb?.close();
  });

  for (const compact of [false, true]) {
    test(`appendWire writes what append writes for the decoded record${compact ? ' (compact)' : ''}`, async () => {
      const viaWire = new AsbRecordEncoder({ compact }, 64);
      const viaRecord = new AsbRecordEncoder({ compact }, 64);
      const view = new WireRecordView();
      const memo = newDecodeMemo();
      let records = 0;
      for await (const frame of scanPartitionFrames(cluster, { namespace: 'test' }, partitionStates([...Array(N_PARTITIONS).keys()]))) {
        for (const start of frame.starts) {
          view.parse(frame.body, start);
          viaWire.appendWire(view);
          view.parse(frame.body, start);
          viaRecord.append(decodeRecord(view, memo));
          records++;
        }
      }
      const text = viaRecord.take();
      assert.ok(records > 100, `${records} records`);
      for (const needle of ['+ k S ', '+ k I ', '+ k B', '- G ', '- Y', '- M', '- L', '- D ', '- Z ', '- S ', '- I ']) {
        assert.ok(text.includes(needle), `the data covers ${JSON.stringify(needle)}`);
      }
      assert.ok(text.includes('+ s with\\ space\n') && text.includes('- I x\\\\y '), 'escaped names are covered');
      assert.ok(viaWire.take().equals(text));
    });
  }

  test('a record message cut anywhere is refused as a protocol error, never read past its end', async () => {
    const view = new WireRecordView();
    let checked = 0;
    for await (const frame of scanPartitionFrames(cluster, { namespace: 'test', set: 'with space' }, partitionStates([...Array(N_PARTITIONS).keys()]))) {
      for (const start of frame.starts.subarray(0, 3 - checked)) {
        const end = view.parse(frame.body, start);
        const message = Buffer.from(frame.body.subarray(start, end));
        assert.equal(view.parse(message, 0), message.length);
        for (let cut = 0; cut < message.length; cut++) {
          assert.throws(() => view.parse(message.subarray(0, cut), 0), (err: Error) => err instanceof ProtoError && /past the end/.test(err.message), `cut at ${cut} of ${message.length}`);
        }
        checked++;
      }
      if (checked === 3) break;
    }
    assert.equal(checked, 3);
  });
});
