/**
 * Restores one backup, or a routine up to a point in time, into a cluster. Everything is
 * checked before the first write (files present, sizes and checksums where our metadata has
 * them); then globals, then records, file by file with `parallel` files in flight, through the
 * wire-level record writer. Statistics follow ABS and always add up:
 * read = inserted + existed + fresher + ignored + skipped + expired.
 */
import type { AerospikeCluster } from '../aerospike/cluster.js';
import { RecordWriter, type RecordWriterStats } from '../aerospike/record-writer.js';
import { planPointInTime, type RestorePlan } from '../catalog/restore-plan.js';
import type { BackupStorage } from '../storage/storage.js';
import type { RunningJob } from '../../../shared/schemas/progress.js';
import type { RestorePolicy, RestoreSource, RestoreStats } from '../../../shared/schemas/restore-request.js';
import { openBackupSource, readBackupFileEncodedBatches, verifyBackup, type BackupSource } from './backup-reader.js';
import { restoreIndex, restoreUdf } from './cluster-globals.js';
import { detectCodec } from './codec-detect.js';
import { ProgressTracker } from './progress.js';
import { RateLimiter } from './rate-limiter.js';
import type { FileCodecOptions } from '../format/file-codec.js';
import type { AsbParseError } from '../format/asb-reader.js';
import type { EncodedRecord } from '../wire/encoded-record.js';

export interface RestoreDeps {
  cluster: AerospikeCluster;
  storage: BackupStorage;
  /** 32-byte key hash (encryption-key.ts) for encrypted backups. */
  keyHash?: Buffer;
}

export interface RestoreRunOptions {
  signal?: AbortSignal;
  onProgress?: (job: RunningJob, stats: RestoreStats) => void;
  progressIntervalMs?: number;
  /** Skip the checksum pre-pass (files are still checked while restoring). */
  skipVerify?: boolean;
  /** Told about each record skipped under `skip-bad-records`. */
  onBadRecord?: (err: AsbParseError) => void;
  /** Told which backups will be read, before any is opened (so nobody deletes them meanwhile). */
  onPlan?: (keys: string[]) => void;
}

export interface RestoreResult {
  stats: RestoreStats;
  /** Backups applied, in order. */
  keys: string[];
  plan?: RestorePlan;
  job: RunningJob;
}

/** A restore that stopped; `stats` says exactly what had been written. */
export class RestoreError extends Error {
  override name = 'RestoreError';
  constructor(
    message: string,
    readonly stats: RestoreStats,
    readonly cancelled: boolean,
  ) {
    super(message);
  }
}

export function emptyStats(): RestoreStats {
  return {
    'read-records': 0,
    'total-bytes': 0,
    'expired-records': 0,
    'skipped-records': 0,
    'ignored-records': 0,
    'inserted-records': 0,
    'existed-records': 0,
    'fresher-records': 0,
    'index-count': 0,
    'udf-count': 0,
    'errors-in-doubt': 0,
  };
}

/** After a cancel, how long writes already sent may take to answer before they count as in doubt. */
const ABORT_GRACE_MS = 500;
/** EncodedRecord objects kept for reuse: about what a writer has in flight at its defaults, with room. */
const MAX_POOLED_RECORDS = 8192;

interface Prepared {
  source: BackupSource;
  codec: FileCodecOptions;
  namespace: string | null;
}

export async function runRestore(deps: RestoreDeps, what: RestoreSource, policy: RestorePolicy, opts: RestoreRunOptions = {}): Promise<RestoreResult> {
  const { storage } = deps;
  let plan: RestorePlan | undefined;
  const keys = 'key' in what ? [what.key] : (plan = await planPointInTime(storage, what.routine, what.time)).steps.map((s) => s.key);
  opts.onPlan?.(keys);

  // Everything is checked before anything is written.
  const prepared: Prepared[] = [];
  for (const key of keys) {
    const source = await openBackupSource(storage, key);
    const codec = await detectCodec(storage, source, deps.keyHash);
    if (source.metadata?.tidemark && !opts.skipVerify) await verifyBackup(storage, source, codec);
    prepared.push({ source, codec, namespace: source.metadata?.namespace ?? null });
  }
  const total = prepared.reduce((a, p) => a + (p.source.metadata?.['record-count'] ?? 0), 0);

  const stats = emptyStats();
  const tracker = new ProgressTracker(total);
  // The writer of the backup being restored, so progress shows its counts while it runs.
  const live: { writer?: RecordWriter | undefined } = {};
  const report = (): void => {
    const now = { ...stats };
    if (live.writer) addWriterStats(now, live.writer.stats());
    opts.onProgress?.(tracker.snapshot(), now);
  };
  const timer = opts.onProgress ? setInterval(report, opts.progressIntervalMs ?? 1000) : undefined;
  const abort = new AbortController();
  const onOuter = (): void => abort.abort();
  opts.signal?.addEventListener('abort', onOuter, { once: true });
  if (opts.signal?.aborted) abort.abort();
  try {
    for (const p of prepared) await restoreOne(deps, p, policy, stats, tracker, abort, opts, live);
    report();
    return { stats, keys, ...(plan ? { plan } : {}), job: tracker.snapshot() };
  } catch (err) {
    abort.abort();
    const cancelled = opts.signal?.aborted === true;
    const msg = cancelled ? 'restore cancelled' : `restore failed: ${(err as Error).message}`;
    throw new RestoreError(`${msg} (${stats['inserted-records'] + stats['existed-records'] + stats['fresher-records']} records were written or already present)`, { ...stats }, cancelled);
  } finally {
    if (timer) clearInterval(timer);
    opts.signal?.removeEventListener('abort', onOuter);
  }
}

/**
 * Paces records at `perSecond` in small steps (a tenth of a second's worth, at most 64). Unlike a
 * token bucket that starts full, it allows no initial burst beyond one step and does not catch up
 * after a stall, so N records take at least (N - step) / perSecond seconds and no second-long
 * window sees more than perSecond + step records.
 */
class RecordPacer {
  private readonly step: number;
  private inStep = 0;
  private next = 0;

  constructor(private readonly perSecond: number) {
    this.step = Math.max(1, Math.min(64, Math.floor(perSecond / 10)));
  }

  /** Resolves when one more record may be written. */
  async take(signal: AbortSignal): Promise<void> {
    if (this.inStep > 0) {
      this.inStep = (this.inStep + 1) % this.step;
      return;
    }
    this.inStep = 1 % this.step;
    const now = Date.now();
    if (this.next < now) this.next = now;
    const wait = this.next - now;
    this.next += (this.step * 1000) / this.perSecond;
    if (wait > 0) await sleep(wait, signal);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error('cancelled'));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new Error('cancelled'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function destinationOf(policy: RestorePolicy, sourceNs: string): string {
  const map = policy.namespace;
  if (!map) return sourceNs;
  if (map.source !== sourceNs) throw new Error(`the backup holds namespace '${sourceNs}', but the namespace mapping is for '${map.source}'`);
  return map.destination;
}

function addWriterStats(stats: RestoreStats, w: RecordWriterStats): void {
  stats['inserted-records'] += w.inserted;
  stats['existed-records'] += w.existed;
  stats['fresher-records'] += w.fresher;
  stats['expired-records'] += w.expired;
  stats['ignored-records'] += w.ignored;
  stats['errors-in-doubt'] += w.errorsInDoubt;
}

async function restoreOne(
  deps: RestoreDeps,
  p: Prepared,
  policy: RestorePolicy,
  stats: RestoreStats,
  tracker: ProgressTracker,
  abort: AbortController,
  opts: RestoreRunOptions,
  live: { writer?: RecordWriter | undefined },
): Promise<void> {
  const { cluster, storage } = deps;
  const signal = abort.signal;
  let destination: string | null = p.namespace ? destinationOf(policy, p.namespace) : null;
  const checkDestination = (ns: string): void => {
    if (!cluster.namespaces().includes(ns)) throw new Error(`namespace '${ns}' does not exist on the destination cluster (it has: ${cluster.namespaces().join(', ')})`);
  };
  if (destination) checkDestination(destination);

  const limiter = policy.bandwidth ? new RateLimiter(policy.bandwidth) : undefined;
  const tps = policy.tps ? new RecordPacer(policy.tps) : undefined;
  const sets = policy['set-list'].length ? new Set(policy['set-list']) : undefined;
  let writer: RecordWriter | undefined;
  // EncodedRecords the writer is done with, filled in again by the file decoders: with the
  // writer's own row reuse, a restore allocates no object per record.
  const recordPool: EncodedRecord[] = [];
  const releaseEncoded = (e: EncodedRecord): void => {
    if (recordPool.length < MAX_POOLED_RECORDS) recordPool.push(e);
  };
  const writerFor = (ns: string): RecordWriter => {
    writer ??= live.writer = new RecordWriter(cluster, {
      namespace: ns,
      noGeneration: policy['no-generation'],
      exists: policy.unique ? 'create' : policy.replace ? 'replace' : 'update',
      extraTtl: policy['extra-ttl'],
      batchSize: policy['batch-size'],
      maxAsyncBatches: policy['max-async-batches'],
      disableBatchWrites: policy['disable-batch-writes'],
      socketTimeoutMs: policy['socket-timeout'],
      totalTimeoutMs: policy.timeout,
      retry: { maxRetries: policy['retry-policy'].maxRetries, baseDelayMs: policy['retry-policy'].baseTimeout, multiplier: policy['retry-policy'].multiplier },
      ...(policy['bin-list'].length ? { binList: policy['bin-list'] } : {}),
      signal,
      releaseEncoded,
      // On cancel, writes already sent may still answer briefly, so the statistics say exactly
      // what was written (what does not answer in time counts as in doubt).
      abortGraceMs: policy['socket-timeout'] > 0 ? Math.min(ABORT_GRACE_MS, policy['socket-timeout']) : ABORT_GRACE_MS,
    });
    return writer;
  };
  const seenIndexes = new Set<string>();
  const seenUdfs = new Set<string>();
  // The first failure of a file stops the others at their next record. It does not abort the
  // writer: writes in flight finish and are counted, so the statistics stay exact.
  let failed: unknown;

  const restoreFile = async (file: BackupSource['files'][number]): Promise<void> => {
    const onBadRecord = policy['skip-bad-records']
      ? (err: AsbParseError): void => {
          // An undecodable record is read but not restored: it counts as read and skipped.
          stats['read-records']++;
          stats['skipped-records']++;
          opts.onBadRecord?.(err);
        }
      : undefined;
    // The hot path: records come transcoded into write operations, never as record objects.
    for await (const batch of readBackupFileEncodedBatches(storage, file.path, p.codec, file.entry, undefined, onBadRecord, recordPool)) {
      // Indexed: for-of would allocate an iterator result per record (the loop awaits).
      for (let i = 0; i < batch.length; i++) {
        const item = batch[i]!;
        if (signal.aborted) throw new Error('cancelled');
        if (failed !== undefined) return;
        switch (item.kind) {
          case 'header':
            if (!destination && item.header.namespace) {
              destination = destinationOf(policy, item.header.namespace);
              checkDestination(destination);
            }
            break;
          case 'sindex':
            if (policy['no-indexes'] || seenIndexes.has(item.index.name)) break;
            seenIndexes.add(item.index.name);
            await restoreIndex(cluster, { ...item.index, namespace: destinationOf(policy, item.index.namespace) }, signal);
            stats['index-count']++;
            break;
          case 'udf':
            if (policy['no-udfs'] || seenUdfs.has(item.udf.name)) break;
            seenUdfs.add(item.udf.name);
            await restoreUdf(cluster, item.udf);
            stats['udf-count']++;
            break;
          case 'encoded': {
            if (policy['no-records']) break;
            stats['read-records']++;
            tracker.add(1, 0);
            if (sets && !sets.has(item.set ?? '')) {
              stats['skipped-records']++;
              break;
            }
            if (!destination) {
              destination = destinationOf(policy, item.namespace);
              checkDestination(destination);
            }
            if (tps) await tps.take(signal);
            // Waits only when the writer has no room: most records are queued without an await.
            const wait = writerFor(destination).writeEncoded(item);
            if (wait) await wait;
            break;
          }
        }
      }
    }
    const size = file.entry?.size ?? (await storage.stat(file.path))?.size ?? 0;
    stats['total-bytes'] += size;
    tracker.add(0, size);
    if (limiter) await limiter.take(size, signal);
  };

  // Files in flight at once; the first goes alone so its globals (indexes, UDFs) land first.
  const queue = [...p.source.files];
  const first = queue.shift();
  try {
    if (first) await restoreFile(first);
    const workers = Array.from({ length: Math.min(policy.parallel, queue.length) }, async () => {
      while (queue.length > 0 && failed === undefined) {
        const f = queue.shift()!;
        await restoreFile(f).catch((err: unknown) => {
          failed ??= err;
        });
      }
    });
    await Promise.all(workers);
    if (failed !== undefined) throw failed;
    await writer?.flush();
  } finally {
    if (writer) {
      // In-flight batches settle before the numbers are read, so they are exact.
      await writer.flush().catch(() => undefined);
      await writer.settled();
      live.writer = undefined;
      addWriterStats(stats, writer.stats());
    }
  }
}
