import { Command } from 'commander';
import { int } from './option-parsers.js';
import { startTestbed } from '../../e2e/testbed/index.js';

export function registerTestbedCommand(program: Command): void {
  program
    .command('testbed')
    .description('Run an in-memory Aerospike-compatible test cluster on 127.0.0.1 (foreground; stops on Ctrl-C)')
    .option('--port <port>', 'port of the first node; further nodes use the following ports', int('--port', 0), 3100)
    .option('--namespaces <list>', 'comma-separated namespace names', 'test,bar')
    .option('--nodes <n>', 'number of nodes', int('--nodes', 1), 1)
    .option('--user <user>', 'require login with this user')
    .option('--password <password>', 'password for --user')
    .option('--max-record-size <bytes>', 'largest record accepted', int('--max-record-size', 1024))
    .action(async (opts: { port: number; namespaces: string; nodes: number; user?: string; password?: string; maxRecordSize?: number }) => {
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
    });
}
