/**
 * `tidemark ls`, `show`, `timeline`, `rm` and `register`: the catalog of every configured
 * storage. Every command refreshes the catalog from storage first (reading only new or changed
 * metadata), so what it shows is what is there now.
 */
import { createInterface } from 'node:readline/promises';
import { Command, InvalidArgumentError } from 'commander';
import type { TidemarkService } from '../core/service/tidemark-service.js';
import type { CatalogBackup, CatalogQuery, Timeline } from '../../shared/schemas/catalog.js';
import { int, parseTime } from './option-parsers.js';
import { action, addServiceOptions, formatTime, openService, printJson, table, type ServiceCliOptions } from './service-options.js';
import { keyHashFromOptions } from './storage-options.js';

function kindOption(v: string): 'full' | 'incremental' {
  if (v !== 'full' && v !== 'incremental') throw new InvalidArgumentError(`'${v}' is not full or incremental`);
  return v;
}

/** Refreshes the storages the command looks at; a storage that cannot be read is reported, not fatal. */
async function refresh(service: TidemarkService, storage?: string): Promise<void> {
  const results = storage !== undefined ? [await service.catalog.refresh(storage)] : await service.catalog.refreshAll();
  for (const r of results) {
    if ('error' in r) process.stderr.write(`warning: storage '${r.storage}' not refreshed: ${r.error}\n`);
    else for (const p of r.problems) process.stderr.write(`warning: ${r.storage}: ${p.path}: ${p.message}\n`);
  }
}

function verificationText(b: CatalogBackup): string {
  const v = b.verification;
  if (!v) return 'unverified';
  if (v.ok) return `ok ${formatTime(v.at)}`;
  return `FAILED ${formatTime(v.at)}${v.file ? ` ${v.file}${v.line ? `:${v.line}` : ''}` : ''}`;
}

function kindText(b: CatalogBackup): string {
  return `${b.kind}${b.foreign ? ' (foreign)' : ''}`;
}

function backupRows(list: CatalogBackup[]): string[][] {
  return [
    ['CREATED', 'ROUTINE', 'NAMESPACE', 'TYPE', 'RECORDS', 'BYTES', 'STORAGE', 'VERIFIED', 'LABEL', 'KEY'],
    ...list.map((b) => [formatTime(b.timestamp), b.routine, b.namespace, kindText(b), String(b['record-count'] ?? '-'), String(b['byte-count'] ?? '-'), b.storage, verificationText(b), b.label ?? '', b.key]),
  ];
}

function showText(b: CatalogBackup): string {
  const lines: Array<[string, string | number | undefined]> = [
    ['key', b.key],
    ['storage', b.storage],
    ['routine', b.routine],
    ['namespace', b.namespace],
    ['type', kindText(b)],
    ['label', b.label],
    ['created', b.created],
    ['timestamp', b.timestamp],
    ['finished', b.finished],
    ['duration', b.duration !== undefined ? `${b.duration} s` : undefined],
    ['from', b.from],
    ['record-count', b['record-count']],
    ['byte-count', b['byte-count']],
    ['file-count', b['file-count']],
    ['secondary-index-count', b['secondary-index-count']],
    ['udf-count', b['udf-count']],
    ['compression', b.compression],
    ['encryption', b.encryption],
    ['verified', verificationText(b)],
    ['verify message', b.verification?.ok === false ? b.verification.message : undefined],
  ];
  return lines.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `${`${k}:`.padEnd(23)}${v}`).join('\n') + '\n';
}

function timelineText(t: Timeline): string {
  type Item = { time: number; text: string };
  const items: Item[] = [
    ...t.points.map((p) => ({ time: p.timestamp, text: `${formatTime(p.timestamp)}  ${kindText(p).padEnd(22)} ${p.namespace}  ${p['record-count'] ?? '-'} records  ${verificationText(p)}${p.label ? `  '${p.label}'` : ''}  ${p.key}` })),
    ...t.marks.map((m) => ({ time: m.time, text: `${formatTime(m.time)}  ${`${m['backup-type'] ?? ''} ${m.status}`.trim().padEnd(22)} ${m.message ?? ''}  (job ${m['job-id']})` })),
  ].sort((a, b) => a.time - b.time);
  let out = `timeline of routine '${t.routine}' on storage '${t.storage}'${t.namespace ? `, namespace ${t.namespace}` : ''}\n`;
  out += items.length ? items.map((i) => `  ${i.text}`).join('\n') + '\n' : '  no backups\n';
  if (t['plan-error']) out += `restore: ${t['plan-error']}\n`;
  if (t.plan) {
    const p = t.plan;
    out += `restore to ${formatTime(p.requested)} applies ${p.steps.length} backup(s), the state at ${formatTime(p.effective)}; reads ${p.records} records, ${p.bytes} bytes:\n`;
    out += p.steps.map((s, i) => `  ${i + 1}. ${s.kind.padEnd(11)} ${formatTime(s.timestamp)}  ${s.key}`).join('\n') + '\n';
    for (const w of p.warnings) out += `warning: ${w.message}\n`;
  }
  return out;
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim().toLowerCase() === 'yes';
  } finally {
    rl.close();
  }
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
  ).action(
    action('ls', async (o: ServiceCliOptions & { routine?: string; namespace?: string; type?: 'full' | 'incremental'; storage?: string; from?: number; to?: number; limit?: number; offset?: number }) => {
      const service = await openService(o);
      try {
        await refresh(service, o.storage);
        const q: CatalogQuery = {};
        if (o.routine !== undefined) q.routine = o.routine;
        if (o.namespace !== undefined) q.namespace = o.namespace;
        if (o.type !== undefined) q.kind = o.type;
        if (o.storage !== undefined) q.storage = o.storage;
        if (o.from !== undefined) q.from = o.from;
        if (o.to !== undefined) q.to = o.to;
        if (o.limit !== undefined) q.limit = o.limit;
        if (o.offset !== undefined) q.offset = o.offset;
        const page = service.catalog.list(q);
        if (o.json) printJson(page);
        else if (page.backups.length === 0) process.stdout.write('no backups match\n');
        else process.stdout.write(table(backupRows(page.backups)) + (page.total > page.backups.length ? `(${page.backups.length} of ${page.total})\n` : ''));
        return 0;
      } finally {
        await service.close();
      }
    }),
  );

  addServiceOptions(
    program.command('show').description("One backup's details: ABS fields, label, verification").argument('<key>', 'backup key, e.g. daily/backup/1707915600000/data/test').option('--storage <name>', 'the storage, when the key is on several'),
  ).action(
    action('show', async (o: ServiceCliOptions & { storage?: string }, key: string) => {
      const service = await openService(o);
      try {
        await refresh(service, o.storage);
        const b = service.catalog.find(key, o.storage);
        if (o.json) printJson(b);
        else process.stdout.write(showText(b));
        return 0;
      } finally {
        await service.close();
      }
    }),
  );

  addServiceOptions(
    program
      .command('timeline')
      .description("A routine's restore points and failed, canceled or skipped runs; with --at, the chain a restore to that time applies")
      .argument('<routine>', 'routine name')
      .option('--at <ms|ISO>', 'plan a restore to this time', parseTime('--at'))
      .option('--namespace <ns>', 'only this namespace')
      .option('--storage <name>', "storage (default: the routine's)"),
  ).action(
    action('timeline', async (o: ServiceCliOptions & { at?: number; namespace?: string; storage?: string }, routine: string) => {
      const service = await openService(o);
      try {
        const storage = o.storage ?? service.config.config['backup-routines'][routine]?.storage;
        await refresh(service, storage);
        const t = service.catalog.timeline(routine, { ...(o.at !== undefined ? { atMs: o.at } : {}), ...(o.namespace !== undefined ? { namespace: o.namespace } : {}), ...(storage !== undefined ? { storage } : {}) });
        if (o.json) printJson(t);
        else process.stdout.write(timelineText(t));
        return o.at !== undefined && !t.plan ? 1 : 0;
      } finally {
        await service.close();
      }
    }),
  );

  addServiceOptions(
    program
      .command('rm')
      .description('Delete a backup; a full backup goes with its incrementals. Lists what goes and asks first')
      .argument('<key>', 'backup key')
      .option('--storage <name>', 'the storage, when the key is on several')
      .option('--yes', 'do not ask: delete what is listed'),
  ).action(
    action('rm', async (o: ServiceCliOptions & { storage?: string; yes?: boolean }, key: string) => {
      const service = await openService(o);
      try {
        await refresh(service, o.storage);
        const storage = o.storage ?? service.catalog.find(key).storage;
        const plan = await service.catalog.planDelete(storage, key);
        process.stderr.write(`deleting ${plan.key} from storage '${storage}' removes:\n${plan.backups.map((b) => `  ${kindText(b).padEnd(11)} ${formatTime(b.timestamp)}  ${b.key}`).join('\n')}\n`);
        if (!o.yes) {
          if (!process.stdin.isTTY) throw new Error('not confirmed: run it in a terminal to answer, or add --yes');
          if (!(await confirm(`type yes to delete ${plan.backups.length} backup(s): `))) {
            process.stderr.write('nothing deleted\n');
            return 1;
          }
        }
        const job = await (await service.catalog.delete(storage, plan.key, plan.confirmation)).done;
        if (o.json) printJson(job);
        else if (job.status === 'success') process.stdout.write(`deleted ${(job.details?.deleted as string[]).length} backup(s) (job ${job.id})\n`);
        if (job.status !== 'success') {
          process.stderr.write(`tidemark rm: ${job.status}: ${job.error ?? ''} (job ${job.id})\n`);
          return 1;
        }
        return 0;
      } finally {
        await service.close();
      }
    }),
  );

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
  ).action(
    action('register', async (o: ServiceCliOptions & { storage: string; routine: string; namespace?: string; time?: number; incremental?: boolean; keyFile?: string; keyEnv?: string }, path: string) => {
      const keyHash = await keyHashFromOptions(o);
      const service = await openService(o);
      try {
        const b = await service.catalog.registerForeign(o.storage, path, o.routine, {
          ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
          ...(o.time !== undefined ? { createdMs: o.time } : {}),
          ...(o.incremental ? { kind: 'incremental' as const } : {}),
          ...(keyHash ? { keyHash } : {}),
        });
        if (o.json) printJson(b);
        else process.stdout.write(showText(b));
        return 0;
      } finally {
        await service.close();
      }
    }),
  );
}
