/** `tidemark demo`: its options here; what it does is in demo-action.ts, loaded when it runs. */
import { Command } from 'commander';
import type { DemoOptions } from './demo-action.js';
import { int } from './option-parsers.js';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('The product on sample data: a testbed, a demo routine with a full and an incremental backup taken, and `tidemark serve` with the web UI (Ctrl-C stops); --exit runs a scripted backup/point-in-time-restore round trip instead')
    .option('--port <port>', 'testbed port', int('--port', 0), 3100)
    .option('--http-port <port>', 'REST API and web UI port', int('--http-port', 0), 8080)
    .option('--records <n>', 'sample records', int('--records', 10), 10000)
    .option('--dir <folder>', 'the demo\'s config, state and backups (made afresh each time)', '.tidemark-demo')
    .option('--exit', 'run the scripted round trip (full + incrementals, point-in-time restore, checked) and stop')
    .action(async (o: DemoOptions) => {
      try {
        const { roundTrip, runningDemo } = await import('./demo-action.js');
        process.exitCode = await (o.exit ? roundTrip(o) : runningDemo(o));
      } catch (err) {
        process.stderr.write(`tidemark demo: ${(err as Error).message}\n`);
        process.exitCode = 1;
      }
    });
}
