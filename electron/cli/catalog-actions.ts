/** What `tidemark ls`, `show`, `timeline`, `rm` and `register` do (catalog-commands.ts defines their options). */
import { createInterface } from 'node:readline/promises';
import type { TidemarkService } from '../core/service/tidemark-service.js';
import type { CatalogBackup, CatalogQuery, Timeline } from '../../shared/schemas/catalog.js';
import { openService } from './service-open.js';
import { formatTime, printJson, table, type ServiceCliOptions } from './service-options.js';
import { keyHashFromOptions } from './storage-options.js';

export type LsOptions = ServiceCliOptions & { routine?: string; namespace?: string; type?: 'full' | 'incremental'; storage?: string; from?: number; to?: number; limit?: number; offset?: number };
export type ShowOptions = ServiceCliOptions & { storage?: string };
export type TimelineOptions = ServiceCliOptions & { at?: number; namespace?: string; storage?: string };
export type RmOptions = ServiceCliOptions & { storage?: string; yes?: boolean };
export type RegisterOptions = ServiceCliOptions & { storage: string; routine: string; namespace?: string; time?: number; incremental?: boolean; keyFile?: string; keyEnv?: string };

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

export async function lsCommand(o: LsOptions): Promise<number> {
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
}

export async function showCommand(o: ShowOptions, key: string): Promise<number> {
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
}

export async function timelineCommand(o: TimelineOptions, routine: string): Promise<number> {
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
}

export async function rmCommand(o: RmOptions, key: string): Promise<number> {
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
}

export async function registerCommand(o: RegisterOptions, path: string): Promise<number> {
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
}
