/**
 * A minimal cluster view for the engine's data path: seeds, peers, the partition map and a
 * connection pool per node. It reads values in their wire form, which the official client
 * cannot give (it turns whole doubles into integers and raw lists into blobs).
 */
import { N_PARTITIONS } from '../wire/digest.js';
import { authenticate, login, passwordCredential } from './admin.js';
import { AerospikeError, ClientCode } from './errors.js';
import { parsePeers, parseReplicas } from './peers.js';
import { MAX_POOLED_BYTES, WireConnection } from './wire-connection.js';

export interface HostAddress {
  host: string;
  port: number;
}

export interface ClusterOptions {
  hosts: HostAddress[];
  user?: string;
  password?: string;
  connectTimeoutMs?: number;
  /** Idle connections kept per node. */
  maxIdlePerNode?: number;
}

export class ClusterNode {
  readonly idle: WireConnection[] = [];
  constructor(
    readonly name: string,
    readonly address: HostAddress,
  ) {}

  toString(): string {
    return `${this.name} (${this.address.host}:${this.address.port})`;
  }
}

/** Parses `host:port[,host:port…]` as users type it; IPv6 in brackets. */
export function parseHosts(spec: string, defaultPort = 3000): HostAddress[] {
  const out: HostAddress[] = [];
  for (const raw of spec.split(',')) {
    const s = raw.trim();
    if (!s) continue;
    let host: string;
    let port = defaultPort;
    if (s.startsWith('[')) {
      const end = s.indexOf(']');
      if (end < 0) throw new Error(`cluster address '${s}': missing ']'`);
      host = s.slice(1, end);
      if (s[end + 1] === ':') port = Number(s.slice(end + 2));
    } else {
      const colon = s.lastIndexOf(':');
      host = colon < 0 ? s : s.slice(0, colon);
      if (colon >= 0) port = Number(s.slice(colon + 1));
    }
    if (!host) throw new Error(`cluster address '${s}': missing host`);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`cluster address '${s}': port must be 1-65535`);
    out.push({ host, port });
  }
  if (out.length === 0) throw new Error('cluster address is empty');
  return out;
}

export class AerospikeCluster {
  readonly nodes: ClusterNode[] = [];
  /** Per namespace, the master node of every partition. */
  private readonly masters = new Map<string, Array<ClusterNode | undefined>>();
  private session: Buffer | null = null;
  private readonly credential: string | undefined;
  private readonly connectTimeoutMs: number;
  private readonly maxIdle: number;
  /**
   * Recycled response bodies of connections that went idle, for the next connection acquired:
   * a scan moving from node to node takes its buffers along instead of leaving them behind.
   */
  private spareBodies: Buffer[] = [];
  build = '';
  private closed = false;

  private constructor(private readonly options: ClusterOptions) {
    this.credential = options.password !== undefined ? passwordCredential(options.password) : undefined;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    this.maxIdle = options.maxIdlePerNode ?? 16;
  }

  static async connect(options: ClusterOptions): Promise<AerospikeCluster> {
    if (options.hosts.length === 0) throw new Error('no cluster hosts given');
    if ((options.user === undefined) !== (options.password === undefined)) throw new Error('user and password go together');
    const c = new AerospikeCluster(options);
    try {
      await c.refresh();
    } catch (err) {
      c.close();
      throw err;
    }
    return c;
  }

  /** Opens an authenticated connection to an address; returns it with the node's name. */
  private async open(address: HostAddress): Promise<{ conn: WireConnection; name: string; build: string }> {
    const conn = await WireConnection.open({ ...address, connectTimeoutMs: this.connectTimeoutMs });
    try {
      if (this.options.user !== undefined) {
        if (this.session) await authenticate(conn, this.options.user, this.session);
        else this.session = await login(conn, this.options.user, this.credential!);
      }
      const answers = await conn.info(['node', 'build', 'partition-generation']);
      const name = answers.get('node') ?? '';
      if (!name || name.startsWith('ERROR')) throw new AerospikeError(`${address.host}:${address.port} did not identify itself (${name || 'no answer'})`, ClientCode.PROTOCOL);
      if (answers.get('partition-generation') === '-1') throw new AerospikeError(`node ${name} is not ready (partition-generation -1)`, 11);
      return { conn, name, build: answers.get('build') ?? '' };
    } catch (err) {
      conn.close();
      throw err;
    }
  }

  /** (Re)discovers the nodes and the partition map. */
  async refresh(): Promise<void> {
    const known = new Map(this.nodes.map((n) => [n.name, n]));
    const queue: HostAddress[] = known.size > 0 ? [...known.values()].map((n) => n.address) : [...this.options.hosts];
    const seen = new Set<string>();
    const errors: string[] = [];
    while (queue.length > 0) {
      const addr = queue.shift()!;
      const key = `${addr.host}:${addr.port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      let opened;
      try {
        opened = await this.open(addr);
      } catch (err) {
        errors.push((err as Error).message);
        continue;
      }
      const { conn, name, build } = opened;
      try {
        let node = known.get(name);
        if (!node) {
          node = new ClusterNode(name, addr);
          known.set(name, node);
        }
        this.build ||= build;
        const answers = await conn.info(['peers-clear-std', 'replicas']);
        for (const peer of parsePeers(answers.get('peers-clear-std') ?? '0,,[]').peers) {
          if (!known.has(peer.name)) queue.push(...peer.addresses);
        }
        for (const [ns, owned] of parseReplicas(answers.get('replicas') ?? '')) {
          let map = this.masters.get(ns);
          if (!map) this.masters.set(ns, (map = new Array<ClusterNode | undefined>(N_PARTITIONS)));
          for (let p = 0; p < N_PARTITIONS; p++) if (owned[p]) map[p] = node;
        }
        this.release(node, conn);
      } catch (err) {
        conn.close();
        errors.push((err as Error).message);
      }
    }
    this.nodes.splice(0, this.nodes.length, ...known.values());
    if (this.nodes.length === 0) throw new AerospikeError(`could not connect to the cluster: ${errors.join('; ') || 'no nodes answered'}`, ClientCode.CONNECTION);
  }

  namespaces(): string[] {
    return [...this.masters.keys()];
  }

  masterOf(namespace: string, pid: number): ClusterNode | undefined {
    return this.masters.get(namespace)?.[pid];
  }

  async acquire(node: ClusterNode): Promise<WireConnection> {
    if (this.closed) throw new AerospikeError('cluster connection is closed', ClientCode.CANCELLED);
    let conn: WireConnection | undefined;
    while (!conn && node.idle.length > 0) {
      const c = node.idle.pop()!;
      if (c.usable) conn = c;
      else c.close();
    }
    conn ??= (await this.open(node.address)).conn;
    if (this.spareBodies.length) this.spareBodies = conn.adoptPool(this.spareBodies);
    return conn;
  }

  release(node: ClusterNode, conn: WireConnection): void {
    // Its bodies go to the next connection acquired; beyond what one connection keeps, to the GC.
    const bodies = conn.takePool();
    if (!this.closed) {
      let bytes = 0;
      for (const b of this.spareBodies) bytes += b.length;
      for (const b of bodies) {
        if (bytes + b.length > MAX_POOLED_BYTES) continue;
        this.spareBodies.push(b);
        bytes += b.length;
      }
    }
    if (!this.closed && conn.usable && node.idle.length < this.maxIdle) {
      conn.setSocketTimeout(0);
      node.idle.push(conn);
    } else conn.close();
  }

  async info(node: ClusterNode, commands: string[]): Promise<Map<string, string>> {
    const conn = await this.acquire(node);
    try {
      const out = await conn.info(commands);
      this.release(node, conn);
      return out;
    } catch (err) {
      conn.close();
      throw err;
    }
  }

  /** Runs info commands on any node (the first one that answers). */
  async infoAny(commands: string[]): Promise<Map<string, string>> {
    let last: unknown;
    for (const n of this.nodes) {
      try {
        return await this.info(n, commands);
      } catch (err) {
        last = err;
      }
    }
    throw last ?? new AerospikeError('no nodes', ClientCode.CONNECTION);
  }

  close(): void {
    this.closed = true;
    for (const n of this.nodes) for (const c of n.idle.splice(0)) c.close();
    this.spareBodies = [];
  }
}
