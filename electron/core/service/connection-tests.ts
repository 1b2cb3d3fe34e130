/**
 * "Test connection" and "Test storage" for a cluster or storage entry, configured or about to be:
 * the cluster is connected to with the engine's own client and asked what it holds (namespaces,
 * sets and their object counts, the server build); the storage gets a small probe object written,
 * read back, compared and deleted under `.tidemark-probe/`. A failure is an answer (`ok: false`
 * with the reason), not an error: it is what the user asked to find out.
 *
 * An entry sent back from a form carries masked secrets; `unmaskEntry` puts the named entry's
 * real values in their place, as saving the form would.
 */
import { randomBytes } from 'node:crypto';
import { isAbsolute } from 'node:path';
import { AerospikeCluster } from '../aerospike/cluster.js';
import { MASK, resolvePassword, secretEntries } from '../config/secrets.js';
import { clusterOptions } from '../jobs/resources.js';
import { getAt, setAt } from '../profiles/data-paths.js';
import { createStorage, type StorageTuning } from '../storage/create-storage.js';
import type { BackupStorage } from '../storage/storage.js';
import type { AerospikeClusterConfig, Section } from '../../../shared/schemas/config.js';
import type { ClusterTestResult, StorageTestResult } from '../../../shared/schemas/rest.js';
import type { StorageConfig } from '../../../shared/schemas/storage.js';

/** Where probe objects are written; nothing else of Tidemark's lives there. */
export const PROBE_PREFIX = '.tidemark-probe/';

const since = (t0: bigint): number => Math.round(Number(process.hrtime.bigint() - t0) / 1e6);
const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * `entry` with every masked secret replaced by the value `stored` has at the same place; a mask
 * with nothing behind it stays as it is (and fails where it is used, which the answer says).
 */
export function unmaskEntry<T extends object>(section: Section, entry: T, stored: object | undefined): T {
  const doc = { [section]: { e: structuredClone(entry) } } as Record<string, unknown>;
  const prev = { [section]: { e: stored } } as Record<string, unknown>;
  for (const s of secretEntries(doc)) {
    if (s.value !== MASK) continue;
    const old = getAt(prev, s.path);
    if (typeof old === 'string') setAt(doc, s.path, old);
  }
  return (doc[section] as { e: T }).e;
}

function pairs(entry: string, sep: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const kv of entry.split(sep)) {
    const eq = kv.indexOf('=');
    if (eq > 0) out.set(kv.slice(0, eq), kv.slice(eq + 1));
  }
  return out;
}

/** Counts every node reports (master and replica objects), divided by the replication factor. */
async function describeCluster(cluster: AerospikeCluster): Promise<Pick<Extract<ClusterTestResult, { ok: true }>, 'build' | 'namespaces'>> {
  const first = await cluster.infoAny(['namespaces', 'build']);
  const names = (first.get('namespaces') ?? '').split(';').map((n) => n.trim()).filter(Boolean).sort();
  const totals = new Map<string, { objects: number; rf: number; sets: Map<string, number> }>(names.map((n) => [n, { objects: 0, rf: 1, sets: new Map() }]));
  for (const node of cluster.nodes) {
    const answers = await cluster.info(node, names.flatMap((n) => [`namespace/${n}`, `sets/${n}`]));
    for (const n of names) {
      const t = totals.get(n)!;
      const ns = pairs(answers.get(`namespace/${n}`) ?? '', ';');
      t.rf = Math.max(1, Number(ns.get('effective_replication_factor') ?? ns.get('replication-factor') ?? 1) || 1);
      t.objects += Number(ns.get('objects') ?? 0) || 0;
      for (const entry of (answers.get(`sets/${n}`) ?? '').split(';')) {
        const p = pairs(entry, ':');
        const set = p.get('set') ?? p.get('set_name');
        if (set) t.sets.set(set, (t.sets.get(set) ?? 0) + (Number(p.get('objects') ?? 0) || 0));
      }
    }
  }
  return {
    build: cluster.build || (first.get('build') ?? ''),
    namespaces: names.map((name) => {
      const t = totals.get(name)!;
      return {
        name,
        objects: Math.round(t.objects / t.rf),
        sets: [...t.sets].sort(([a], [b]) => a.localeCompare(b)).map(([set, objects]) => ({ name: set, objects: Math.round(objects / t.rf) })),
      };
    }),
  };
}

/** Connects to the cluster as a backup would (seeds, credentials, timeout) and reports what it holds. */
export async function testCluster(c: AerospikeClusterConfig, where = 'cluster'): Promise<ClusterTestResult> {
  const t0 = process.hrtime.bigint();
  let cluster: AerospikeCluster | undefined;
  try {
    const password = await resolvePassword(c.credentials, where);
    if (password === MASK) return { ok: false, error: 'the password is masked: give it, or test the saved cluster by name' };
    const user = c.credentials?.user;
    cluster = await AerospikeCluster.connect({ ...clusterOptions(c), ...(user !== undefined && password !== undefined ? { user, password } : {}), maxIdlePerNode: 2 });
    const connectMs = since(t0);
    return { ok: true, nodes: cluster.nodes.length, 'connect-ms': connectMs, ...(await describeCluster(cluster)) };
  } catch (err) {
    return { ok: false, error: message(err) };
  } finally {
    cluster?.close();
  }
}

async function readAll(storage: BackupStorage, path: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await storage.openRead(path)) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks);
}

/**
 * Writes a probe object under `.tidemark-probe/`, reads it back and compares, then deletes it,
 * timing each step. Relative local paths are taken from `resolvePath` (the config file's folder).
 */
export async function testStorage(s: StorageConfig, o: { resolvePath(p: string): string; tuning?: StorageTuning }): Promise<StorageTestResult> {
  const masked = secretEntries({ storage: { e: s } }).filter((e) => e.value === MASK);
  if (masked.length) return { ok: false, step: 'open', error: `${masked.map((e) => e.path.slice(2).join('.')).join(', ')} is masked: give it, or test the saved storage by name` };
  const local = s['local-storage'];
  const config: StorageConfig = local ? { ...s, 'local-storage': { ...local, path: isAbsolute(local.path) ? local.path : o.resolvePath(local.path) } } : s;
  let storage: BackupStorage;
  try {
    storage = await createStorage(config, o.tuning ?? {});
  } catch (err) {
    return { ok: false, step: 'open', error: message(err) };
  }
  const folder = `${PROBE_PREFIX}${Date.now()}-${randomBytes(6).toString('hex')}`;
  const path = `${folder}/probe`;
  const payload = Buffer.concat([Buffer.from('tidemark storage probe\n'), randomBytes(4096)]);
  let step: 'write' | 'read' | 'delete' = 'write';
  try {
    let t = process.hrtime.bigint();
    const w = await storage.openWrite(path);
    try {
      await new Promise<void>((res, rej) => w.write(payload, (err) => (err ? rej(err) : res())));
      await w.commit();
    } catch (err) {
      await w.abort().catch(() => undefined);
      throw err;
    }
    const writeMs = since(t);
    step = 'read';
    t = process.hrtime.bigint();
    const back = await readAll(storage, path);
    if (!back.equals(payload)) throw new Error(`read back ${back.length} bytes that differ from the ${payload.length} written`);
    const readMs = since(t);
    step = 'delete';
    t = process.hrtime.bigint();
    await storage.remove(path);
    await storage.removeTree(folder);
    if (await storage.exists(path)) throw new Error(`${path} is still there after it was deleted`);
    return { ok: true, 'write-ms': writeMs, 'read-ms': readMs, 'delete-ms': since(t), location: storage.describe() };
  } catch (err) {
    if (step !== 'delete') await storage.removeTree(folder).catch(() => undefined);
    return { ok: false, step, error: message(err) };
  }
}

