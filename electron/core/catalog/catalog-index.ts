/**
 * The catalog index: the `catalog_backups` table of the state database. Storage stays the truth
 * (a refresh rebuilds any row from it); the table makes listings fast and keeps what storage does
 * not hold, the verification results.
 */
import type Database from 'better-sqlite3';
import type { CatalogBackup, CatalogQuery, Verification } from '../../../shared/schemas/catalog.js';

/** What a refresh writes for one backup (everything but the verification). */
export interface IndexedBackup {
  backup: Omit<CatalogBackup, 'verification'>;
  metaPath: string;
  metaSize: number;
  metaMtime: number;
}

export interface MetaStamp {
  key: string;
  metaPath: string;
  metaSize: number;
  metaMtime: number;
}

/**
 * The columns a listing reads, fetched as arrays (`raw()`): building one object per row with
 * this many columns costs better-sqlite3 several times more than the query itself, and a
 * listing of 10,000 backups must stay well under 200 ms.
 */
const COLUMNS = [
  'storage', 'key', 'routine', 'namespace', 'kind', 'created_ms', 'created', 'from_text', 'finished_ms',
  'record_count', 'byte_count', 'file_count', 'sindex_count', 'udf_count', 'compression', 'encryption', 'label', 'is_foreign',
  'verified_at', 'verify_ok', 'verify_job', 'verify_file', 'verify_line', 'verify_message', 'verify_records',
] as const;
const SELECT = `SELECT ${COLUMNS.join(', ')} FROM catalog_backups`;
type Cell = string | number | null;

function toBackup(r: Cell[]): CatalogBackup {
  const [storage, key, routine, namespace, kind, createdMs, created, from, finishedMs, records, bytes, files, sindexes, udfs, compression, encryption, label, foreign] = r;
  const b: CatalogBackup = {
    key: key as string,
    storage: storage as string,
    routine: routine as string,
    namespace: namespace as string,
    kind: kind as CatalogBackup['kind'],
    created: created as string,
    timestamp: createdMs as number,
    compression: compression as CatalogBackup['compression'],
    encryption: encryption as CatalogBackup['encryption'],
    foreign: foreign === 1,
  };
  if (finishedMs !== null) {
    b.finished = new Date(finishedMs as number).toISOString();
    b.duration = Math.max(0, Math.round(((finishedMs as number) - (createdMs as number)) / 1000));
  }
  if (from !== null) b.from = from as string;
  if (records !== null) b['record-count'] = records as number;
  if (bytes !== null) b['byte-count'] = bytes as number;
  if (files !== null) b['file-count'] = files as number;
  if (sindexes !== null) b['secondary-index-count'] = sindexes as number;
  if (udfs !== null) b['udf-count'] = udfs as number;
  if (label !== null) b.label = label as string;
  const [verifiedAt, ok, job, file, line, message, verified] = r.slice(18);
  if (verifiedAt !== null && verifiedAt !== undefined) {
    const v: Verification = { at: verifiedAt as number, ok: ok === 1 };
    if (job !== null) v['job-id'] = job as string;
    if (file !== null) v.file = file as string;
    if (line !== null) v.line = line as number;
    if (message !== null) v.message = message as string;
    if (verified !== null) v.records = verified as number;
    b.verification = v;
  }
  return b;
}

const toMs = (iso: string | undefined): number | null => {
  if (iso === undefined) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
};

export class CatalogIndex {
  constructor(private readonly db: Database.Database) {}

  /** Metadata stamps of every indexed backup of a storage, by key. */
  stamps(storage: string): Map<string, MetaStamp> {
    const rows = this.db.prepare('SELECT key, meta_path, meta_size, meta_mtime FROM catalog_backups WHERE storage = ?').all(storage) as Array<{ key: string; meta_path: string; meta_size: number; meta_mtime: number }>;
    return new Map(rows.map((r) => [r.key, { key: r.key, metaPath: r.meta_path, metaSize: r.meta_size, metaMtime: r.meta_mtime }]));
  }

  /**
   * Inserts or replaces backups. A replaced backup (its metadata changed) loses its verification:
   * what was verified is no longer what is there.
   */
  upsert(items: readonly IndexedBackup[]): void {
    const stmt = this.db.prepare(`
      INSERT INTO catalog_backups (storage, key, routine, namespace, kind, created_ms, created, from_text, from_ms, finished_ms,
        record_count, byte_count, file_count, sindex_count, udf_count, compression, encryption, label, is_foreign,
        meta_path, meta_size, meta_mtime)
      VALUES (@storage, @key, @routine, @namespace, @kind, @created_ms, @created, @from_text, @from_ms, @finished_ms,
        @record_count, @byte_count, @file_count, @sindex_count, @udf_count, @compression, @encryption, @label, @is_foreign,
        @meta_path, @meta_size, @meta_mtime)
      ON CONFLICT (storage, key) DO UPDATE SET
        routine = excluded.routine, namespace = excluded.namespace, kind = excluded.kind, created_ms = excluded.created_ms,
        created = excluded.created, from_text = excluded.from_text, from_ms = excluded.from_ms, finished_ms = excluded.finished_ms,
        record_count = excluded.record_count, byte_count = excluded.byte_count, file_count = excluded.file_count,
        sindex_count = excluded.sindex_count, udf_count = excluded.udf_count, compression = excluded.compression,
        encryption = excluded.encryption, label = excluded.label, is_foreign = excluded.is_foreign,
        meta_path = excluded.meta_path, meta_size = excluded.meta_size, meta_mtime = excluded.meta_mtime,
        verified_at = NULL, verify_ok = NULL, verify_job = NULL, verify_file = NULL, verify_line = NULL,
        verify_message = NULL, verify_records = NULL`);
    this.db.transaction(() => {
      for (const { backup: b, metaPath, metaSize, metaMtime } of items) {
        stmt.run({
          storage: b.storage,
          key: b.key,
          routine: b.routine,
          namespace: b.namespace,
          kind: b.kind,
          created_ms: b.timestamp,
          created: b.created,
          from_text: b.from ?? null,
          from_ms: toMs(b.from),
          finished_ms: toMs(b.finished),
          record_count: b['record-count'] ?? null,
          byte_count: b['byte-count'] ?? null,
          file_count: b['file-count'] ?? null,
          sindex_count: b['secondary-index-count'] ?? null,
          udf_count: b['udf-count'] ?? null,
          compression: b.compression,
          encryption: b.encryption,
          label: b.label ?? null,
          is_foreign: b.foreign ? 1 : 0,
          meta_path: metaPath,
          meta_size: metaSize,
          meta_mtime: metaMtime,
        });
      }
    })();
  }

  remove(storage: string, keys: readonly string[]): void {
    const stmt = this.db.prepare('DELETE FROM catalog_backups WHERE storage = ? AND key = ?');
    this.db.transaction(() => {
      for (const k of keys) stmt.run(storage, k);
    })();
  }

  /** Drops every row of a storage (it is no longer configured). */
  forget(storage: string): number {
    return this.db.prepare('DELETE FROM catalog_backups WHERE storage = ?').run(storage).changes;
  }

  storages(): string[] {
    return (this.db.prepare('SELECT DISTINCT storage FROM catalog_backups ORDER BY storage').all() as Array<{ storage: string }>).map((r) => r.storage);
  }

  get(storage: string, key: string): CatalogBackup | undefined {
    const r = this.db.prepare(`${SELECT} WHERE storage = ? AND key = ?`).raw().get(storage, key) as Cell[] | undefined;
    return r ? toBackup(r) : undefined;
  }

  /** Every storage's backup under this key (the same key may exist on several storages). */
  byKey(key: string): CatalogBackup[] {
    return (this.db.prepare(`${SELECT} WHERE key = ? ORDER BY storage`).raw().all(key) as Cell[][]).map(toBackup);
  }

  /** Metadata path of an indexed backup (metadata.yaml or a foreign registration). */
  metaPath(storage: string, key: string): string | undefined {
    return (this.db.prepare('SELECT meta_path FROM catalog_backups WHERE storage = ? AND key = ?').get(storage, key) as { meta_path: string } | undefined)?.meta_path;
  }

  /** Newest first, then by namespace and storage; `total` counts every page. */
  list(q: CatalogQuery): { total: number; backups: CatalogBackup[] } {
    const where: string[] = [];
    const args: Array<string | number> = [];
    const add = (sql: string, v: string | number | undefined): void => {
      if (v === undefined) return;
      where.push(sql);
      args.push(v);
    };
    add('storage = ?', q.storage);
    add('routine = ?', q.routine);
    add('namespace = ?', q.namespace);
    add('kind = ?', q.kind);
    add('created_ms >= ?', q.from);
    add('created_ms <= ?', q.to);
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const rows = this.db
      .prepare(`${SELECT} ${w} ORDER BY created_ms DESC, namespace, storage, key LIMIT ? OFFSET ?`)
      .raw()
      .all(...args, q.limit ?? -1, q.offset ?? 0) as Cell[][];
    // A first page that holds everything is its own count.
    const whole = !q.offset && (q.limit === undefined || rows.length < q.limit);
    const total = whole ? rows.length : (this.db.prepare(`SELECT count(*) AS n FROM catalog_backups ${w}`).get(...args) as { n: number }).n;
    return { total, backups: rows.map(toBackup) };
  }

  /** A routine's backups on one storage, oldest first (timeline and delete planning). */
  routineBackups(storage: string, routine: string, namespace?: string): CatalogBackup[] {
    const rows = (
      namespace === undefined
        ? this.db.prepare(`${SELECT} WHERE storage = ? AND routine = ? ORDER BY created_ms, namespace`).raw().all(storage, routine)
        : this.db.prepare(`${SELECT} WHERE storage = ? AND routine = ? AND namespace = ? ORDER BY created_ms`).raw().all(storage, routine, namespace)
    ) as Cell[][];
    return rows.map(toBackup);
  }

  setVerification(storage: string, key: string, v: Verification): void {
    this.db
      .prepare(
        `UPDATE catalog_backups SET verified_at = ?, verify_ok = ?, verify_job = ?, verify_file = ?, verify_line = ?, verify_message = ?, verify_records = ?
         WHERE storage = ? AND key = ?`,
      )
      .run(v.at, v.ok ? 1 : 0, v['job-id'] ?? null, v.file ?? null, v.line ?? null, v.message ?? null, v.records ?? null, storage, key);
  }
}
