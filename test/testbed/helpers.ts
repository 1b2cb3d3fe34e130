/**
 * Shared set-up for the testbed suites: a testbed on an ephemeral 127.0.0.1 port plus one
 * official-client connection whose log (level WARN, C client included) is captured to a file that
 * `clientLog()` reads back as an array of lines.
 *
 * The testbed runs in a worker thread (startTestbedWorker): the client connects and answers info
 * requests synchronously on the calling thread, so a testbed on the test's own thread could never
 * reply.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import Aerospike from 'aerospike';
import { startTestbedWorker, type TestbedHandle } from '../../e2e/testbed/index.js';
import type { TestbedOptions } from '../../e2e/testbed/index.js';

/** Testbed options without the port (always ephemeral); namespaces default to test and bar. */
export type TestbedStartOptions = Omit<TestbedOptions, 'log' | 'port' | 'namespaces'> & { namespaces?: string[] };

export interface TestbedEnv {
  readonly testbed: TestbedHandle;
  readonly client: Aerospike.Client;
  /** Lines the client logged at WARN or above since the client was connected. */
  clientLog(): string[];
  /** Value of one info command sent to any node (the echoed command name stripped). */
  info(command: string): Promise<string>;
  /** Opens another client against the same testbed; it is closed in `after`. */
  connect(config?: Partial<Aerospike.ConfigOptions>): Promise<Aerospike.Client>;
}

/** Splits `cmd\tvalue\n` answers; returns the value of the single command. */
export function infoValue(raw: string): string {
  const line = raw.endsWith('\n') ? raw.slice(0, -1) : raw;
  const tab = line.indexOf('\t');
  return tab < 0 ? line : line.slice(tab + 1);
}

/** `k=v;k=v` → Map. */
export function parsePairs(text: string, sep = ';'): Map<string, string> {
  const out = new Map<string, string>();
  for (const kv of text.split(sep)) {
    if (!kv) continue;
    const eq = kv.indexOf('=');
    out.set(eq < 0 ? kv : kv.slice(0, eq), eq < 0 ? '' : kv.slice(eq + 1));
  }
  return out;
}

/** Testbed counters of the node that answered (`testbed-stats`). */
export async function testbedStats(client: Aerospike.Client): Promise<Record<string, number>> {
  const pairs = parsePairs(infoValue(await client.infoAny('testbed-stats')));
  return Object.fromEntries([...pairs].map(([k, v]) => [k, Number(v)]));
}

/** The status code carried by a rejected client promise. */
export async function errorCode(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'number') return code;
    throw err;
  }
  throw new Error('expected the command to fail, but it succeeded');
}

/**
 * Registers `before`/`after` hooks that start a testbed and connect a client. The returned object
 * is filled in by `before`; read its properties inside tests only.
 */
export function useTestbed(options: TestbedStartOptions = {}, config: Partial<Aerospike.ConfigOptions> = {}): TestbedEnv {
  let testbed: TestbedHandle | undefined;
  let client: Aerospike.Client | undefined;
  const extra: Aerospike.Client[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-testbed-'));
  const logPath = join(dir, 'client.log');
  let logFd: number | undefined;

  const clientConfig = (c: Partial<Aerospike.ConfigOptions>): Aerospike.ConfigOptions => ({
    hosts: testbed!.seed,
    log: { level: Aerospike.log.WARN, file: logFd! },
    ...(options.user !== undefined ? { user: options.user, password: options.password } : {}),
    ...config,
    ...c,
  });

  const env: TestbedEnv = {
    get testbed() {
      if (!testbed) throw new Error('testbed not started (use env inside tests only)');
      return testbed;
    },
    get client() {
      if (!client) throw new Error('client not connected (use env inside tests only)');
      return client;
    },
    clientLog() {
      return readFileSync(logPath, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '');
    },
    async info(command) {
      return infoValue(await env.client.infoAny(command));
    },
    async connect(c = {}) {
      const other = await Aerospike.connect(clientConfig(c));
      extra.push(other);
      return other;
    },
  };

  before(async () => {
    logFd = openSync(logPath, 'a');
    // The C client logs through the process-wide default; the per-client `log` option only covers
    // the binding's own messages. Each test file runs in its own process, so this is not shared.
    Aerospike.setDefaultLogging({ level: Aerospike.log.WARN, file: logFd });
    testbed = await startTestbedWorker({ port: 0, namespaces: ['test', 'bar'], ...options });
    client = await Aerospike.connect(clientConfig({}));
  });

  after(async () => {
    for (const c of extra) c.close();
    client?.close();
    await testbed?.close();
    Aerospike.setDefaultLogging({ level: Aerospike.log.WARN, file: 2 });
    if (logFd !== undefined) closeSync(logFd);
    rmSync(dir, { recursive: true, force: true });
  });

  return env;
}
