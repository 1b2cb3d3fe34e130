/**
 * `tidemark cp KEY --to STORAGE` and `tidemark merge ROUTINE`: jobs of the service core, with live
 * progress on stderr; Ctrl-C cancels (and a cancelled copy or merge leaves nothing behind).
 */
import { Command } from 'commander';
import type { Job } from '../../shared/schemas/job.js';
import { parseTime } from './option-parsers.js';
import { exitCodeOf, followJob } from './follow-job.js';
import { action, addServiceOptions, openService, printJson, type ServiceCliOptions } from './service-options.js';

function report(final: Job, json: boolean | undefined, ok: (j: Job) => string): number {
  if (json) printJson(final);
  else process.stdout.write(`${final.status === 'success' ? ok(final) : `${final.status}: ${final.error ?? ''}`}\n`);
  return exitCodeOf(final);
}

export function registerCopyMergeCommands(program: Command): void {
  addServiceOptions(
    program
      .command('cp')
      .argument('<key>', 'backup key: <routine>/backup/<ms>[/data/<ns>] (with its incrementals) or <routine>/incremental/<ms>[/data/<ns>]')
      .description('Copy a backup to another storage, every file checked against its recorded SHA-256')
      .requiredOption('--to <storage>', 'destination storage (configured name)')
      .option('--from <storage>', "storage holding the backup (default: the storage of the routine the key names)")
      .option('--no-incrementals', 'copy a full backup without its incrementals'),
  ).action(
    action('cp', async (o: ServiceCliOptions & { to: string; from?: string; incrementals?: boolean }, key: string) => {
      const service = await openService(o);
      try {
        const routine = key.split('/')[0] ?? '';
        const from = o.from ?? service.config.config['backup-routines'][routine]?.storage;
        if (!from) throw new Error(`--from: name the storage holding ${key} (no routine '${routine}' is configured)`);
        const final = await followJob(service, () => service.copyBackup({ storage: from, key, to: o.to, withIncrementals: o.incrementals !== false }), { what: () => `copy ${key} from '${from}' to '${o.to}'`, progress: !o.json });
        return report(final, o.json, (j) => {
          const keys = Array.isArray(j.details?.keys) ? (j.details.keys as string[]) : [];
          const unverified = Array.isArray(j.details?.unverified) ? (j.details.unverified as string[]) : [];
          return `copied ${keys.length} backup${keys.length === 1 ? '' : 's'} (${j.stats?.files ?? 0} files, ${j.stats?.bytes ?? 0} bytes) to '${o.to}'${keys.map((k) => `\n  ${k}`).join('')}${unverified.length ? `\n${unverified.length} file(s) had no recorded checksum (ABS metadata) and were checked in transit only` : ''}`;
        });
      } finally {
        await service.close();
      }
    }),
  );

  addServiceOptions(
    program
      .command('merge')
      .argument('<routine>', 'a configured routine')
      .description('Fold a full backup and its incrementals into one new full backup (the cluster is not touched)')
      .option('--upto <time>', 'fold the chain a restore to this time would apply (Unix ms or ISO-8601; default now)', parseTime('--upto'))
      .option('--to <storage>', "where the merged backup goes (default: the routine's storage)"),
  ).action(
    action('merge', async (o: ServiceCliOptions & { upto?: number; to?: string }, routine: string) => {
      const service = await openService(o);
      try {
        const upto = o.upto ?? service.clock.now();
        const final = await followJob(service, () => service.mergeBackups({ routine, upto, ...(o.to ? { to: o.to } : {}) }), { what: () => `merge of '${routine}' up to ${new Date(upto).toISOString()}`, progress: !o.json });
        return report(final, o.json, (j) => {
          const keys = Array.isArray(j.details?.keys) ? (j.details.keys as string[]) : [];
          return `merged ${Array.isArray(j.details?.sources) ? j.details.sources.length : 0} backups into a full backup of ${j.stats?.records ?? 0} records:${keys.map((k) => `\n  ${k}`).join('')}`;
        });
      } finally {
        await service.close();
      }
    }),
  );
}
