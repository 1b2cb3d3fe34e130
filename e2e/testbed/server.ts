/** Starts an in-memory, Aerospike-compatible cluster of one or more nodes on 127.0.0.1. */
import { createServer, type Server, type Socket } from 'node:net';
import { TestbedCluster, type TestbedOptions } from './cluster.js';
import { Connection } from './connection.js';

export interface Testbed {
  cluster: TestbedCluster;
  /** `host:port` of every node, first node first. */
  hosts: Array<{ addr: string; port: number }>;
  /** Seed string for the client, e.g. `127.0.0.1:3100`. */
  seed: string;
  close(): Promise<void>;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      server.off('error', reject);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

export async function startTestbed(options: TestbedOptions): Promise<Testbed> {
  const count = options.nodes ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > 32) throw new Error(`nodes must be an integer from 1 to 32, got ${count}`);
  const cluster = new TestbedCluster(options);
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      const port = await listen(server, options.port === 0 ? 0 : options.port + i);
      const node = cluster.addNode(port);
      server.on('connection', (socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        new Connection(cluster, node, socket);
      });
      servers.push(server);
    }
  } catch (err) {
    for (const s of servers) s.close();
    throw err;
  }
  const hosts = cluster.nodes.map((n) => ({ addr: '127.0.0.1', port: n.port }));
  return {
    cluster,
    hosts,
    seed: `127.0.0.1:${hosts[0]!.port}`,
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}
