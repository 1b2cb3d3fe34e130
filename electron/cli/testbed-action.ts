/** What `tidemark testbed` does (testbed-command.ts defines its options). */
import { startTestbed } from '../../e2e/testbed/index.js';

export interface TestbedCliOptions {
  port: number;
  namespaces: string;
  nodes: number;
  user?: string;
  password?: string;
  maxRecordSize?: number;
}

export async function testbedCommand(opts: TestbedCliOptions): Promise<void> {
  const testbed = await startTestbed({
    port: opts.port,
    namespaces: opts.namespaces.split(',').map((s) => s.trim()).filter(Boolean),
    nodes: opts.nodes,
    ...(opts.user !== undefined ? { user: opts.user } : {}),
    ...(opts.password !== undefined ? { password: opts.password } : {}),
    ...(opts.maxRecordSize !== undefined ? { maxRecordSize: opts.maxRecordSize } : {}),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`testbed listening on ${testbed.seed}\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void testbed.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
