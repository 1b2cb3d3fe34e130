/**
 * Merge (Couchbase's `merge`): a full backup and its incrementals up to a time, folded into one new
 * full backup, from the files alone — the cluster is never touched.
 *
 * - The newest version of each record wins. Records are keyed by digest; the chain is read newest
 *   first (the last incremental, …, the first, then the full) and a record is written only the
 *   first time its digest is seen.
 * - Deletes: the `.asb` format has no tombstones, so incrementals carry no deletes; a record
 *   deleted after the full backup is still in the merged backup, exactly as a point-in-time
 *   restore of the chain would bring it back. The merge reproduces the chain, not the cluster.
 * - Memory: only the digests seen in the incrementals are held (about 60 bytes each in a Set);
 *   the full backup's records are streamed straight through, since a full holds each digest once.
 *   A chain whose incrementals hold tens of millions of records needs that much memory; the full
 *   may be any size.
 * - Layout: an ABS-layout full backup `<routine>/backup/<effective ms>/data/<ns>/`, where the
 *   effective time is that of the newest backup folded in (the state it reproduces), labelled
 *   `merged …` in metadata.yaml (under `tidemark`, which ABS ignores). The secondary indexes and UDFs
 *   of the full backup go in `<ns>_1.asb` (the first file, which restores apply first); records in
 *   `<ns>_2.asb` onwards, written with the full backup's compression and encryption.
 *   metadata.yaml (sizes, SHA-256, record counts, partition ranges) is written last; a failed or
 *   cancelled merge removes everything it wrote.
 * - A point-in-time restore at or after the effective time now starts from the merged backup; the
 *   incremental taken at that same instant is applied again on top, which changes nothing (it holds
 *   the same versions).
 */
import { stringify } from 'yaml';
import { readBackupFileBatches, openBackupSource, type BackupSource } from '../engine/backup-reader.js';
import { detectCodec } from '../engine/codec-detect.js';
import { FileSink } from '../engine/file-sink.js';
import { ProgressTracker } from '../engine/progress.js';
import { AsbRecordEncoder, encodeAsbHeader } from '../format/asb-writer.js';
import { createEncodeTransforms, type FileCodecOptions } from '../format/file-codec.js';
import type { SecondaryIndex, UdfModule } from '../model/record.js';
import type { BackupStorage } from '../storage/storage.js';
import { partitionId } from '../wire/digest.js';
import type { BackupFileEntry, BackupMetadata } from '../../../shared/schemas/backup-metadata.js';
import type { RunningJob } from '../../../shared/schemas/progress.js';
import type { CatalogEntry } from './catalog.js';
import { backupRoot, dataFileName, METADATA_FILE, namespaceDir } from './layout.js';
import { planPointInTime } from './restore-plan.js';

const CHUNK_BYTES = 256 * 1024;

export class MergeError extends Error {
  override name = 'MergeError';
}

export class MergeCancelledError extends MergeError {
  override name = 'MergeCancelledError';
  constructor() {
    super('merge cancelled; everything it had written was removed');
  }
}

export interface MergeRequest {
  routine: string;
  /** Fold the chain as a restore to this time would apply it (Unix ms). */
  uptoMs: number;
}

export interface MergeDeps {
  from: BackupStorage;
  /** Where the merged backup goes (may be `from`). */
  to: BackupStorage;
  /** 32-byte key hash, for encrypted chains (the merged backup is encrypted with it too). */
  keyHash?: Buffer;
  toolVersion: string;
}

export interface MergeOptions {
  signal?: AbortSignal;
  onProgress?: (p: RunningJob) => void;
  progressIntervalMs?: number;
  /** Told the source keys before anything is read. */
  onPlan?: (sourceKeys: string[], root: string) => void;
  /** Start a new records file once this many bytes are stored (0: one records file). */
  fileLimitBytes?: number;
  now?: () => number;
}

export interface MergedNamespace {
  namespace: string;
  key: string;
  metadata: BackupMetadata;
  /** The backups folded in, oldest first. */
  sources: string[];
}

export interface MergeResult {
  routine: string;
  /** Start time of the newest backup folded in: the merged backup's created time. */
  createdMs: number;
  root: string;
  namespaces: MergedNamespace[];
  progress: RunningJob;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export async function mergeBackups(deps: MergeDeps, req: MergeRequest, opts: MergeOptions = {}): Promise<MergeResult> {
  const plan = await planPointInTime(deps.from, req.routine, req.uptoMs);
  const chains = new Map<string, CatalogEntry[]>();
  for (const s of plan.steps) chains.set(s.namespace, [...(chains.get(s.namespace) ?? []), s]);
  if (deps.from === deps.to && plan.steps.every((s) => s.kind === 'full')) {
    throw new MergeError(`upto: nothing to merge: the chain of routine '${req.routine}' at ${iso(req.uptoMs)} is the full backup of ${iso(plan.effectiveMs)} alone (no incrementals)`);
  }
  const createdMs = plan.effectiveMs;
  const root = backupRoot(req.routine, 'full', createdMs);
  for await (const item of deps.to.list(root, { recursive: true })) {
    throw new MergeError(`destination: ${root} already exists in ${deps.to.describe()} (${item.path}); remove it first`);
  }
  opts.onPlan?.(
    plan.steps.map((s) => s.key),
    root,
  );

  const now = opts.now ?? Date.now;
  const tracker = new ProgressTracker(
    plan.steps.reduce((a, s) => a + (s.metadata['record-count'] ?? 0), 0),
    now,
  );
  const report = (): void => opts.onProgress?.(tracker.snapshot());
  const timer = opts.onProgress ? setInterval(report, opts.progressIntervalMs ?? 1000) : undefined;
  const abort = new AbortController();
  const onOuter = (): void => abort.abort();
  opts.signal?.addEventListener('abort', onOuter, { once: true });
  if (opts.signal?.aborted) abort.abort();
  const open = new Set<FileSink>();
  let touched = false;
  try {
    const namespaces: MergedNamespace[] = [];
    for (const [ns, chain] of chains) {
      touched = true;
      namespaces.push(await mergeNamespace(deps, req.routine, ns, chain, createdMs, tracker, open, abort.signal, opts));
    }
    report();
    return { routine: req.routine, createdMs, root, namespaces, progress: tracker.snapshot() };
  } catch (err) {
    abort.abort();
    await Promise.all([...open].map((s) => s.abort().catch(() => undefined)));
    if (touched) await deps.to.removeTree(root);
    if (opts.signal?.aborted) throw new MergeCancelledError();
    throw err;
  } finally {
    if (timer) clearInterval(timer);
    opts.signal?.removeEventListener('abort', onOuter);
  }
}

async function mergeNamespace(
  deps: MergeDeps,
  routine: string,
  namespace: string,
  chain: CatalogEntry[],
  createdMs: number,
  tracker: ProgressTracker,
  open: Set<FileSink>,
  signal: AbortSignal,
  opts: MergeOptions,
): Promise<MergedNamespace> {
  const full = chain[0]!;
  if (full.kind !== 'full') throw new MergeError(`${namespace}: the chain does not start with a full backup`);
  const sources: Array<{ entry: CatalogEntry; source: BackupSource; codec: FileCodecOptions }> = [];
  for (const entry of chain) {
    const source = await openBackupSource(deps.from, entry.key);
    sources.push({ entry, source, codec: await detectCodec(deps.from, source, deps.keyHash) });
  }
  const outCodec: FileCodecOptions = { ...sources[0]!.codec };
  const dir = namespaceDir(routine, 'full', createdMs, namespace);
  const stages = (): ReturnType<typeof createEncodeTransforms> => createEncodeTransforms(outCodec);
  const files: BackupFileEntry[] = [];
  let fileNo = 1; // `_1` is kept for the globals, written last
  let sink: FileSink | undefined;
  const encoder = new AsbRecordEncoder({}, CHUNK_BYTES + 64 * 1024);
  let pending = 0;
  /** Partitions of the records in the pending chunk, credited to the file the chunk lands in. */
  const chunkPartitions = new Set<number>();
  const close = async (): Promise<void> => {
    if (!sink) return;
    files.push(await sink.close());
    open.delete(sink);
    sink = undefined;
  };
  const flush = async (): Promise<void> => {
    if (pending === 0) return;
    if (!sink) {
      const name = dataFileName(namespace, ++fileNo);
      sink = await FileSink.open(deps.to, `${dir}/${name}`, name, stages, encodeAsbHeader({ namespace, firstFile: false }));
      open.add(sink);
    }
    for (const p of chunkPartitions) sink.partitions.add(p);
    chunkPartitions.clear();
    const n = pending;
    pending = 0;
    await sink.write(encoder.take(), n);
    if (opts.fileLimitBytes && sink.storedBytes >= opts.fileLimitBytes) await close();
  };

  const seen = new Set<string>();
  const indexes = new Map<string, SecondaryIndex>();
  const udfs = new Map<string, UdfModule>();
  // Newest first: the first version of a digest met is the one that wins.
  for (let i = sources.length - 1; i >= 0; i--) {
    const { entry, source, codec } = sources[i]!;
    const isFull = entry.kind === 'full';
    for (const f of source.files) {
      for await (const batch of readBackupFileBatches(deps.from, f.path, codec, f.entry, namespace)) {
        if (signal.aborted) throw new MergeCancelledError();
        for (const item of batch) {
          if (item.kind === 'record') {
            tracker.add(1, 0);
            const rec = item.record;
            const k = rec.digest.toString('latin1');
            if (seen.has(k)) continue;
            // A full backup holds each digest once: its digests need not be remembered.
            if (!isFull) seen.add(k);
            encoder.append(rec);
            pending++;
            chunkPartitions.add(partitionId(rec.digest));
            if (encoder.pending >= CHUNK_BYTES) await flush();
          } else if (isFull && item.kind === 'sindex') {
            indexes.set(item.index.name, item.index);
          } else if (isFull && item.kind === 'udf') {
            udfs.set(item.udf.name, item.udf);
          }
        }
      }
      const size = f.entry?.size ?? 0;
      tracker.add(0, size);
    }
  }
  await flush();
  await close();
  if (signal.aborted) throw new MergeCancelledError();
  // The first file: header and globals only, so a restore creates indexes and UDFs first.
  const firstName = dataFileName(namespace, 1);
  const first = await FileSink.open(deps.to, `${dir}/${firstName}`, firstName, stages, encodeAsbHeader({ namespace, firstFile: true, indexes: [...indexes.values()], udfs: [...udfs.values()] }));
  open.add(first);
  files.unshift(await first.close());
  open.delete(first);

  const fullTm = full.metadata.tidemark;
  const incs = chain.length - 1;
  const metadata: BackupMetadata = {
    created: iso(createdMs),
    namespace,
    'record-count': files.reduce((a, f) => a + f['record-count'], 0),
    'byte-count': files.reduce((a, f) => a + f.size, 0),
    'file-count': files.length,
    'secondary-index-count': indexes.size,
    'udf-count': udfs.size,
    tidemark: {
      'tool-version': deps.toolVersion,
      type: 'full',
      label: `merged: full backup of ${iso(full.createdMs)} + ${incs} incremental${incs === 1 ? '' : 's'} up to ${iso(chain[chain.length - 1]!.createdMs)}`,
      compression: outCodec.compression,
      encryption: outCodec.encryption,
      ...(fullTm?.sets ? { sets: fullTm.sets } : {}),
      ...(fullTm?.bins ? { bins: fullTm.bins } : {}),
      'partition-ranges': fullTm?.['partition-ranges'] ?? ['0-4095'],
      files,
    },
  };
  for (const k of ['record-count', 'byte-count', 'file-count', 'secondary-index-count', 'udf-count'] as const) if (!metadata[k]) delete metadata[k];
  if (signal.aborted) throw new MergeCancelledError();
  const w = await deps.to.openWrite(`${dir}/${METADATA_FILE}`);
  w.end(stringify(metadata));
  await w.commit();
  return { namespace, key: dir, metadata, sources: chain.map((e) => e.key) };
}
