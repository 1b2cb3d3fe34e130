/**
 * The record index written beside a backup: `<namespace folder>/<namespace>.tmidx`, mapping each
 * record's digest to its file and a resume offset in that file's `.asb` text (at or before the
 * record's first line). ABS and asrestore read only `metadata.yaml` and the `.asb` files, so the
 * backup stays exactly what they expect; the index is written after `metadata.yaml` (the backup
 * exists before its index), is never needed for a restore, and a backup without one (or with one
 * that no longer matches its files) is searched by scanning instead.
 *
 * Layout (all integers big-endian):
 *   0   8 bytes  magic `TMIDX1\n\0`
 *   8   u32      length H of the JSON header
 *   12  H bytes  header: { namespace, records, files: [{ name, size, version }] }
 *   +   256×u32  fan-out: entries whose digest's first byte is ≤ i
 *   +   N×32     entries sorted by digest: digest (20) | file index u32 | offset u64
 * A lookup reads the header and fan-out, then only the entries sharing the digest's first byte
 * (N/256 of them): two small ranged reads per backup, on local disk or S3 alike.
 *
 * Offsets are positions in the decoded text, not in the stored bytes: plain files are read from
 * there directly; compressed or encrypted files are decoded from their start up to it (they have
 * no random access), which still skips every backup and file that lacks the record.
 *
 * Building needs 32 bytes of memory per record of the backup (sorted in memory): 3.2 MB per
 * 100,000 records.
 */
import { z } from 'zod';
import { AsbDecoder, type AsbItem } from '../../format/asb-reader.js';
import type { FileCodecOptions } from '../../format/file-codec.js';
import type { BackupStorage } from '../../storage/storage.js';
import type { BackupSource } from '../../engine/backup-reader.js';
import { BackupIntegrityError } from '../../engine/backup-reader.js';
import { HashTap, openText } from './text-stream.js';
import { versionOf } from './digest-search.js';

const MAGIC = Buffer.from('TMIDX1\n\0', 'latin1');
const ENTRY = 32;
const FANOUT_BYTES = 256 * 4;
export const INDEX_SUFFIX = '.tmidx';

const IndexHeaderSchema = z.object({
  namespace: z.string(),
  records: z.number().int().nonnegative(),
  files: z.array(z.object({ name: z.string(), size: z.number().int().nonnegative(), version: z.enum(['3.0', '3.1']) })),
});
export type IndexHeader = z.infer<typeof IndexHeaderSchema>;

export class RecordIndexError extends Error {
  override name = 'RecordIndexError';
}

/** Where a backup's index lives: beside its metadata.yaml, named after the namespace folder. */
export function indexPath(key: string): string {
  const k = key.replace(/\/+$/, '');
  return `${k}/${k.slice(k.lastIndexOf('/') + 1)}${INDEX_SUFFIX}`;
}

function fileName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Growable entry table: 32 bytes per record in one buffer, not one object per record. */
class EntryTable {
  buf = Buffer.allocUnsafe(ENTRY * 1024);
  count = 0;
  add(digest: Buffer, file: number, offset: number): void {
    if ((this.count + 1) * ENTRY > this.buf.length) {
      const next = Buffer.allocUnsafe(this.buf.length * 2);
      this.buf.copy(next, 0, 0, this.count * ENTRY);
      this.buf = next;
    }
    const at = this.count * ENTRY;
    digest.copy(this.buf, at, 0, 20);
    this.buf.writeUInt32BE(file, at + 20);
    this.buf.writeUInt32BE(Math.floor(offset / 0x100000000), at + 24);
    this.buf.writeUInt32BE(offset % 0x100000000, at + 28);
    this.count++;
  }
  /** Entries sorted by digest (then file, offset), in a new buffer. */
  sorted(): Buffer {
    const order = new Uint32Array(this.count);
    const prefix = new Uint32Array(this.count);
    for (let i = 0; i < this.count; i++) {
      order[i] = i;
      prefix[i] = this.buf.readUInt32BE(i * ENTRY);
    }
    const b = this.buf;
    order.sort((x, y) => (prefix[x] !== prefix[y] ? prefix[x]! - prefix[y]! : b.compare(b, y * ENTRY, y * ENTRY + ENTRY, x * ENTRY, x * ENTRY + ENTRY)));
    const out = Buffer.allocUnsafe(this.count * ENTRY);
    for (let i = 0; i < this.count; i++) b.copy(out, i * ENTRY, order[i]! * ENTRY, order[i]! * ENTRY + ENTRY);
    return out;
  }
}

/**
 * Reads every file of the backup once (checking sizes and checksums where the metadata has
 * them) and returns the index file's bytes.
 */
export async function buildRecordIndex(storage: BackupStorage, source: BackupSource, codec: FileCodecOptions, signal?: AbortSignal): Promise<{ bytes: Buffer; records: number }> {
  const table = new EntryTable();
  const files: IndexHeader['files'] = [];
  for (let fi = 0; fi < source.files.length; fi++) {
    const f = source.files[fi]!;
    const tap = new HashTap();
    const opened = await openText(storage, f.path, codec, 0, tap);
    const decoder = new AsbDecoder({ file: f.path });
    let textAt = 0;
    /** Start of the chunk in which the last record ended: the next record starts at or after it. */
    let resume = 0;
    let chunkStart = 0;
    let sawRecord = false;
    const sink = (item: AsbItem): void => {
      if (item.kind !== 'record') return;
      table.add(item.record.digest, fi, sawRecord ? chunkStart : resume);
      sawRecord = true;
    };
    let version: '3.0' | '3.1' = '3.1';
    try {
      for await (const chunk of opened.text) {
        if (signal?.aborted) throw new Error('cancelled');
        if (textAt === 0) version = versionOf(chunk);
        chunkStart = textAt;
        sawRecord = false;
        decoder.feed(chunk, sink);
        if (sawRecord) resume = chunkStart;
        textAt += chunk.length;
      }
      decoder.finish(sink);
    } finally {
      opened.close();
    }
    if (f.entry && (tap.size !== f.entry.size || tap.digest() !== f.entry.sha256)) {
      throw new BackupIntegrityError(`${f.path}: checksum mismatch while indexing (read ${tap.size} bytes; metadata says ${f.entry.size} bytes, sha256 ${f.entry.sha256})`);
    }
    files.push({ name: fileName(f.path), size: tap.size, version });
  }
  const entries = table.sorted();
  const fanout = Buffer.alloc(FANOUT_BYTES);
  const counts = new Uint32Array(256);
  for (let i = 0; i < table.count; i++) counts[entries[i * ENTRY]!]!++;
  let cum = 0;
  for (let b = 0; b < 256; b++) {
    cum += counts[b]!;
    fanout.writeUInt32BE(cum, b * 4);
  }
  const header: IndexHeader = { namespace: source.metadata?.namespace ?? fileName(source.key), records: table.count, files };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(json.length);
  return { bytes: Buffer.concat([MAGIC, len, json, fanout, entries]), records: table.count };
}

/** Builds and stores the index of one backup (which must already have its metadata.yaml). */
export async function writeRecordIndex(storage: BackupStorage, source: BackupSource, codec: FileCodecOptions, signal?: AbortSignal): Promise<{ path: string; records: number }> {
  if (!source.metadata) throw new RecordIndexError(`${source.key}: only a backup with metadata.yaml gets a record index`);
  const { bytes, records } = await buildRecordIndex(storage, source, codec, signal);
  const path = indexPath(source.key);
  const w = await storage.openWrite(path);
  w.end(bytes);
  await w.commit();
  return { path, records };
}

async function readRange(storage: BackupStorage, path: string, start: number, endExclusive: number): Promise<Buffer> {
  if (endExclusive <= start) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const c of await storage.openRead(path, { start, end: endExclusive - 1 })) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export interface IndexHit {
  file: number;
  offset: number;
}

/** An opened index: its header, and lookups that read only the digest's bucket. */
export class RecordIndexReader {
  private constructor(
    private readonly storage: BackupStorage,
    readonly path: string,
    readonly header: IndexHeader,
    private readonly fanout: Buffer,
    private readonly entriesAt: number,
  ) {}

  /** Opens the index at `path` (of `size` bytes). A damaged index is a RecordIndexError. */
  static async open(storage: BackupStorage, path: string, size: number): Promise<RecordIndexReader> {
    if (size < MAGIC.length + 4 + FANOUT_BYTES) throw new RecordIndexError(`${path}: too short to be a record index`);
    let head = await readRange(storage, path, 0, Math.min(size, 64 * 1024));
    if (!head.subarray(0, MAGIC.length).equals(MAGIC)) throw new RecordIndexError(`${path}: not a Tidemark record index (bad magic)`);
    const h = head.readUInt32BE(8);
    const need = 12 + h + FANOUT_BYTES;
    if (need > size) throw new RecordIndexError(`${path}: truncated (header says ${need} bytes before the entries, file has ${size})`);
    if (need > head.length) head = await readRange(storage, path, 0, need);
    let header: IndexHeader;
    try {
      header = IndexHeaderSchema.parse(JSON.parse(head.toString('utf8', 12, 12 + h)));
    } catch (err) {
      throw new RecordIndexError(`${path}: unreadable header (${(err as Error).message})`);
    }
    if (size !== need + header.records * ENTRY) throw new RecordIndexError(`${path}: ${size} bytes, expected ${need + header.records * ENTRY} for ${header.records} records`);
    return new RecordIndexReader(storage, path, header, Buffer.from(head.subarray(12 + h, need)), need);
  }

  /** True when the index was built from exactly these files (names and sizes). */
  matches(files: Array<{ name: string; size: number }>): boolean {
    const mine = this.header.files;
    return mine.length === files.length && mine.every((f, i) => f.name === files[i]!.name && f.size === files[i]!.size);
  }

  async lookup(digest: Buffer): Promise<IndexHit[]> {
    const b = digest[0]!;
    const lo = b === 0 ? 0 : this.fanout.readUInt32BE((b - 1) * 4);
    const hi = this.fanout.readUInt32BE(b * 4);
    const bucket = await readRange(this.storage, this.path, this.entriesAt + lo * ENTRY, this.entriesAt + hi * ENTRY);
    const out: IndexHit[] = [];
    // Binary search for the first entry not below the digest, then take every equal one.
    let l = 0;
    let r = hi - lo;
    while (l < r) {
      const m = (l + r) >>> 1;
      if (bucket.compare(digest, 0, 20, m * ENTRY, m * ENTRY + 20) < 0) l = m + 1;
      else r = m;
    }
    for (let i = l; i < hi - lo && bucket.compare(digest, 0, 20, i * ENTRY, i * ENTRY + 20) === 0; i++) {
      out.push({ file: bucket.readUInt32BE(i * ENTRY + 20), offset: bucket.readUInt32BE(i * ENTRY + 24) * 0x100000000 + bucket.readUInt32BE(i * ENTRY + 28) });
    }
    return out;
  }
}
