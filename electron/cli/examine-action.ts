/** What `tidemark examine` does (examine-command.ts defines its options). */
import { writeFileSync } from 'node:fs';
import type { RecordHistory, RecordVersion } from '../../shared/schemas/record-history.js';
import { exitCodeOf } from './follow-job.js';
import { openService } from './service-open.js';
import { formatTime, printJson, type ServiceCliOptions } from './service-options.js';

export interface ExamineOptions extends ServiceCliOptions {
  routine: string;
  set?: string;
  key?: string;
  keyType: 'string' | 'integer' | 'bytes';
  digest?: string;
  inNamespace?: string;
  index?: boolean;
  buildIndex?: boolean;
  restoreTo?: string;
  namespace?: string;
  backup?: string;
  export?: string;
}

function valueText(v: unknown): string {
  const s = JSON.stringify(v);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

export function formatHistory(h: RecordHistory): string {
  const lines: string[] = [];
  lines.push(`record ${h.digest}${h.set ? ` (set '${h.set}')` : ''} in routine '${h.routine}': ${h.versions.length} version${h.versions.length === 1 ? '' : 's'} in ${h.versions.length + h.absent.length} backups`);
  for (const v of h.versions) {
    lines.push('');
    lines.push(`${formatTime(v['backup-time'])}  ${v.kind.padEnd(11)} ${v.backup}`);
    const window = v['changed-after'] !== undefined ? `written between ${formatTime(v['changed-after'])} and ${formatTime(v['changed-before'])}` : `written before ${formatTime(v['changed-before'])}`;
    lines.push(`  generation ${v.generation}, ${v.expires ? `expires ${v.expires}` : 'never expires'}, ${window} (the backup format has no last-update time)`);
    if (v.key) lines.push(`  key (${v.key.type}) ${JSON.stringify(v.key.value)}`);
    for (const b of v.bins) lines.push(`  ${b.name} (${b.type}) = ${valueText(b.value)}`);
  }
  if (h.absent.length) {
    lines.push('');
    lines.push('no version in:');
    for (const a of h.absent) lines.push(`  ${formatTime(a['backup-time'])}  ${a.kind.padEnd(11)} ${a.backup}  ${a.meaning === 'not-in-full' ? 'not in this full backup' : 'not changed since the previous backup (or deleted: incrementals carry no deletes)'}`);
  }
  lines.push('');
  lines.push(`searched ${h.searched.indexed} backup${h.searched.indexed === 1 ? '' : 's'} by index, ${h.searched.scanned} by scanning${h.searched['stale-index'] ? ` (${h.searched['stale-index']} with a stale index)` : ''}`);
  return `${lines.join('\n')}\n`;
}

function pick(h: RecordHistory, backup: string | undefined): RecordVersion {
  const v = backup === undefined ? h.versions[0] : h.versions.find((x) => x.backup === backup.replace(/\/+$/, ''));
  if (!v) throw new Error(backup === undefined ? 'the record is in no backup of this routine: nothing to restore or export' : `--backup: ${backup} holds no version of this record (versions are in: ${h.versions.map((x) => x.backup).join(', ') || 'none'})`);
  return v;
}

export async function examineCommand(o: ExamineOptions): Promise<number> {
  if (o.key === undefined && o.digest === undefined) throw new Error('give --key (with --set) or --digest');
  const service = await openService(o);
  try {
    const lookup = {
      routine: o.routine,
      ...(o.set !== undefined ? { set: o.set } : {}),
      ...(o.key !== undefined ? { key: o.key, 'key-type': o.keyType } : {}),
      ...(o.digest !== undefined ? { digest: o.digest } : {}),
      ...(o.inNamespace !== undefined ? { namespace: o.inNamespace } : {}),
    };
    if (o.buildIndex) {
      const built = await service.indexRecordHistory(o.routine);
      if (!o.json) process.stderr.write(`indexed ${built.length} backup${built.length === 1 ? '' : 's'}\n`);
    }
    const { history } = await service.examineRecord(lookup, { useIndex: o.index !== false });
    if (o.json) printJson(history);
    else process.stdout.write(formatHistory(history));
    if (o.export !== undefined) {
      const v = pick(history, o.backup);
      writeFileSync(o.export, `${JSON.stringify(v, null, 2)}\n`);
      process.stderr.write(`version of ${v.backup} written to ${o.export}\n`);
    }
    if (o.restoreTo !== undefined) {
      const v = pick(history, o.backup);
      const { done } = service.restoreRecordVersion({ lookup, backup: v.backup, destination: o.restoreTo, ...(o.namespace ? { namespace: o.namespace } : {}) });
      const job = await done;
      if (job.status !== 'success') {
        process.stderr.write(`tidemark examine: restoring the version failed: ${job.error ?? job.status}\n`);
        return exitCodeOf(job);
      }
      process.stderr.write(`version of ${formatTime(v['backup-time'])} (${v.backup}) written to cluster '${o.restoreTo}', namespace '${o.namespace ?? v.namespace}'\n`);
    }
    return 0;
  } finally {
    await service.close();
  }
}
