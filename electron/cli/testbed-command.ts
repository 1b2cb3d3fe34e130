/** `tidemark testbed`: its options here; what it does is in testbed-action.ts, loaded when it runs. */
import { Command } from 'commander';
import { int } from './option-parsers.js';
import type { TestbedCliOptions } from './testbed-action.js';

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
    .action(async (opts: TestbedCliOptions) => {
      const { testbedCommand } = await import('./testbed-action.js');
      await testbedCommand(opts);
    });
}
