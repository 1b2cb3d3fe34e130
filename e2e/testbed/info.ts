/** Info protocol answers (wire protocol §2, §3, §15), in the real 8.1 server's formats. */
import { createHash } from 'node:crypto';
import { N_PARTITIONS } from '../../electron/core/wire/digest.js';
import { unixNsToCitrusleafMs } from './clock.js';
import type { NodeInfo, SindexDef, TestbedCluster } from './cluster.js';
import { applyFaultParams, describeFaults } from './faults.js';

const FEATURES =
  'batch-any;batch-index;blob-bits;cdt-index;cdt-list;cdt-map;cluster-stable;float;geo;sindex-exists;peers;pipelining;pquery;pscans;query-show;relaxed-sc;replicas;replicas-all;replicas-master;replicas-max;truncate-namespace;udf';

interface Parsed {
  name: string;
  path: string[];
  params: Map<string, string>;
}

/** `name[/a/b][:k=v;k=v]` — the name ends at the first '/', ':' or ';' (server thr_info.c). */
function parseCommand(cmd: string): Parsed {
  const m = /^[^/:;]*/.exec(cmd)![0];
  let rest = cmd.slice(m.length);
  const path: string[] = [];
  if (rest.startsWith('/')) {
    const colon = rest.indexOf(':');
    const p = colon < 0 ? rest : rest.slice(0, colon);
    path.push(...p.slice(1).split('/'));
    rest = colon < 0 ? '' : rest.slice(colon);
  }
  const params = new Map<string, string>();
  if (rest.startsWith(':') || rest.startsWith(';')) {
    for (const kv of rest.slice(1).split(';')) {
      if (!kv) continue;
      const eq = kv.indexOf('=');
      if (eq < 0) params.set(kv, '');
      else params.set(kv.slice(0, eq), kv.slice(eq + 1));
    }
  }
  return { name: m, path, params };
}

class InfoError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export function handleInfo(cluster: TestbedCluster, node: NodeInfo, body: Buffer): Buffer {
  const text = body.toString('utf8');
  const commands = text.split('\n');
  if (commands[commands.length - 1] === '') commands.pop();
  node.stats.infoRequests++;
  if (commands.includes('peers-generation')) node.stats.tends++;
  let out = '';
  for (const cmd of commands) {
    let value: string;
    try {
      value = answer(cluster, node, cmd);
    } catch (err) {
      value = err instanceof InfoError ? `ERROR:${err.code}:${err.message}` : `ERROR:1:${(err as Error).message}`;
    }
    out += `${cmd}\t${value}\n`;
  }
  return Buffer.from(out);
}

function namespaceOf(cluster: TestbedCluster, p: Map<string, string>): string {
  const ns = p.get('namespace') ?? p.get('ns');
  if (!ns) throw new InfoError(4, 'missing namespace');
  if (!cluster.namespaces.has(ns)) throw new InfoError(20, `namespace '${ns}' not found`);
  return ns;
}

function answer(cluster: TestbedCluster, node: NodeInfo, cmd: string): string {
  const { name, path, params } = parseCommand(cmd);
  const self = `127.0.0.1:${node.port}`;
  switch (name) {
    case 'node':
      return node.name;
    case 'partition-generation':
      return String(cluster.partitionGeneration);
    case 'peers-generation':
      return String(cluster.peersGeneration);
    case 'rebalance-generation':
      return '1';
    case 'rack-ids':
      return [...cluster.namespaces.keys()].map((ns) => `${ns}:0`).join(';');
    case 'build':
      return cluster.build;
    case 'version':
      return `Aerospike Community Edition build ${cluster.build}`;
    case 'edition':
      return 'Aerospike Community Edition';
    case 'features':
      return FEATURES;
    case 'cluster-name':
      return 'null';
    case 'service':
    case 'service-clear-std':
    case 'service-clear-alt':
      return self;
    case 'services':
    case 'services-alumni':
      return cluster.nodes.filter((n) => n !== node).map((n) => `127.0.0.1:${n.port}`).join(';');
    case 'peers-clear-std':
    case 'peers-clear-alt':
      return cluster.peersFor(node.index);
    case 'peers-tls-std':
    case 'peers-tls-alt':
      return `${cluster.peersGeneration},,[]`;
    case 'replicas':
      return cluster.replicasFor(node.index);
    case 'replicas-all':
      return cluster.replicasFor(node.index).replace(/:0,/g, ':');
    case 'replicas-master':
      return cluster
        .replicasFor(node.index)
        .split(';')
        .map((g) => {
          const [ns, rest] = g.split(':') as [string, string];
          return `${ns}:${rest.split(',')[2]}`;
        })
        .join(';');
    case 'partitions':
      return String(N_PARTITIONS);
    case 'user-agent-set':
    case 'status':
      return 'ok';
    case 'cluster-stable':
      return 'A1B2C3D4E5F6';
    case 'statistics':
      return `cluster_size=${cluster.nodes.length};cluster_key=A1B2C3D4E5F6;cluster_integrity=true;objects=${[...cluster.namespaces.values()].reduce((a, s) => a + s.objects(), 0)};client_connections=${node.stats.connections}`;
    case 'namespaces':
      return [...cluster.namespaces.keys()].join(';');
    case 'namespace':
      return namespaceStats(cluster, node, path[0] ?? params.get('id') ?? '');
    case 'sets':
      return setsInfo(cluster, path[0], path[1]);
    case 'get-config':
      return getConfig(cluster, params);
    case 'sindex':
      // `sindex/<ns>/<name>` is the per-index statistics the Node IndexJob polls for load_pct;
      // plain `sindex` / `sindex/<ns>` list the indexes.
      if (path.length >= 2) {
        if (!cluster.namespaces.has(path[0]!)) throw new InfoError(20, `namespace '${path[0]}' not found`);
        return sindexStat(cluster, path[0]!, path[1]!);
      }
      return sindexList(cluster, params.get('namespace') ?? params.get('ns') ?? path[0]);
    case 'sindex-list':
      return sindexList(cluster, params.get('namespace') ?? params.get('ns') ?? path[0]);
    case 'sindex-create':
      return sindexCreate(cluster, params);
    case 'sindex-delete': {
      const ns = namespaceOf(cluster, params);
      const idx = params.get('indexname');
      if (!idx) throw new InfoError(4, 'missing indexname');
      cluster.sindexes.delete(`${ns}/${idx}`);
      return 'ok';
    }
    case 'sindex-exists': {
      const ns = namespaceOf(cluster, params);
      return cluster.sindexes.has(`${ns}/${params.get('indexname') ?? ''}`) ? 'true' : 'false';
    }
    case 'sindex-stat': {
      const ns = namespaceOf(cluster, params);
      return sindexStat(cluster, ns, params.get('indexname') ?? '');
    }
    case 'udf-put':
      return udfPut(cluster, params);
    case 'udf-get': {
      const udf = cluster.udfs.get(params.get('filename') ?? '');
      if (!udf) return 'error=not_found';
      return `type=${udf.type};content=${udf.content.toString('base64')};`;
    }
    case 'udf-list':
      return [...cluster.udfs.values()].map((u) => `filename=${u.name},hash=${u.hash},type=${u.type};`).join('');
    case 'udf-remove': {
      const fname = params.get('filename') ?? '';
      if (!cluster.udfs.delete(fname)) return 'error=not_found';
      return 'ok';
    }
    case 'truncate':
    case 'truncate-namespace':
      return truncate(cluster, name, params);
    case 'query-show':
    case 'scan-show':
      throw new InfoError(2, 'job not found');
    case 'testbed-fault':
      try {
        applyFaultParams(cluster.faults, params);
      } catch (err) {
        throw new InfoError(4, (err as Error).message);
      }
      return describeFaults(cluster.faults);
    case 'testbed-clock': {
      const adv = params.get('advance-ms');
      if (adv !== undefined) {
        const n = Number(adv);
        if (!Number.isFinite(n)) throw new InfoError(4, `advance-ms must be a number, got '${adv}'`);
        cluster.clock.advance(n);
      }
      return `now-ms=${cluster.clock.nowMs()}`;
    }
    case 'testbed-stats':
      return Object.entries(node.stats)
        .map(([k, v]) => `${k}=${v}`)
        .join(';');
    default:
      throw new InfoError(4, `unrecognized command '${name}'`);
  }
}

function namespaceStats(cluster: TestbedCluster, node: NodeInfo, ns: string): string {
  const store = cluster.namespaces.get(ns);
  if (!store) return 'type=unknown';
  // Like a real node, count what this node holds: partitions it masters plus the replicas it
  // keeps for others (the replica of p lives on node (p + 1) % n, see TestbedCluster).
  let master = 0;
  let prole = 0;
  const n = cluster.nodes.length;
  const rf = cluster.replicationFactor();
  store.partitions.forEach((part, pid) => {
    if (cluster.masterOf(pid) === node.index) master += part.size;
    else if (rf > 1 && (pid + 1) % n === node.index) prole += part.size;
  });
  const pairs: Array<[string, string | number]> = [
    ['objects', master + prole],
    ['tombstones', 0],
    ['master_objects', master],
    ['prole_objects', prole],
    ['ns_cluster_size', cluster.nodes.length],
    ['effective_replication_factor', cluster.replicationFactor()],
    ['replication-factor', cluster.replicationFactor()],
    ['stop_writes', 'false'],
    ['storage-engine', 'memory'],
    ['default-ttl', 0],
    ['max-record-size', cluster.maxRecordSize],
    ['pi_query_long_basic_complete', node.stats.scanRequests],
  ];
  return pairs.map(([k, v]) => `${k}=${v}`).join(';');
}

function setsInfo(cluster: TestbedCluster, ns?: string, set?: string): string {
  let out = '';
  for (const [name, store] of cluster.namespaces) {
    if (ns !== undefined && ns !== name) continue;
    for (const [s, n] of store.setStats()) {
      if (set !== undefined && set !== s) continue;
      out += `ns=${name}:set=${s}:objects=${n}:tombstones=0:data_used_bytes=0:truncate_lut=0:sindexes=0:index_populating=false:truncating=false:disable-eviction=false;`;
    }
  }
  return out;
}

function getConfig(cluster: TestbedCluster, params: Map<string, string>): string {
  const ctx = params.get('context') ?? 'service';
  if (ctx === 'service') return 'batch-index-threads=4;batch-max-requests=5000;proto-fd-max=15000;query-threads-limit=128';
  if (ctx === 'namespace') {
    const ns = params.get('id') ?? params.get('namespace') ?? '';
    if (!cluster.namespaces.has(ns)) throw new InfoError(20, `namespace '${ns}' not found`);
    return `replication-factor=${cluster.replicationFactor()};default-ttl=0;max-record-size=${cluster.maxRecordSize};storage-engine=memory`;
  }
  throw new InfoError(4, `unknown config context '${ctx}'`);
}

const INDEX_TYPES = new Map([
  ['NUMERIC', 'NUMERIC'],
  ['INTEGER', 'NUMERIC'],
  ['INT SIGNED', 'NUMERIC'],
  ['STRING', 'STRING'],
  ['TEXT', 'STRING'],
  ['BLOB', 'BLOB'],
  ['GEO2DSPHERE', 'GEO2DSPHERE'],
  ['GEOJSON', 'GEO2DSPHERE'],
]);
const COLLECTION_TYPES = new Set(['DEFAULT', 'LIST', 'MAPKEYS', 'MAPVALUES']);

function sindexCreate(cluster: TestbedCluster, p: Map<string, string>): string {
  const ns = namespaceOf(cluster, p);
  const name = p.get('indexname');
  if (!name) throw new InfoError(4, 'missing indexname');
  if (Buffer.byteLength(name) > 255) throw new InfoError(205, 'index name too long');
  let bin = p.get('bin');
  let type = p.get('type');
  const indexdata = p.get('indexdata');
  if (indexdata !== undefined) [bin, type] = indexdata.split(',');
  if (!bin || !type) throw new InfoError(4, 'missing bin or type');
  const t = INDEX_TYPES.get(type.toUpperCase());
  if (!t) throw new InfoError(4, `bad index type '${type}'`);
  const it = (p.get('indextype') ?? 'DEFAULT').toUpperCase();
  if (!COLLECTION_TYPES.has(it)) throw new InfoError(4, `bad indextype '${it}'`);
  const setName = p.get('set');
  const def: SindexDef = {
    namespace: ns,
    set: setName && setName.toLowerCase() !== 'null' ? setName : null,
    name,
    bin,
    type: t,
    indexType: it,
    context: p.get('context') || null,
    exp: p.get('exp') || null,
  };
  const key = `${ns}/${name}`;
  const existing = cluster.sindexes.get(key);
  if (existing) {
    if (JSON.stringify(existing) === JSON.stringify(def)) return 'ok';
    throw new InfoError(200, 'index with the same name already exists');
  }
  cluster.sindexes.set(key, def);
  return 'ok';
}

function sindexList(cluster: TestbedCluster, ns?: string): string {
  let out = '';
  for (const d of cluster.sindexes.values()) {
    if (ns && d.namespace !== ns) continue;
    out +=
      `ns=${d.namespace}:indexname=${d.name}:set=${d.set ?? 'NULL'}:bin=${d.bin}:type=${d.type.toLowerCase()}` +
      `:indextype=${d.indexType.toLowerCase()}:context=${d.context ?? 'NULL'}:exp=${d.exp ?? 'NULL'}:state=RW;`;
  }
  return out;
}

function sindexStat(cluster: TestbedCluster, ns: string, name: string): string {
  const d = cluster.sindexes.get(`${ns}/${name}`);
  if (!d) throw new InfoError(201, 'no index');
  return 'keys=0;entries=0;load_pct=100;loadtime=0;stat_gc_recs=0';
}

function udfPut(cluster: TestbedCluster, p: Map<string, string>): string {
  const name = p.get('filename');
  const content = p.get('content');
  if (!name) return 'error=invalid_filename';
  if (content === undefined) return 'error=empty_or_missing_content';
  const len = p.get('content-len');
  if (len !== undefined && Number(len) !== content.length) return 'error=invalid_content_length';
  const type = (p.get('udf-type') ?? 'LUA').toUpperCase();
  if (type !== 'LUA') return 'error=invalid_udf_type';
  const bytes = Buffer.from(content, 'base64');
  cluster.udfs.set(name, { name, content: bytes, type, hash: createHash('sha1').update(bytes).digest('hex') });
  return 'ok';
}

function truncate(cluster: TestbedCluster, name: string, p: Map<string, string>): string {
  const ns = namespaceOf(cluster, p);
  const set = name === 'truncate' ? (p.get('set') ?? null) : null;
  const now = cluster.clock.citrusleafMs();
  let cutoff = now;
  const lut = p.get('lut');
  if (lut !== undefined && lut !== '') {
    let ns64: bigint;
    try {
      ns64 = BigInt(lut);
    } catch {
      throw new InfoError(4, `bad lut '${lut}'`);
    }
    cutoff = unixNsToCitrusleafMs(ns64);
    if (cutoff > now) throw new InfoError(4, 'lut is in the future');
    if (cutoff <= 0) throw new InfoError(4, 'lut is before the citrusleaf epoch');
  }
  // Records written in the same millisecond as the truncate call are deleted too.
  cluster.namespaces.get(ns)!.truncate(set, cutoff + (lut ? 0 : 1));
  return 'ok';
}
