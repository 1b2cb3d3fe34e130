/**
 * `tidemark profile export|import`: moving a configuration between machines. Secrets are left out
 * unless a passphrase encrypts them; an import always shows what it would change, and changes
 * nothing when it is refused. The options are defined here; what the commands do is in
 * profile-actions.ts, loaded when one runs.
 */
import { Command, Option } from 'commander';
import type { ExportOptions, ImportCliOptions } from './profile-actions.js';
import { collect } from './option-parsers.js';
import { action, addServiceOptions } from './service-options.js';

const load = () => import('./profile-actions.js');

export function registerProfileCommand(program: Command): void {
  const profile = program.command('profile').description('Export the configuration to a file, or import one (Tidemark profile or ABS config file)');

  addServiceOptions(
    profile
      .command('export')
      .argument('<file>', "where to write ('-' for standard output)")
      .option('--routine <name>', 'only these routines and what they use (repeat or comma-separate)', collect)
      .addOption(new Option('--format <format>', 'json or yaml (a Tidemark profile), or abs (an ABS config file)').choices(['json', 'yaml', 'abs']).default('json'))
      .option('--passphrase-env <VAR>', 'include the secrets, encrypted with the passphrase in this environment variable')
      .option('--include-plaintext-secrets', 'abs format only: write passwords in plain text (ABS files cannot encrypt them)')
      .description('Write the configuration, or chosen routines, to a file; secrets are left out unless encrypted'),
  ).action(
    action('profile export', async (o: ExportOptions, file: string) => (await load()).exportCommand(o, file)),
  );

  addServiceOptions(
    profile
      .command('import')
      .argument('<file>', 'a Tidemark profile (JSON or YAML) or an ABS config file')
      .option('--dry-run', 'only show what would change')
      .option('--replace', 'replace the whole configuration (default: merge)')
      .option('--overwrite', 'merge: entries that differ take the file\'s version')
      .option('--passphrase-env <VAR>', 'the passphrase of encrypted secrets, from this environment variable')
      .option('--skip-secrets', 'import none of the file\'s secrets')
      .option('--allow-missing-secrets', 'import entries even when their secrets are not available')
      .option('--allow-plaintext-secrets', 'store secrets in the config file in plain text (no OS keychain here)')
      .description('Preview, then merge or replace the configuration from a file; nothing changes when it is refused'),
  ).action(
    action('profile import', async (o: ImportCliOptions, file: string) => (await load()).importCommand(o, file)),
  );
}
