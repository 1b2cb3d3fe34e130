/**
 * `tidemark ls`, `show`, `timeline`, `rm` and `register`: the catalog of every configured
 * storage. Every command refreshes the catalog from storage first (reading only new or changed
 * metadata), so what it shows is what is there now. The options are defined here; what the
 * commands do is in catalog-actions.ts, loaded when one runs.
 */
import { Command, InvalidArgumentError } from 'commander';
import type { LsOptions, RegisterOptions, RmOptions, ShowOptions, TimelineOptions } from './catalog-actions.js';
import { int, parseTime } from './option-parsers.js';
import { action, addServiceOptions } from './service-options.js';

const load = () => import('./catalog-actions.js');

function kindOption(v: string): 'full' | 'incremental' {
  if (v !== 'full' && v !== 'incremental') throw new InvalidArgumentError(`'${v}' is not full or incremental`);
  return v;
}

export function registerCatalogCommands(program: Command): void {
  addServiceOptions(
    program
      .command('ls')
      .description('List the backups on every configured storage (made by Tidemark, ABS or registered asbackup output), newest first')
      .option('--routine <name>', 'only this routine')
      .option('--namespace <ns>', 'only this namespace')
      .option('--type <type>', 'full or incremental', kindOption)
      .option('--storage <name>', 'only this storage')
      .option('--from <ms|ISO>', 'started at or after', parseTime('--from'))
      .option('--to <ms|ISO>', 'started at or before', parseTime('--to'))
      .option('--limit <n>', 'at most this many', int('--limit', 1))
      .option('--offset <n>', 'skip this many first', int('--offset', 0)),
  ).action(action('ls', async (o: LsOptions) => (await load()).lsCommand(o)));

  addServiceOptions(
    program.command('show').description("One backup's details: ABS fields, label, verification").argument('<key>', 'backup key, e.g. daily/backup/1707915600000/data/test').option('--storage <name>', 'the storage, when the key is on several'),
  ).action(action('show', async (o: ShowOptions, key: string) => (await load()).showCommand(o, key)));

  addServiceOptions(
    program
      .command('timeline')
      .description("A routine's restore points and failed, canceled or skipped runs; with --at, the chain a restore to that time applies")
      .argument('<routine>', 'routine name')
      .option('--at <ms|ISO>', 'plan a restore to this time', parseTime('--at'))
      .option('--namespace <ns>', 'only this namespace')
      .option('--storage <name>', "storage (default: the routine's)"),
  ).action(action('timeline', async (o: TimelineOptions, routine: string) => (await load()).timelineCommand(o, routine)));

  addServiceOptions(
    program
      .command('rm')
      .description('Delete a backup; a full backup goes with its incrementals. Lists what goes and asks first')
      .argument('<key>', 'backup key')
      .option('--storage <name>', 'the storage, when the key is on several')
      .option('--yes', 'do not ask: delete what is listed'),
  ).action(action('rm', async (o: RmOptions, key: string) => (await load()).rmCommand(o, key)));

  addServiceOptions(
    program
      .command('register')
      .description('Adopt an asbackup output folder (.asb files, no metadata.yaml) into a routine: listed, verifiable, restorable; the files are not changed')
      .argument('<path>', 'folder on the storage, relative to its root')
      .requiredOption('--storage <name>', 'configured storage holding the folder')
      .requiredOption('--routine <name>', 'routine to list it under')
      .option('--namespace <ns>', "namespace (default: read from the files' headers)")
      .option('--time <ms|ISO>', "the backup's time (default: its newest file's modification time)", parseTime('--time'))
      .option('--incremental', 'it holds only changes (asbackup --modified-after)')
      .option('--key-file <file>', 'PEM private key of an encrypted backup')
      .option('--key-env <VAR>', 'environment variable holding the key'),
  ).action(action('register', async (o: RegisterOptions, path: string) => (await load()).registerCommand(o, path)));
}
