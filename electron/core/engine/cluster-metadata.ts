/** Reads what a backup carries besides records: index definitions, UDF modules, object counts. */
import type { IndexBinType, IndexType, SecondaryIndex, UdfModule } from '../model/record.js';
import type { AerospikeCluster } from '../aerospike/cluster.js';

const BIN_TYPES: Record<string, IndexBinType> = {
  NUMERIC: 'N',
  'INT SIGNED': 'N',
  INTEGER: 'N',
  STRING: 'S',
  TEXT: 'S',
  BLOB: 'B',
  GEO2DSPHERE: 'G',
  GEOJSON: 'G',
};
const INDEX_TYPES: Record<string, IndexType> = { NONE: 'N', DEFAULT: 'N', LIST: 'L', MAPKEYS: 'K', MAPVALUES: 'V' };

function pairs(entry: string, sep: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const kv of entry.split(sep)) {
    const eq = kv.indexOf('=');
    if (eq > 0) out.set(kv.slice(0, eq), kv.slice(eq + 1));
  }
  return out;
}

function infoError(answer: string | undefined, what: string): void {
  if (answer === undefined) throw new Error(`${what}: no answer from the cluster`);
  if (answer.startsWith('ERROR') || answer.startsWith('error=')) throw new Error(`${what}: ${answer}`);
}

export interface IndexReadResult {
  indexes: SecondaryIndex[];
  /** Expression-based indexes: the .asb 3.1 format (and asrestore) cannot carry them. */
  skipped: string[];
}

export function parseSindexList(namespace: string, answer: string): IndexReadResult {
  const indexes: SecondaryIndex[] = [];
  const skipped: string[] = [];
  for (const entry of answer.split(';')) {
    if (!entry.trim()) continue;
    const p = pairs(entry, ':');
    const name = p.get('indexname') ?? '';
    if ((p.get('ns') ?? namespace) !== namespace) continue;
    const exp = p.get('exp');
    if (exp && exp.toUpperCase() !== 'NULL') {
      skipped.push(name);
      continue;
    }
    const binType = BIN_TYPES[(p.get('type') ?? '').toUpperCase()];
    const indexType = INDEX_TYPES[(p.get('indextype') ?? 'DEFAULT').toUpperCase()];
    const bin = p.get('bin');
    if (!binType || !indexType || !bin) throw new Error(`secondary index '${name}' has an unreadable definition: ${entry}`);
    const set = p.get('set');
    const ctx = p.get('context');
    indexes.push({
      namespace,
      set: set && set.toUpperCase() !== 'NULL' ? set : null,
      name,
      indexType,
      bin,
      binType,
      context: ctx && ctx.toUpperCase() !== 'NULL' ? ctx : null,
    });
  }
  return { indexes, skipped };
}

export async function readSecondaryIndexes(cluster: AerospikeCluster, namespace: string): Promise<IndexReadResult> {
  const cmd = `sindex-list:ns=${namespace};b64=true`;
  const answer = (await cluster.infoAny([cmd])).get(cmd);
  infoError(answer, `listing secondary indexes of '${namespace}'`);
  return parseSindexList(namespace, answer!);
}

export async function readUdfs(cluster: AerospikeCluster): Promise<UdfModule[]> {
  const list = (await cluster.infoAny(['udf-list'])).get('udf-list');
  infoError(list, 'listing UDF modules');
  const out: UdfModule[] = [];
  for (const entry of list!.split(';')) {
    if (!entry.trim()) continue;
    const name = pairs(entry, ',').get('filename');
    if (!name) continue;
    const cmd = `udf-get:filename=${name}`;
    const answer = (await cluster.infoAny([cmd])).get(cmd);
    infoError(answer, `reading UDF module '${name}'`);
    const content = pairs(answer!, ';').get('content');
    if (content === undefined) throw new Error(`reading UDF module '${name}': the answer has no content`);
    out.push({ type: 'L', name, content: Buffer.from(content, 'base64') });
  }
  return out;
}

/**
 * Estimated records in a namespace (or some of its sets): every node reports the objects it
 * holds as master or replica, so the sum is divided by the effective replication factor.
 */
export async function estimateRecords(cluster: AerospikeCluster, namespace: string, sets?: string[]): Promise<number> {
  let total = 0;
  let rf = 1;
  for (const node of cluster.nodes) {
    const nsCmd = `namespace/${namespace}`;
    const setCmd = `sets/${namespace}`;
    const answers = await cluster.info(node, sets && sets.length ? [nsCmd, setCmd] : [nsCmd]);
    const ns = pairs(answers.get(nsCmd) ?? '', ';');
    rf = Math.max(1, Number(ns.get('effective_replication_factor') ?? ns.get('replication-factor') ?? 1));
    if (sets && sets.length) {
      for (const entry of (answers.get(setCmd) ?? '').split(';')) {
        const p = pairs(entry, ':');
        if (sets.includes(p.get('set') ?? p.get('set_name') ?? '')) total += Number(p.get('objects') ?? 0);
      }
    } else total += Number(ns.get('objects') ?? 0);
  }
  return Math.round(total / rf);
}
