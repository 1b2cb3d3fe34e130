import { createHash } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { N_PARTITIONS } from '../../electron/core/wire/digest.js';
import { TestbedClock } from './clock.js';
import { NamespaceStore } from './store.js';
import { defaultFaults, SeededRandom, type FaultConfig } from './faults.js';

export interface TestbedOptions {
  /** First node's port; further nodes take the following ports. 0 = ephemeral ports. */
  port: number;
  namespaces: string[];
  nodes?: number;
  user?: string;
  password?: string;
  /** Largest record the server accepts, in bytes (the server's default is 1 MiB). */
  maxRecordSize?: number;
  /** Version reported by `build`; four parts, as asbackup requires. */
  build?: string;
  faults?: Partial<FaultConfig>;
  seed?: number;
  /** Receives one line per notable event (connections refused, protocol errors). */
  log?: (line: string) => void;
}

export interface SindexDef {
  namespace: string;
  set: string | null;
  name: string;
  bin: string;
  /** NUMERIC | STRING | BLOB | GEO2DSPHERE */
  type: string;
  /** DEFAULT | LIST | MAPKEYS | MAPVALUES */
  indexType: string;
  context: string | null;
  exp: string | null;
}

export interface UdfDef {
  name: string;
  content: Buffer;
  hash: string;
  type: string;
}

export interface NodeStats {
  connections: number;
  scanRequests: number;
  scanRecords: number;
  partitionsScanned: number;
  writes: number;
  injectedWriteFailures: number;
  droppedScans: number;
  /** Info requests answered. */
  infoRequests: number;
  /** Cluster-tend info requests (those asking for `peers-generation`). */
  tends: number;
}

export interface NodeInfo {
  index: number;
  name: string;
  port: number;
  stats: NodeStats;
}

/** State shared by every node of one testbed: the data, indexes, UDFs, users and faults. */
export class TestbedCluster {
  readonly clock = new TestbedClock();
  readonly namespaces = new Map<string, NamespaceStore>();
  readonly sindexes = new Map<string, SindexDef>();
  readonly udfs = new Map<string, UdfDef>();
  readonly faults: FaultConfig;
  readonly random: SeededRandom;
  readonly nodes: NodeInfo[] = [];
  readonly build: string;
  readonly maxRecordSize: number;
  readonly user: string | undefined;
  private readonly credential: string | undefined;
  readonly sessionToken: Buffer;
  readonly partitionGeneration = 1;
  readonly peersGeneration = 1;
  readonly log: (line: string) => void;

  constructor(readonly options: TestbedOptions) {
    if (options.namespaces.length === 0) throw new Error('at least one namespace is required');
    for (const ns of options.namespaces) {
      if (!/^[A-Za-z0-9_-]{1,31}$/.test(ns)) throw new Error(`invalid namespace name '${ns}' (1-31 letters, digits, '_' or '-')`);
      this.namespaces.set(ns, new NamespaceStore(ns, this.clock));
    }
    if ((options.user === undefined) !== (options.password === undefined)) throw new Error('--user and --password go together');
    this.user = options.user;
    // The client sends bcrypt(password) with a fixed salt, never the password itself.
    this.credential = options.password === undefined ? undefined : bcrypt.hashSync(options.password, '$2a$10$7EqJtq98hPqEX7fNZaFWoO');
    this.sessionToken = createHash('sha256').update(`testbed-session:${options.user ?? ''}:${Date.now()}`).digest();
    this.faults = { ...defaultFaults(), ...options.faults };
    this.random = new SeededRandom(options.seed ?? 1);
    this.build = options.build ?? '8.1.0.0';
    this.maxRecordSize = options.maxRecordSize ?? 1024 * 1024;
    this.log = options.log ?? (() => {});
  }

  get securityEnabled(): boolean {
    return this.credential !== undefined;
  }

  checkLogin(user: string, credential: string): 'ok' | 'user' | 'password' {
    if (user !== this.user) return 'user';
    return credential === this.credential ? 'ok' : 'password';
  }

  addNode(port: number): NodeInfo {
    const index = this.nodes.length;
    const node: NodeInfo = {
      index,
      // Upper-case hex like a real node id, distinct per testbed port.
      name: `BB9${(port & 0xffff).toString(16).toUpperCase().padStart(4, '0')}${index.toString(16).toUpperCase().padStart(8, '0')}`,
      port,
      stats: { connections: 0, scanRequests: 0, scanRecords: 0, partitionsScanned: 0, writes: 0, injectedWriteFailures: 0, droppedScans: 0, infoRequests: 0, tends: 0 },
    };
    this.nodes.push(node);
    return node;
  }

  /** Node index mastering partition `pid`: partitions are dealt round-robin. */
  masterOf(pid: number): number {
    return pid % this.nodes.length;
  }

  replicationFactor(): number {
    return Math.min(2, this.nodes.length);
  }

  /** The `replicas` answer for one node (wire protocol §4). */
  replicasFor(nodeIndex: number): string {
    const n = this.nodes.length;
    const rf = this.replicationFactor();
    const maps: string[] = [];
    for (let r = 0; r < rf; r++) {
      const bits = Buffer.alloc(N_PARTITIONS / 8);
      for (let p = 0; p < N_PARTITIONS; p++) if ((p + r) % n === nodeIndex) bits[p >> 3]! |= 0x80 >> (p & 7);
      maps.push(bits.toString('base64'));
    }
    return [...this.namespaces.keys()].map((ns) => `${ns}:0,${rf},${maps.join(',')}`).join(';');
  }

  peersFor(nodeIndex: number): string {
    const peers = this.nodes.filter((n) => n.index !== nodeIndex).map((n) => `[${n.name},,[127.0.0.1:${n.port}]]`);
    return `${this.peersGeneration},,[${peers.join(',')}]`;
  }

  /** Decides, reproducibly, whether fault injection fails this write. */
  injectWriteFailure(node: NodeInfo): number {
    const f = this.faults;
    if (f.failWriteFraction <= 0) return 0;
    if (this.random.next() >= f.failWriteFraction) return 0;
    node.stats.injectedWriteFailures++;
    return f.failWriteCode;
  }
}
