/** `tidemark verify`: its options here; what it does is in verify-action.ts, loaded when it runs. */
import { Command } from 'commander';
import { addS3Options } from './storage-options.js';
import type { VerifyOptions } from './verify-action.js';

/** By catalog key or by path: see verifyCommand. */
export function registerVerifyCommand(program: Command): void {
  const cmd = program
    .command('verify')
    .description('Check a backup: every file present, sizes and SHA-256 checksums as recorded, every record decodable')
    .argument('<key-or-path>', 'a catalog key (with a config), or a backup folder (with metadata.yaml), an asbackup folder or one .asb file; local or s3://bucket/…')
    .option('--key-file <file>', 'PEM private key of an encrypted backup')
    .option('--key-env <VAR>', 'environment variable holding the key (as asbackup --encryption-key-env)')
    .option('--config <file>', 'config file whose storages are searched for the key (default: $TIDEMARK_CONFIG or the default config, when it exists)')
    .option('--storage <name>', 'the configured storage holding the key')
    .option('--json', 'machine-readable output (catalog keys)');
  addS3Options(cmd).action(async (arg: string, o: VerifyOptions) => {
    const { verifyCommand } = await import('./verify-action.js');
    await verifyCommand(arg, o);
  });
}
