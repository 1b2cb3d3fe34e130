/**
 * `tidemark cp KEY --to STORAGE` and `tidemark merge ROUTINE`: jobs of the service core, with live
 * progress on stderr; Ctrl-C cancels (and a cancelled copy or merge leaves nothing behind). The
 * options are defined here; what the commands do is in copy-merge-actions.ts, loaded when one runs.
 */
import { Command } from 'commander';
import type { CopyOptions, MergeOptions } from './copy-merge-actions.js';
import { parseTime } from './option-parsers.js';
import { action, addServiceOptions } from './service-options.js';

const load = () => import('./copy-merge-actions.js');

export function registerCopyMergeCommands(program: Command): void {
  addServiceOptions(
    program
      .command('cp')
      .argument('<key>', 'backup key: <routine>/backup/<ms>[/data/<ns>] (with its incrementals) or <routine>/incremental/<ms>[/data/<ns>]')
      .description('Copy a backup to another storage, every file checked against its recorded SHA-256')
      .requiredOption('--to <storage>', 'destination storage (configured name)')
      .option('--from <storage>', "storage holding the backup (default: the storage of the routine the key names)")
      .option('--no-incrementals', 'copy a full backup without its incrementals'),
  ).action(action('cp', async (o: CopyOptions, key: string) => (await load()).copyCommand(o, key)));

  addServiceOptions(
    program
      .command('merge')
      .argument('<routine>', 'a configured routine')
      .description('Fold a full backup and its incrementals into one new full backup (the cluster is not touched)')
      .option('--upto <time>', 'fold the chain a restore to this time would apply (Unix ms or ISO-8601; default now)', parseTime('--upto'))
      .option('--to <storage>', "where the merged backup goes (default: the routine's storage)"),
  ).action(action('merge', async (o: MergeOptions, routine: string) => (await load()).mergeCommand(o, routine)));
}
