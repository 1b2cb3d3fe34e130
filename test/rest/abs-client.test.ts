/**
 * An "ABS client": it knows only ABS's own OpenAPI v2 document (test/data/abs/openapi-v2.yaml) —
 * operations by operationId, their paths and methods, and the response schemas it checks every
 * answer against — and runs an ABS user's flows unchanged against a live `tidemark serve`:
 * set up a cluster, storage, policy and routine, back up, list, restore by path and to a point
 * in time, follow the restore's status, and clean up.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { Job } from '../../shared/schemas/job.js';
import { http, validateSchema, type HttpAnswer, type JsonSchema, type OpenApiDoc } from './helpers.js';
import { RECORDS, startStack, type Stack } from './stack.js';

type Operation = { operationId?: string; responses?: Record<string, { content?: Record<string, { schema?: JsonSchema }> }> };

/**
 * swaggo writes `allOf: [$ref]` next to `type: object` for referenced fields, even when the
 * referenced schema is a string enum (dto.JobStatus). That `type` is an artifact of the
 * generator, not part of the contract, so the client drops it.
 */
function dropAllOfTypes(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropAllOfTypes);
  if (typeof v !== 'object' || v === null) return v;
  const o = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, dropAllOfTypes(x)]));
  if ('allOf' in o && o.type === 'object') delete o.type;
  return o;
}

class AbsClient {
  readonly errors: string[] = [];
  private readonly ops = new Map<string, { path: string; method: string; op: Operation }>();

  constructor(
    private readonly doc: OpenApiDoc,
    private readonly base: string,
    private readonly token: string,
  ) {
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods as Record<string, Operation>)) if (op.operationId) this.ops.set(op.operationId, { path, method, op });
    }
  }

  /** Calls an ABS operation and checks the answer against ABS's schema for its status. */
  async call(operationId: string, o: { params?: Record<string, string | number>; query?: Record<string, string | number>; body?: unknown; check?: boolean } = {}): Promise<HttpAnswer> {
    const entry = this.ops.get(operationId);
    if (!entry) throw new Error(`ABS has no operation ${operationId}`);
    const path = entry.path.replace(/\{(\w+)\}/g, (_, k: string) => encodeURIComponent(String(o.params?.[k])));
    const query = o.query ? `?${new URLSearchParams(Object.entries(o.query).map(([k, v]): [string, string] => [k, String(v)])).toString()}` : '';
    const a = await http(this.base, entry.method.toUpperCase(), path + query, { ...(o.body !== undefined ? { body: o.body } : {}), token: this.token });
    const documented = entry.op.responses?.[String(a.status)];
    if (!documented) this.errors.push(`${operationId}: status ${a.status} is not one ABS documents`);
    // ABS documents its error bodies as bare strings; Tidemark answers errors as { error, issues }
    // JSON naming each field, so for errors the client checks the status only.
    else if (o.check !== false && a.status < 400 && a.json !== undefined) {
      const media = documented.content?.['application/json'] ?? documented.content?.['*/*'];
      if (media?.schema) this.errors.push(...validateSchema(this.doc, media.schema, a.json).map((e) => `${operationId}: ${e}`));
    }
    return a;
  }
}

let s: Stack;
let abs: AbsClient;

before(async () => {
  s = await startStack();
  const doc = dropAllOfTypes(parse(readFileSync('test/data/abs/openapi-v2.yaml', 'utf8'))) as OpenApiDoc;
  abs = new AbsClient(doc, s.serve.base, 'tm_test-token-0123456789abcdef');
});

after(async () => {
  await s?.close();
});

test('an ABS v2 client runs its flows unchanged', async () => {
  for (const op of ['readConfig', 'readAllClusters', 'ReadAllStorage', 'ReadPolicies', 'ReadRoutines']) assert.equal((await abs.call(op)).status, 200, op);

  const cluster = { label: 'absCluster', 'seed-nodes': [{ 'host-name': s.host, port: s.port }], 'conn-timeout': 5000, 'max-parallel-scans': 8 };
  assert.equal((await abs.call('addCluster', { params: { name: 'absCluster' }, body: cluster })).status, 201);
  assert.deepEqual((await abs.call('readCluster', { params: { name: 'absCluster' } })).json, cluster);
  assert.equal((await abs.call('updateCluster', { params: { name: 'absCluster' }, body: { ...cluster, 'conn-timeout': 6000 } })).status, 200);
  assert.equal((await abs.call('addStorage', { params: { name: 'absLocal' }, body: { 'local-storage': { path: 'abs-backups' } } })).status, 201);
  const policy = { parallel: 2, 'remove-files': 'KeepAll', sealed: true, compression: { mode: 'ZSTD', level: 1 }, 'socket-timeout': 10000, 'total-timeout': 0 };
  assert.equal((await abs.call('addPolicy', { params: { name: 'absPolicy' }, body: policy })).status, 201);
  const routine = { 'backup-policy': 'absPolicy', 'source-cluster': 'absCluster', storage: 'absLocal', 'interval-cron': '@yearly', 'incr-interval-cron': '*/10 * * * * *', namespaces: ['test'] };
  assert.equal((await abs.call('addRoutine', { params: { name: 'absRoutine' }, body: routine })).status, 201);
  assert.ok(Object.keys((await abs.call('ReadRoutines')).json as object).includes('absRoutine'));
  // ABS schedules now; pause the routine's schedule so only the client's own runs happen.
  assert.equal((await http(s.serve.base, 'POST', '/v1/schedule/pause?routine=absRoutine')).status, 200);

  // Back up (ABS v2's trigger), follow it, and list it.
  const started = await abs.call('ScheduleFullBackup', { params: { name: 'absRoutine' } });
  assert.equal(started.status, 202);
  const final = await s.events.finished((started.json as Job).id);
  assert.equal(final.status, 'success', String(final.error));
  assert.deepEqual((await abs.call('getCurrentBackup', { params: { name: 'absRoutine' } })).json, {});
  const all = (await abs.call('getFullBackups')).json as Record<string, Array<Record<string, unknown>>>;
  const backup = all.absRoutine![0]!;
  assert.equal(backup['record-count'], (final.stats as Record<string, number>).records);
  assert.ok(Number(backup['record-count']) >= RECORDS);
  const mine = (await abs.call('GetFullBackupsForRoutine', { params: { name: 'absRoutine' }, query: { from: 0, to: Date.now() + 1000 } })).json as unknown[];
  assert.deepEqual(mine, all.absRoutine);
  assert.equal((await abs.call('GetIncrementalBackupsForRoutine', { params: { name: 'absRoutine' } })).status, 200);

  // Restore that backup by its path into another namespace, as ABS's RestoreRequest has it.
  const restore = await abs.call('restoreFull', {
    body: {
      'backup-data-path': backup.key,
      destination: { 'seed-nodes': [{ 'host-name': s.host, port: s.port }] },
      policy: { parallel: 2, 'no-generation': true, namespace: { source: 'test', destination: 'bar' } },
      source: backup.storage,
    },
  });
  assert.equal(restore.status, 202);
  assert.ok(Number.isSafeInteger(restore.json));
  const status = async (): Promise<Record<string, unknown>> => (await abs.call('restoreStatus', { params: { jobId: restore.json as number } })).json as Record<string, unknown>;
  await s.events.finished((await status())['job-id'] as string);
  const done = await status();
  assert.equal(done.status, 'Done', String(done.error));
  assert.equal(done['read-records'], backup['record-count']);

  // And to a point in time (v2 requires destination and policy in this request).
  const pit = await abs.call('restoreTimestamp', {
    body: { routine: 'absRoutine', time: Date.now(), destination: { 'seed-nodes': [{ 'host-name': s.host, port: s.port }] }, policy: { 'no-generation': true, namespace: { source: 'test', destination: 'bar' } } },
  });
  assert.equal(pit.status, 202);
  const pitStatus = (await abs.call('restoreStatus', { params: { jobId: pit.json as number } })).json as Record<string, unknown>;
  const pitFinal = await s.events.finished(pitStatus['job-id'] as string);
  assert.equal(pitFinal.status, 'success', String(pitFinal.error));

  // Bad requests get ABS's 400/404, never a 500.
  assert.equal((await abs.call('readRoutine', { params: { name: 'noSuchRoutine' } })).status, 404);
  assert.equal((await abs.call('restoreFull', { body: { 'backup-data-path': backup.key } })).status, 400);

  // Clean up, routine first (the others are in use until then).
  for (const [op, name] of [
    ['deleteRoutine', 'absRoutine'],
    ['deletePolicy', 'absPolicy'],
    ['deleteStorage', 'absLocal'],
    ['deleteCluster', 'absCluster'],
  ] as const) {
    assert.equal((await abs.call(op, { params: { name } })).status, 204, op);
  }
  for (const op of ['health', 'ready']) assert.equal((await abs.call(op)).status, 200, op);
  assert.deepEqual(abs.errors, []);
});
