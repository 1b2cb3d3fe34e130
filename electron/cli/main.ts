import { Command, CommanderError } from 'commander';
import { TOOL_VERSION } from '../core/version.js';
import { registerBackupCommand } from './backup-command.js';
import { registerCatalogCommands } from './catalog-commands.js';
import { registerConfigCommand } from './config-command.js';
import { registerCopyMergeCommands } from './copy-merge-commands.js';
import { registerExamineCommand } from './examine-command.js';
import { registerJobsCommands } from './jobs-command.js';
import { registerProfileCommand } from './profile-command.js';
import { registerRunCommand } from './run-command.js';
import { registerScheduleCommand } from './schedule-command.js';
import { registerServeCommand } from './serve-command.js';
import { registerDemoCommand } from './demo-command.js';
import { registerRestoreCommand } from './restore-command.js';
import { registerTestbedCommand } from './testbed-command.js';
import { registerVerifyCommand } from './verify-command.js';

/**
 * Builds the `tidemark` program; each subsystem registers its own subcommand. A `*-command.ts`
 * module only defines its command — name, options, help — and its action imports what the
 * command does (`*-action.ts`, the core) when it runs, so `--help`, a usage error or one command
 * load nothing of the others: start-up stays fast, most of all from the CLI build, where each
 * action is a chunk of its own (scripts/build-cli.mjs). test/cli/cli-build.test.ts checks that
 * the build's entry imports no package but commander.
 */
export function buildProgram(): Command {
  const program = new Command('tidemark')
    .description('Tidemark: backup manager for Aerospike databases')
    .version(TOOL_VERSION)
    .showHelpAfterError()
    .exitOverride();
  registerDemoCommand(program);
  registerBackupCommand(program);
  registerRestoreCommand(program);
  registerVerifyCommand(program);
  registerCatalogCommands(program);
  registerExamineCommand(program);
  registerCopyMergeCommands(program);
  registerConfigCommand(program);
  registerRunCommand(program);
  registerJobsCommands(program);
  registerScheduleCommand(program);
  registerServeCommand(program);
  registerProfileCommand(program);
  registerTestbedCommand(program);
  return program;
}

/** Runs the CLI and resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    // Actions report failure through process.exitCode.
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    process.stderr.write(`tidemark: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
