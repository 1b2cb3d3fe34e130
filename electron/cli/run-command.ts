/**
 * `tidemark run ROUTINE`: a configured routine's backup, as a job of the service core — recorded
 * in the history, seen by a `tidemark serve` on the same config, subject to the same overlap rule
 * and hooks, cancellable with `tidemark cancel` from another shell. The job runs in this process,
 * so the command stays until it ends; Ctrl-C cancels it cleanly. The options are defined here;
 * what the command does is in run-action.ts, loaded when it runs.
 */
import { Command } from 'commander';
import { int } from './option-parsers.js';
import type { RunOptions } from './run-action.js';
import { action, addServiceOptions } from './service-options.js';

export function registerRunCommand(program: Command): void {
  addServiceOptions(
    program
      .command('run')
      .argument('<routine>', 'a configured routine')
      .description('Back up a configured routine now, as a job in the history')
      .option('--incremental', 'an incremental backup (changes since the routine\'s previous backup)')
      .option('--wait', 'show live progress until the backup ends')
      .option('--label <text>', 'a label shown with this backup everywhere')
      .option('--delay <ms>', 'start after this many milliseconds', int('--delay', 0)),
  ).action(
    action('run', async (o: RunOptions, routine: string) => (await import('./run-action.js')).runCommand(o, routine)),
  );
}
