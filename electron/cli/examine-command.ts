/**
 * `tidemark examine`: one record's history across a routine's backups (newest first), and
 * optionally one version written back into a cluster or exported as JSON. The options are defined
 * here; what the command does is in examine-action.ts, loaded when it runs.
 */
import { Command, Option } from 'commander';
import type { ExamineOptions } from './examine-action.js';
import { action, addServiceOptions } from './service-options.js';

export function registerExamineCommand(program: Command): void {
  addServiceOptions(
    program
      .command('examine')
      .description("One record's history across a routine's backups: every version's bins, generation and expiry, newest first")
      .requiredOption('--routine <name>', 'a configured routine')
      .option('--set <name>', "the record's set (part of the digest; omit for records without a set)")
      .option('--key <key>', 'the user key (bytes: hex, or base64:...)')
      .addOption(new Option('--key-type <type>', 'how to read --key').choices(['string', 'integer', 'bytes']).default('string'))
      .option('--digest <hex>', 'the record digest (40 hex digits) instead of --set/--key')
      .option('--in-namespace <ns>', 'search only the backups of this namespace')
      .option('--no-index', 'scan every backup, ignoring record indexes')
      .option('--build-index', "first write the record index of every backup that lacks one")
      .option('--restore-to <cluster>', 'write one version (see --backup) into this configured cluster')
      .option('--namespace <ns>', 'with --restore-to: the destination namespace (default: the version\'s own)')
      .option('--backup <key>', 'with --restore-to or --export: the backup whose version to use (default: the newest)')
      .option('--export <file>', 'write one version (see --backup) as JSON to this file'),
  ).action(
    action('examine', async (o: ExamineOptions) => (await import('./examine-action.js')).examineCommand(o)),
  );
}
