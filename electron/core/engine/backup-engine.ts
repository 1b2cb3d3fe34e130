/**
 * Full and incremental backups of one or more namespaces into the ABS layout. Workers scan
 * disjoint partition slices and each writes its own file sequence; `metadata.yaml` is written
 * last, once every data file is durable, so a backup without it does not exist. A failed or
 * cancelled run removes everything it wrote.
 */
import { stringify } from 'yaml';
import type { AerospikeCluster } from '../aerospike/cluster.js';
import { AerospikeError, ClientCode } from '../aerospike/errors.js';
import { inSets, modifiedWindow, exp, type Exp } from '../aerospike/filter-exp.js';
import { partitionStates, scanPartitionFrames } from '../aerospike/partition-scan.js';
import { backupRoot, dataFileName, METADATA_FILE, namespaceDir } from '../catalog/layout.js';
import { AsbRecordEncoder, encodeAsbHeader } from '../format/asb-writer.js';
import type { SecondaryIndex, UdfModule } from '../model/record.js';
import type { BackupStorage } from '../storage/storage.js';
import { partitionIdAt } from '../wire/digest.js';
import { WireRecordView } from '../wire/record-view.js';
import type { BackupFileEntry, BackupMetadata } from '../../../shared/schemas/backup-metadata.js';
import type { BackupRequest } from '../../../shared/schemas/backup-request.js';
import type { RunningJob } from '../../../shared/schemas/progress.js';
import { estimateRecords, readSecondaryIndexes, readUdfs } from './cluster-metadata.js';
import { FileSink, type EncodeStages } from './file-sink.js';
import { expandPartitions, splitPartitions, toRanges } from './partitions.js';
import { ProgressTracker } from './progress.js';
import { RateLimiter } from './rate-limiter.js';

/** Encoded records are gathered into chunks of about this size before they enter the stream. */
const CHUNK_BYTES = 256 * 1024;

export interface BackupDeps {
  cluster: AerospikeCluster;
  storage: BackupStorage;
  /** Compression/encryption stages for each new file (identity when both are off). */
  encodeStages: EncodeStages;
  toolVersion: string;
  now?: () => number;
}

export interface BackupRunOptions {
  signal?: AbortSignal;
  onProgress?: (job: RunningJob) => void;
  progressIntervalMs?: number;
  /** Warnings that do not stop the backup (e.g. an index the format cannot carry). */
  onWarning?: (message: string) => void;
  /** Told the run's folder before anything is written (so a killed run can be cleaned up later). */
  onStart?: (root: string, createdMs: number) => void;
}

export interface NamespaceBackup {
  namespace: string;
  /** Storage path of the namespace's folder, e.g. `daily/backup/1700000000000/data/test`. */
  key: string;
  metadata: BackupMetadata;
}

export interface BackupResult {
  routine: string;
  type: 'full' | 'incremental';
  createdMs: number;
  root: string;
  namespaces: NamespaceBackup[];
  progress: RunningJob;
}

export class BackupCancelledError extends Error {
  override name = 'BackupCancelledError';
  constructor() {
    super('backup cancelled; everything it had written was removed');
  }
}

/** RFC 3339 with milliseconds in UTC: ABS re-derives the folder from `created`, so keep ms. */
function rfc3339(ms: number): string {
  return new Date(ms).toISOString();
}

export async function runBackup(deps: BackupDeps, req: BackupRequest, opts: BackupRunOptions = {}): Promise<BackupResult> {
  const now = deps.now ?? Date.now;
  const createdMs = now();
  const root = backupRoot(req.routine, req.type, createdMs);
  opts.onStart?.(root, createdMs);
  const abort = new AbortController();
  const onOuterAbort = (): void => abort.abort();
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  if (opts.signal?.aborted) abort.abort();

  const tracker = new ProgressTracker(0, now);
  const report = (): void => opts.onProgress?.(tracker.snapshot());
  const timer = opts.onProgress ? setInterval(report, opts.progressIntervalMs ?? 1000) : undefined;
  let timedOut = false;
  const deadline =
    req['total-timeout'] > 0
      ? setTimeout(() => {
          timedOut = true;
          abort.abort();
        }, req['total-timeout'])
      : undefined;
  const openSinks = new Set<FileSink>();
  let touchedStorage = false;
  try {
    for (const ns of req.namespaces) {
      if (!deps.cluster.namespaces().includes(ns)) throw new Error(`namespace '${ns}' does not exist on the cluster (it has: ${deps.cluster.namespaces().join(', ')})`);
    }
    const estimates = await Promise.all(req.namespaces.map((ns) => (req['no-records'] ? 0 : estimateRecords(deps.cluster, ns, req['set-list']))));
    tracker.total = estimates.reduce((a, b) => a + b, 0);
    report();
    const results: NamespaceBackup[] = [];
    for (const ns of req.namespaces) {
      touchedStorage = true;
      results.push(await backupNamespace(deps, req, ns, createdMs, tracker, openSinks, abort, opts));
    }
    report();
    return { routine: req.routine, type: req.type, createdMs, root, namespaces: results, progress: tracker.snapshot() };
  } catch (err) {
    abort.abort();
    await Promise.all([...openSinks].map((s) => s.abort().catch(() => undefined)));
    if (touchedStorage) await deps.storage.removeTree(root);
    if (opts.signal?.aborted) throw new BackupCancelledError();
    if (timedOut) throw new AerospikeError(`backup exceeded its total timeout of ${req['total-timeout']} ms; everything it had written was removed`, ClientCode.TIMEOUT);
    throw err;
  } finally {
    if (timer) clearInterval(timer);
    if (deadline) clearTimeout(deadline);
    opts.signal?.removeEventListener('abort', onOuterAbort);
  }
}

async function backupNamespace(
  deps: BackupDeps,
  req: BackupRequest,
  namespace: string,
  createdMs: number,
  tracker: ProgressTracker,
  openSinks: Set<FileSink>,
  abort: AbortController,
  opts: BackupRunOptions,
): Promise<NamespaceBackup> {
  const signal = abort.signal;
  const dir = namespaceDir(req.routine, req.type, createdMs, namespace);
  // ABS never carries indexes or UDFs in incrementals: they are restored from the full backup.
  const withGlobals = req.type === 'full';
  let indexes: SecondaryIndex[] = [];
  let udfs: UdfModule[] = [];
  if (withGlobals && !req['no-indexes']) {
    const r = await readSecondaryIndexes(deps.cluster, namespace);
    indexes = r.indexes;
    for (const name of r.skipped) opts.onWarning?.(`secondary index '${name}' is expression-based; the .asb 3.1 format cannot carry it, so it is not backed up`);
  }
  if (withGlobals && !req['no-udfs']) udfs = await readUdfs(deps.cluster);

  const pids = expandPartitions(req['partition-list']);
  const slices = req['no-records'] ? [] : splitPartitions(pids, req.parallel);
  let fileNo = 0;
  const nextName = (): string => dataFileName(namespace, ++fileNo);
  const files: BackupFileEntry[] = [];
  const limiter = req.bandwidth ? new RateLimiter(req.bandwidth) : undefined;
  const filter = scanFilter(req);
  // Counted only with a limit: a shared counter is a boxed number, and decrementing Infinity
  // once per record would allocate one per record.
  const limited = req['max-records'] !== undefined;
  let remaining = req['max-records'] ?? 0;
  // Small file limits need small chunks, or a whole chunk lands in one file past its limit.
  const flushAt = req['file-limit'] > 0 ? Math.max(1024, Math.min(CHUNK_BYTES, Math.floor(req['file-limit'] / 4))) : CHUNK_BYTES;

  // The first file exists before any worker starts, so it is `<ns>_1.asb` and holds the globals.
  const first = await openSink(deps, dir, nextName(), encodeAsbHeader({ namespace, firstFile: true, indexes, udfs }), openSinks);
  let firstTaken = false;

  const worker = async (slice: number[]): Promise<void> => {
    let sink: FileSink | undefined;
    if (!firstTaken) {
      firstTaken = true;
      sink = first;
    }
    const covered = new Set<number>();
    let lastPid = -1;
    const encoder = new AsbRecordEncoder({ compact: req.compact }, flushAt + 64 * 1024);
    // Chunks come back once storage is done with them and are encoded into again: a backup
    // allocates a few chunks per worker, not one per chunk, so memory does not wait on the GC.
    const spare: Buffer[] = [];
    const recycle = (chunk: Buffer): void => {
      spare.push(chunk);
    };
    let chunkRecords = 0;
    const flush = async (): Promise<void> => {
      if (chunkRecords === 0) return;
      if (!sink) sink = await openSink(deps, dir, nextName(), encodeAsbHeader({ namespace, firstFile: false }), openSinks);
      const buf = encoder.take(spare.pop());
      const n = chunkRecords;
      chunkRecords = 0;
      if (limiter) await limiter.take(buf.length, signal);
      await sink.write(buf, n, recycle);
      if (req['file-limit'] > 0 && sink.storedBytes >= req['file-limit']) {
        for (const p of sink.partitions) covered.add(p);
        files.push(await closeSink(sink, openSinks));
        sink = undefined;
        lastPid = -1;
      }
    };
    const states = partitionStates(slice);
    const frames = scanPartitionFrames(
      deps.cluster,
      {
        namespace,
        set: req['set-list'].length === 1 ? req['set-list'][0]! : null,
        ...(req['bin-list'].length ? { bins: req['bin-list'] } : {}),
        ...(filter ? { filter } : {}),
        ...(req['records-per-second'] ? { recordsPerSecond: Math.max(1, Math.floor(req['records-per-second'] / slices.length)) } : {}),
        socketTimeoutMs: req['socket-timeout'],
        maxRetries: req['max-retries'],
        retryDelayMs: req['retry-delay'],
        signal,
        // Records are encoded (copied) before the next frame is asked for.
        reuseBuffers: true,
      },
      states,
    );
    const view = new WireRecordView();
    for await (const frame of frames) {
      // An indexed loop: for-of over the array allocates an iterator result per record here
      // (the loop awaits, so the optimizer cannot remove them).
      const starts = frame.starts;
      for (let i = 0; i < starts.length; i++) {
        if (limited) {
          if (remaining <= 0) break;
          remaining--;
        }
        const before = encoder.pending;
        view.parse(frame.body, starts[i]!);
        encoder.appendWire(view);
        chunkRecords++;
        tracker.add(1, encoder.pending - before);
        if (!sink) sink = await openSink(deps, dir, nextName(), encodeAsbHeader({ namespace, firstFile: false }), openSinks);
        const pid = partitionIdAt(frame.body, view.digestStart);
        // Records arrive partition by partition: only note a partition when it changes.
        if (pid !== lastPid) {
          sink.partitions.add(pid);
          lastPid = pid;
        }
        if (encoder.pending >= flushAt) await flush();
      }
      if (limited && remaining <= 0) break;
    }
    await flush();
    if (sink) {
      // The worker's last file also covers the partitions of its slice that held no records.
      for (const p of slice) if (!covered.has(p)) sink.partitions.add(p);
      files.push(await closeSink(sink, openSinks));
    }
  };

  // The first failure stops every other worker at once; cleanup waits until they all stopped,
  // so no worker can create a file after the run's folder was removed.
  let firstError: unknown;
  await Promise.allSettled(
    slices.map((s) =>
      worker(s).catch((err: unknown) => {
        firstError ??= err;
        abort.abort();
      }),
    ),
  );
  if (firstError !== undefined) throw firstError;
  if (!firstTaken) files.push(await closeSink(first, openSinks));
  files.sort((a, b) => fileOrder(a.name) - fileOrder(b.name));

  const recordCount = files.reduce((a, f) => a + f['record-count'], 0);
  const metadata: BackupMetadata = {
    created: rfc3339(createdMs),
    ...(req['modified-after'] !== undefined ? { from: rfc3339(req['modified-after']) } : {}),
    namespace,
    'record-count': recordCount,
    'byte-count': files.reduce((a, f) => a + f.size, 0),
    'file-count': files.length,
    'secondary-index-count': indexes.length,
    'udf-count': udfs.length,
    tidemark: {
      'tool-version': deps.toolVersion,
      type: req.type,
      ...(req['modified-before'] !== undefined ? { 'modified-before': req['modified-before'] } : {}),
      ...(req.label !== undefined ? { label: req.label } : {}),
      compression: req.compression.mode,
      encryption: req.encryption.mode,
      ...(req['set-list'].length ? { sets: req['set-list'] } : {}),
      ...(req['bin-list'].length ? { bins: req['bin-list'] } : {}),
      'partition-ranges': toRanges(pids),
      files,
    },
  };
  // Zero counts are omitted, as ABS (Go, omitempty) writes them.
  for (const k of ['record-count', 'byte-count', 'file-count', 'secondary-index-count', 'udf-count'] as const) if (!metadata[k]) delete metadata[k];
  const w = await deps.storage.openWrite(`${dir}/${METADATA_FILE}`);
  w.end(stringify(metadata));
  await w.commit();
  return { namespace, key: dir, metadata };
}

function fileOrder(name: string): number {
  return Number(/_(\d+)\.asb$/.exec(name)?.[1] ?? 0);
}

function scanFilter(req: BackupRequest): Exp | undefined {
  const parts: Exp[] = [];
  const window = modifiedWindow(req['modified-after'], req['modified-before']);
  if (window) parts.push(window);
  // One set goes in the scan's set field; several need an expression (as asbackup does).
  if (req['set-list'].length > 1) parts.push(inSets(req['set-list'])!);
  return parts.length ? exp.and(...parts) : undefined;
}

async function openSink(deps: BackupDeps, dir: string, name: string, header: Buffer, open: Set<FileSink>): Promise<FileSink> {
  const sink = await FileSink.open(deps.storage, `${dir}/${name}`, name, deps.encodeStages, header);
  open.add(sink);
  return sink;
}

async function closeSink(sink: FileSink, open: Set<FileSink>): Promise<BackupFileEntry> {
  const entry = await sink.close();
  open.delete(sink);
  return entry;
}
