/**
 * Record history (Couchbase's `examine`): every version of one record across a routine's
 * backups, newest first, and the backups without one.
 *
 * "Contains it" differs by kind: a full backup holds every record that existed when it ran, so a
 * full without the record means it did not exist (or had expired) then. An incremental holds only
 * the records written since the previous backup, so an incremental without the record means it
 * was not written in that window — or was deleted: the `.asb` format carries no deletes, so a
 * delete shows only as the record missing from the next full backup.
 */
import { listBackups, type CatalogEntry } from '../catalog.js';
import type { BackupRecord } from '../../model/record.js';
import type { BackupStorage } from '../../storage/storage.js';
import { RecordLookupSchema, type RecordAbsence, type RecordHistory, type RecordLookupInput, type RecordVersion } from '../../../../shared/schemas/record-history.js';
import { describeIssues } from '../../../../shared/schemas/backup-request.js';
import { binJson, expiryIso, keyJson } from './bin-json.js';
import { findInBackup, type BackupSearch } from './find-record.js';
import { parseDigestHex, recordDigest } from './record-key.js';

export class RecordHistoryError extends Error {
  override name = 'RecordHistoryError';
}

export interface ExamineOptions {
  keyHash?: Buffer;
  useIndex?: boolean;
  /** Backups searched at once (default 4): overlaps storage reads, mostly for S3. */
  concurrency?: number;
  signal?: AbortSignal;
}

export interface ExamineResult {
  history: RecordHistory;
  /** The versions as records (wire form), by backup key: what a restore of one version writes. */
  records: Map<string, BackupRecord>;
}

/** The digest a lookup names (key + set, or the digest itself). */
export function lookupDigest(input: RecordLookupInput): Buffer {
  const q = RecordLookupSchema.safeParse(input);
  if (!q.success) throw new RecordHistoryError(describeIssues(q.error));
  return q.data.digest !== undefined ? parseDigestHex(q.data.digest) : recordDigest(q.data.set, q.data.key!, q.data['key-type']);
}

function changedAfter(entry: CatalogEntry, all: CatalogEntry[]): number | undefined {
  if (entry.kind === 'full') return undefined;
  const from = entry.metadata.from !== undefined ? Date.parse(entry.metadata.from) : NaN;
  if (Number.isFinite(from)) return from;
  const before = all.filter((e) => e.namespace === entry.namespace && e.createdMs < entry.createdMs);
  return before.length ? before[before.length - 1]!.createdMs : undefined;
}

export function versionOf(entry: CatalogEntry, all: CatalogEntry[], rec: BackupRecord): RecordVersion {
  const after = changedAfter(entry, all);
  return {
    backup: entry.key,
    kind: entry.kind,
    namespace: entry.namespace,
    'backup-time': entry.createdMs,
    set: rec.set,
    key: keyJson(rec.key),
    digest: rec.digest.toString('hex'),
    generation: rec.generation,
    expires: expiryIso(rec.voidTime),
    'void-time': rec.voidTime,
    'last-update': null,
    ...(after !== undefined ? { 'changed-after': after } : {}),
    'changed-before': entry.metadata.tidemark?.['modified-before'] ?? entry.createdMs,
    bins: rec.bins.map(binJson),
  };
}

async function pool<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

export async function examineRecord(storage: BackupStorage, input: RecordLookupInput, opts: ExamineOptions = {}): Promise<ExamineResult> {
  const parsed = RecordLookupSchema.safeParse(input);
  if (!parsed.success) throw new RecordHistoryError(describeIssues(parsed.error));
  const q = parsed.data;
  const digest = lookupDigest(q);
  const all = await listBackups(storage, q.routine);
  const entries = all.filter((e) => q.namespace === undefined || e.namespace === q.namespace);
  if (entries.length === 0) {
    throw new RecordHistoryError(`routine '${q.routine}' has no backups${q.namespace !== undefined ? ` of namespace '${q.namespace}'` : ''} in ${storage.describe()}`);
  }
  const results = await pool(entries, opts.concurrency ?? 4, async (e): Promise<BackupSearch> => {
    if (opts.signal?.aborted) throw new RecordHistoryError('record history cancelled');
    return findInBackup(storage, e.key, digest, { metadata: e.metadata, ...(opts.keyHash ? { keyHash: opts.keyHash } : {}), ...(opts.useIndex !== undefined ? { useIndex: opts.useIndex } : {}) });
  });
  const versions: RecordVersion[] = [];
  const absent: RecordAbsence[] = [];
  const records = new Map<string, BackupRecord>();
  const searched = { indexed: 0, scanned: 0, 'stale-index': 0 };
  let set: string | null = q.digest !== undefined ? null : q.set === '' ? null : q.set;
  // Newest first.
  const order = entries.map((e, i) => i).sort((a, b) => entries[b]!.createdMs - entries[a]!.createdMs || entries[a]!.namespace.localeCompare(entries[b]!.namespace));
  for (const i of order) {
    const e = entries[i]!;
    const r = results[i]!;
    if (r.via === 'index') searched.indexed++;
    else searched.scanned++;
    if (r.staleIndex) searched['stale-index']++;
    if (r.record) {
      versions.push(versionOf(e, all, r.record));
      records.set(e.key, r.record);
      set ??= r.record.set;
    } else {
      absent.push({ backup: e.key, kind: e.kind, namespace: e.namespace, 'backup-time': e.createdMs, meaning: e.kind === 'full' ? 'not-in-full' : 'unchanged-in-incremental' });
    }
  }
  return { history: { routine: q.routine, digest: digest.toString('hex'), set, versions, absent, searched }, records };
}
