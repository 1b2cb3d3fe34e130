/** What `tidemark cp` and `tidemark merge` do (copy-merge-commands.ts defines their options). */
import type { Job } from '../../shared/schemas/job.js';
import { exitCodeOf, followJob } from './follow-job.js';
import { openService } from './service-open.js';
import { printJson, type ServiceCliOptions } from './service-options.js';

export type CopyOptions = ServiceCliOptions & { to: string; from?: string; incrementals?: boolean };
export type MergeOptions = ServiceCliOptions & { upto?: number; to?: string };

function report(final: Job, json: boolean | undefined, ok: (j: Job) => string): number {
  if (json) printJson(final);
  else process.stdout.write(`${final.status === 'success' ? ok(final) : `${final.status}: ${final.error ?? ''}`}\n`);
  return exitCodeOf(final);
}

export async function copyCommand(o: CopyOptions, key: string): Promise<number> {
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
}

export async function mergeCommand(o: MergeOptions, routine: string): Promise<number> {
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
}
