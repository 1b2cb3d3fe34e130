/**
 * A namespace's worth of varied records, written through the official client: every particle
 * type, stored and unstored keys, records with and without sets, TTLs, an index and a UDF.
 */
import Aerospike from 'aerospike';

export const UDF_NAME = 'tm_sample.lua';
export const UDF_SOURCE = 'function touch(rec)\n  aerospike:update(rec)\n  return 1\nend\n';

export interface DatasetCounts {
  people: number;
  nokey: number;
  noset: number;
  ttl: number;
}

/**
 * `hll: 'operations'` builds the HLL bin with HLL operations: a real server refuses an HLL bin
 * written as arbitrary bytes (only the testbed stores them as given).
 */
export async function writeDataset(client: Aerospike.Client, ns: string, n = 200, o: { hll?: 'raw' | 'operations' } = {}): Promise<DatasetCounts> {
  const sendKey = new Aerospike.WritePolicy({ key: Aerospike.policy.key.SEND });
  let ttl = 0;
  for (let i = 0; i < n; i++) {
    const bins: Record<string, unknown> = {
      i,
      neg: -i * 1000003,
      big: BigInt('9007199254740993') + BigInt(i),
      dw: new Aerospike.Double(i),
      df: i + 0.1,
      s: `name ${i}\nline ✓`,
      e: '',
      b: Buffer.from([i & 0xff, 0, 0x0a, 0x20, 0x5c, 0xff]),
      t: i % 2 === 0,
      l: [i, `x${i}`, [1, [2, 3]], { k: i }],
      m: new Map<string, unknown>([
        ['a', i],
        ['nested', { c: [1, 2] }],
      ]),
      g: new Aerospike.GeoJSON({ type: 'Point', coordinates: [i / 10, -i / 20] }),
      ...(o.hll === 'operations' ? {} : { h: new Aerospike.HyperLogLog(Buffer.from(Array.from({ length: 40 }, (_, k) => (k * 7 + i) & 0xff))) }),
      'a b': 'space in the name',
    };
    const meta = i % 4 === 0 ? { ttl: 3600 } : {};
    if (i % 4 === 0) ttl++;
    const key = new Aerospike.Key(ns, 'people', i);
    await client.put(key, bins as Aerospike.AerospikeBins, meta, sendKey);
    if (o.hll === 'operations') await client.operate(key, [Aerospike.hll.add('h', [`a${i}`, 'b', 'c'], 8)], {}, sendKey);
  }
  const nokey = Math.ceil(n / 4);
  for (let i = 0; i < nokey; i++) await client.put(new Aerospike.Key(ns, 'nokey', `k${i}`), { v: i, s: `digest only ${i}` });
  const noset = Math.ceil(n / 5);
  for (let i = 0; i < noset; i++) await client.put(new Aerospike.Key(ns, null as unknown as string, Buffer.from([1, 2, i])), { blobkey: i }, {}, sendKey);
  // A real cluster that has just formed sometimes refuses the first index create (its metadata
  // is still being distributed); asking again a moment later succeeds.
  for (let attempt = 1; ; attempt++) {
    try {
      await (await client.createIntegerIndex({ ns, set: 'people', bin: 'i', index: `${ns}_people_i` })).wait(10);
      break;
    } catch (e) {
      // 200: the index exists (an earlier attempt did land).
      if ((e as { code?: number }).code === 200) break;
      if (attempt >= 10) throw e;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  const b64 = Buffer.from(UDF_SOURCE).toString('base64');
  await client.infoAny(`udf-put:filename=${UDF_NAME};content=${b64};content-len=${b64.length};udf-type=LUA;`);
  return { people: n, nokey, noset, ttl };
}
