/** Parsers for the `peers-clear-std` and `replicas` info answers (wire protocol §4, §5). */
import { N_PARTITIONS } from '../wire/digest.js';

export interface Peer {
  name: string;
  addresses: Array<{ host: string; port: number }>;
}

/** Splits the top level of a bracketed, comma-separated list. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '[') depth++;
    if (ch === ']') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur !== '' || out.length > 0) out.push(cur);
  return out;
}

function unbracket(s: string): string {
  const t = s.trim();
  if (!t.startsWith('[') || !t.endsWith(']')) throw new Error(`expected a bracketed list, got '${s}'`);
  return t.slice(1, -1);
}

function parseAddress(a: string, defaultPort: number): { host: string; port: number } {
  if (a.startsWith('[')) {
    const end = a.indexOf(']');
    const host = a.slice(1, end);
    const rest = a.slice(end + 1);
    return { host, port: rest.startsWith(':') ? Number(rest.slice(1)) : defaultPort };
  }
  const colon = a.lastIndexOf(':');
  return colon < 0 ? { host: a, port: defaultPort } : { host: a.slice(0, colon), port: Number(a.slice(colon + 1)) };
}

export function parsePeers(answer: string): { generation: number; peers: Peer[] } {
  const [gen, port, ...rest] = splitTop(answer.trim());
  const defaultPort = port ? Number(port) : 3000;
  const list = unbracket(rest.join(','));
  const peers: Peer[] = [];
  for (const item of list ? splitTop(list) : []) {
    const [name, , addrs] = splitTop(unbracket(item));
    if (!name || addrs === undefined) throw new Error(`malformed peer entry '${item}'`);
    const inner = unbracket(addrs);
    peers.push({ name, addresses: inner ? splitTop(inner).map((a) => parseAddress(a, defaultPort)) : [] });
  }
  return { generation: Number(gen), peers };
}

/** For each namespace, which partitions the answering node masters. */
export function parseReplicas(answer: string): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const group of answer.trim().split(';')) {
    if (!group) continue;
    const colon = group.indexOf(':');
    const ns = group.slice(0, colon);
    const parts = group.slice(colon + 1).split(',');
    // regime, replication factor, then one bitmap per replica; the first bitmap is the master's.
    const master = Buffer.from(parts[2] ?? '', 'base64');
    if (master.length !== N_PARTITIONS / 8) throw new Error(`replicas bitmap for namespace '${ns}' has ${master.length} bytes, expected 512`);
    const owned = new Uint8Array(N_PARTITIONS);
    for (let p = 0; p < N_PARTITIONS; p++) owned[p] = (master[p >> 3]! & (0x80 >> (p & 7))) !== 0 ? 1 : 0;
    out.set(ns, owned);
  }
  return out;
}
