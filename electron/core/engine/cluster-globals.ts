/** Restores what a backup carries besides records: secondary-index definitions and UDF modules. */
import type { AerospikeCluster } from '../aerospike/cluster.js';
import type { SecondaryIndex, UdfModule } from '../model/record.js';

const BIN_TYPE = { N: 'NUMERIC', S: 'STRING', B: 'BLOB', G: 'GEO2DSPHERE' } as const;
const INDEX_TYPE = { N: 'DEFAULT', L: 'LIST', K: 'MAPKEYS', V: 'MAPVALUES' } as const;

function atLeast(build: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = build.split('.').map(Number);
  return a > major || (a === major && b >= minor);
}

export class GlobalsError extends Error {
  override name = 'GlobalsError';
}

function failure(answer: string | undefined): string | undefined {
  if (answer === undefined) return 'no answer';
  const a = answer.trim();
  if (a.startsWith('ERROR') || a.startsWith('FAIL') || a.startsWith('error=')) return a;
  return undefined;
}

/** sindex-create in the syntax the server's version expects (wire protocol §3.4). */
export function sindexCreateCommand(idx: SecondaryIndex, build: string): string {
  const parts = atLeast(build, 8, 1)
    ? [`namespace=${idx.namespace}`, ...(idx.set ? [`set=${idx.set}`] : []), `indexname=${idx.name}`, `bin=${idx.bin}`, `type=${BIN_TYPE[idx.binType]}`]
    : [`ns=${idx.namespace}`, ...(idx.set ? [`set=${idx.set}`] : []), `indexname=${idx.name}`, `indexdata=${idx.bin},${BIN_TYPE[idx.binType]}`];
  if (idx.indexType !== 'N') parts.push(`indextype=${INDEX_TYPE[idx.indexType]}`);
  if (idx.context) parts.push(`context=${idx.context}`);
  return `sindex-create:${parts.join(';')}`;
}

/** Creates the index (an identical existing one is fine) and waits until it is fully built. */
export async function restoreIndex(cluster: AerospikeCluster, idx: SecondaryIndex, signal?: AbortSignal, waitMs = 60_000): Promise<void> {
  const cmd = sindexCreateCommand(idx, cluster.build);
  const err = failure((await cluster.infoAny([cmd])).get(cmd));
  if (err) {
    if (err.startsWith('ERROR:200')) throw new GlobalsError(`secondary index '${idx.name}' already exists on namespace '${idx.namespace}' with a different definition; drop it or restore with no-indexes`);
    throw new GlobalsError(`creating secondary index '${idx.name}' failed: ${err}`);
  }
  const stat = atLeast(cluster.build, 8, 1) ? `sindex-stat:namespace=${idx.namespace};indexname=${idx.name}` : `sindex/${idx.namespace}/${idx.name}`;
  const deadline = Date.now() + waitMs;
  for (;;) {
    let ready = true;
    for (const node of cluster.nodes) {
      const answer = (await cluster.info(node, [stat])).get(stat) ?? '';
      if (!/(?:^|;)load_pct=100(?:;|$)/.test(answer)) ready = false;
    }
    if (ready) return;
    if (signal?.aborted) throw new GlobalsError('restore cancelled while an index was building');
    if (Date.now() > deadline) throw new GlobalsError(`secondary index '${idx.name}' did not finish building within ${waitMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function restoreUdf(cluster: AerospikeCluster, udf: UdfModule): Promise<void> {
  const b64 = udf.content.toString('base64');
  const cmd = `udf-put:filename=${udf.name};content=${b64};content-len=${b64.length};udf-type=LUA;`;
  const err = failure((await cluster.infoAny([cmd])).get(cmd));
  if (err) throw new GlobalsError(`registering UDF module '${udf.name}' failed: ${err}`);
}
