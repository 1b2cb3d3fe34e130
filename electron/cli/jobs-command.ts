/**
 * `tidemark jobs` (the history, any process's jobs) and `tidemark cancel`. The options are defined
 * here; what the commands do is in jobs-actions.ts, loaded when one runs.
 */
import { Command, InvalidArgumentError } from 'commander';
import type { CancelOptions, JobsOptions } from './jobs-actions.js';
import { collect, int, parseTime } from './option-parsers.js';
import { action, addServiceOptions } from './service-options.js';

const load = () => import('./jobs-actions.js');

/**
 * The job schemas, loaded just before `jobs` parses its options (see the preSubcommand hook), so
 * that `--status` is checked while commander parses — a bad value is a usage error, as for any
 * option — without loading them for every other command.
 */
let jobSchemas: typeof import('../../shared/schemas/job.js') | undefined;

function statusOption(v: string): string {
  try {
    jobSchemas!.parseStatusFilter(v);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
  return v;
}

export function registerJobsCommands(program: Command): void {
  const jobs = addServiceOptions(
    program
      .command('jobs')
      .description('Job history of every process on this config: backups, restores, retention, …')
      .option('--status <list>', 'comma list of statuses; a leading ! excludes (running, success, failure, canceled, skipped, pending)', statusOption)
      .option('--routine <name>', 'only this routine')
      .option('--type <type>', 'only these job types (repeat or comma-separate)', collect)
      .option('--from <ms|ISO>', 'created at or after', parseTime('--from'))
      .option('--to <ms|ISO>', 'created at or before', parseTime('--to'))
      .option('--limit <n>', 'at most this many, newest first', int('--limit', 1), 50),
  ).action(
    action('jobs', async (o: JobsOptions) => (await load()).jobsCommand(o)),
  );
  program.hook('preSubcommand', async (_program, sub) => {
    if (sub === jobs) jobSchemas ??= await import('../../shared/schemas/job.js');
  });

  addServiceOptions(
    program
      .command('cancel')
      .argument('[job]', 'job id')
      .option('--routine <name>', 'cancel every running backup of this routine')
      .description('Cancel a running or pending job (in this or another process); a cancelled backup removes what it wrote'),
  ).action(
    action('cancel', async (o: CancelOptions, id?: string) => (await load()).cancelCommand(o, id)),
  );
}
