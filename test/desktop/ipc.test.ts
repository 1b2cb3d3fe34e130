/**
 * The desktop app's IPC, end to end in one process: the renderer's IpcTransport → a fake channel
 * that serialises like Electron's (structured clone) → main's router (contract validation) → the
 * core API → a real TidemarkService on a temporary folder, with events forwarded back. Also the
 * contract itself: its names match the preload's list and the UI's transport interface, valid
 * calls pass, malformed and unknown ones are refused with the field named.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IPC_CALLS, type DesktopBridge, type IpcCallName, type IpcResult } from '../../shared/ipc/channels.js';
import { IPC_CONTRACT, CoreEventSchema, type CoreEventMessage } from '../../shared/ipc/contract.js';
import { createCoreApi, type CoreApi } from '../../electron/core/api/core-api.js';
import { ApiFailure } from '../../electron/core/api/api-failure.js';
import { TidemarkService } from '../../electron/core/service/tidemark-service.js';
import { createIpcRouter, type IpcRouter } from '../../electron/main/ipc/ipc-router.js';
import { forwardEvents } from '../../electron/main/ipc/event-messages.js';
import { IpcTransport } from '../../renderer/src/api/ipc-transport.js';
import { TransportError, type CoreEvent, type Transport } from '../../renderer/src/api/transport.js';
import Aerospike from 'aerospike';
import { startTestbedWorker, type TestbedHandle } from '../../e2e/testbed/index.js';
import { writeDataset } from '../helpers/dataset.js';

let dir: string;
let tb: TestbedHandle;
let service: TidemarkService;
let router: IpcRouter;
let stopForwarding: () => void;
const eventListeners = new Set<(e: unknown) => void>();
const sent: CoreEventMessage[] = [];

/** Electron's IPC copies values with the structured clone algorithm: functions, classes and prototypes do not cross. */
function fakeBridge(r: IpcRouter): DesktopBridge {
  const calls = Object.fromEntries(IPC_CALLS.map((name) => [name, (input: unknown) => r.handle(name, structuredClone(input)).then((v) => structuredClone(v))])) as DesktopBridge['calls'];
  return {
    calls,
    platform: 'linux',
    onEvent(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
  };
}

before(async () => {
  tb = await startTestbedWorker({ port: 0, namespaces: ['test'] });
  const client = await Aerospike.connect({ hosts: tb.seed, log: { level: Aerospike.log.OFF } });
  await writeDataset(client, 'test', 50);
  await client.close();
  dir = mkdtempSync(join(tmpdir(), 'tidemark-ipc-'));
  service = await TidemarkService.open({ configPath: join(dir, 'config.json'), logStdout: false });
  router = createIpcRouter(createCoreApi(service, { dataDir: dir, commit: 'abc123' }));
  stopForwarding = forwardEvents(
    (fn) => service.subscribe(fn),
    (m) => {
      sent.push(m);
      const copy = structuredClone(m);
      for (const l of eventListeners) l(copy);
    },
  );
});

after(async () => {
  stopForwarding?.();
  await service?.close();
  await tb?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the contract: the preload\'s names are exactly the contract\'s calls, and the contract covers every call of the UI\'s transport', () => {
  assert.deepEqual([...IPC_CALLS].sort(), Object.keys(IPC_CONTRACT).sort());
  // Every call of the Transport interface, at compile time: a missing or extra name fails the type check.
  type TransportCalls = Exclude<keyof Transport, 'subscribe' | 'onConnection' | 'connection' | 'reconnect' | 'close'>;
  const covered: Record<TransportCalls, IpcCallName> = Object.fromEntries(IPC_CALLS.filter((n) => n !== 'runningJobs').map((n) => [n, n])) as Record<TransportCalls, IpcCallName>;
  const transportMethods = Object.getOwnPropertyNames(IpcTransport.prototype).filter((n) => n !== 'constructor' && !['call', 'subscribe', 'onConnection', 'connection', 'reconnect', 'close', 'setState', 'emit', 'startEvents', 'snapshot'].includes(n));
  assert.deepEqual(transportMethods.sort(), Object.keys(covered).sort());
});

test('router: unknown calls and malformed inputs are refused with the field named; nothing reaches the core', async () => {
  const reached: string[] = [];
  const spy = new Proxy({} as CoreApi, { get: (_t, name: string) => async () => reached.push(name) });
  const r = createIpcRouter(spy);

  const unknown = await r.handle('shell.openExternal', { url: 'https://example.com' });
  assert.equal(unknown.ok, false);
  assert.equal(!unknown.ok && unknown.error.status, 404);
  assert.match(!unknown.ok ? unknown.error.error : '', /unknown IPC call 'shell.openExternal'/);
  // Prototype names are not calls either.
  const proto = await r.handle('__proto__', {});
  assert.equal(!proto.ok && proto.error.status, 404);

  const cases: Array<[IpcCallName, unknown, Array<string | number>]> = [
    ['job', { id: 'not-a-uuid' }, ['input', 'id']],
    ['triggerBackup', { routine: 'daily', kind: 'weekly' }, ['input', 'kind']],
    ['triggerBackup', { routine: '../etc', kind: 'full' }, ['input', 'routine']],
    ['triggerBackup', { routine: 'daily', kind: 'full', delayMs: -1 }, ['input', 'delayMs']],
    ['createEntry', { section: 'storage', name: 'x', entry: { 'local-storage': { path: 'b' } }, extra: 1 }, ['input']],
    ['createEntry', { section: 'aerospike-clusters', name: 'c', entry: { 'seed-nodes': [{ port: 3000 }] } }, ['input', 'entry', 'seed-nodes', 0, 'host-name']],
    ['updateDesktopSettings', { 'rest-port': 70000 }, ['input', 'rest-port']],
    ['version', { sneaky: true }, ['input']],
    ['restoreStatus', { jobNumber: 1.5 }, ['input', 'jobNumber']],
  ];
  for (const [name, input, path] of cases) {
    const res = await r.handle(name, input);
    assert.equal(res.ok, false, `${name} ${JSON.stringify(input)} must be refused`);
    if (res.ok) continue;
    assert.equal(res.error.status, 400, name);
    assert.ok(
      res.error.issues.some((i) => JSON.stringify(i.path.slice(0, path.length)) === JSON.stringify(path)),
      `${name}: expected an issue at ${path.join('.')}, got ${JSON.stringify(res.error.issues)}`,
    );
    assert.ok(res.error.error.startsWith(`${name}: input`), res.error.error);
  }
  assert.deepEqual(reached, []);

  // A valid call reaches the core with the parsed input.
  const ok = await r.handle('triggerBackup', { routine: 'daily', kind: 'incremental', label: 'before upgrade' });
  assert.equal(ok.ok, true);
  assert.deepEqual(reached, ['triggerBackup']);
});

test('router: core refusals keep their status and fields; a fault is "internal error" without its details', async () => {
  const faulty = new Proxy({} as CoreApi, {
    get: (_t, name: string) => async () => {
      if (name === 'job') throw ApiFailure.notFound(['id'], 'job 1 is not known');
      throw new Error('disk on fire at /secret/path');
    },
  });
  const logged: unknown[] = [];
  const r = createIpcRouter(faulty, { error: (o: unknown) => void logged.push(o) } as never);
  const nf = (await r.handle('job', { id: '0b7c5e8e-4a0c-4d6f-9d3a-2f3c2a1b0c9d' })) as IpcResult;
  assert.deepEqual(!nf.ok && nf.error, { status: 404, error: 'job 1 is not known', issues: [{ path: ['id'], message: 'job 1 is not known' }] });
  const fault = await r.handle('config', {});
  assert.deepEqual(!fault.ok && fault.error, { status: 500, error: 'internal error: see the Tidemark log', issues: [] });
  assert.equal(logged.length, 1);
});

test('IPC transport over a fake channel: config, schedule, desktop settings and refusals as TransportErrors', async () => {
  const t = new IpcTransport(fakeBridge(router));
  const v = await t.version();
  assert.equal(v.commit, 'abc123');
  assert.match(v.version, /^\d+\.\d+\.\d+/);
  assert.deepEqual(await t.capabilities(), { catalog: true, verify: true, delete: true });

  // Plain-text secrets are refused unless allowed (no keychain in this process): the refusal names the field.
  const secret = await t
    .createEntry('aerospike-clusters', 'tb', { 'seed-nodes': [{ 'host-name': tb.seed.split(':')[0]!, port: Number(tb.seed.split(':')[1]) }], credentials: { user: 'admin', password: 'hunter22' } })
    .then(() => undefined, (e: unknown) => e);
  assert.ok(secret instanceof TransportError && secret.status === 400, String(secret));
  assert.ok(secret.issues.some((i) => i.path.includes('password')), JSON.stringify(secret.issues));
  const seed = { 'host-name': tb.seed.split(':')[0]!, port: Number(tb.seed.split(':')[1]) };
  const cluster = await t.createEntry('aerospike-clusters', 'tb', { 'seed-nodes': [seed] });
  assert.deepEqual(cluster['seed-nodes'], [seed]);
  await t.createEntry('storage', 'local', { 'local-storage': { path: join(dir, 'backups') } });
  await t.createEntry('backup-policies', 'p', {});
  await t.createEntry('backup-routines', 'daily', { 'source-cluster': 'tb', storage: 'local', 'backup-policy': 'p', namespaces: ['test'], 'interval-cron': '0 0 3 * * *' } as never);

  // A taken name is a 409 naming it; deleting what a routine uses is refused.
  const taken = await t.createEntry('storage', 'local', { 'local-storage': { path: 'x' } }).then(() => undefined, (e: unknown) => e);
  assert.ok(taken instanceof TransportError && taken.status === 409, String(taken));
  const inUse = await t.deleteEntry('storage', 'local').then(() => undefined, (e: unknown) => e);
  assert.ok(inUse instanceof TransportError && inUse.status === 409 && /used by routine 'daily'/.test(inUse.message), String(inUse));

  const config = await t.config();
  assert.deepEqual(Object.keys(config['backup-routines']), ['daily']);

  const schedule = await t.schedule();
  assert.equal(schedule[0]?.routine, 'daily');
  assert.equal(typeof schedule[0]?.full, 'number');
  const paused = await t.pauseSchedule();
  assert.equal(paused[0]?.globallyPaused, true);
  assert.equal((await t.resumeSchedule())[0]?.globallyPaused, false);

  // Desktop settings: defaults, then a change written to the config file (REST port into service.http.port).
  const defaults = await t.desktopSettings();
  assert.deepEqual(defaults, { 'rest-server': true, 'rest-port': 8080, 'start-at-login': false, 'close-to-tray': true, notifications: { 'job-failed': true, 'restore-finished': true } });
  const changed = await t.updateDesktopSettings({ 'rest-server': false, 'rest-port': 9123, notifications: { 'restore-finished': false } });
  assert.deepEqual(changed, { 'rest-server': false, 'rest-port': 9123, 'start-at-login': false, 'close-to-tray': true, notifications: { 'job-failed': true, 'restore-finished': false } });
  assert.equal(service.config.config.service?.http?.port, 9123);
  assert.equal(service.config.config.tidemark?.desktop?.['rest-server'], false);

  // Refusals from the core arrive as TransportErrors with status and field.
  const unknownJob = await t.job('0b7c5e8e-4a0c-4d6f-9d3a-2f3c2a1b0c9d').then(() => undefined, (e: unknown) => e);
  assert.ok(unknownJob instanceof TransportError && unknownJob.status === 404 && unknownJob.forField('id').length === 1);
  const badRoutine = await t.timeline('nope').then(() => undefined, (e: unknown) => e);
  assert.ok(badRoutine instanceof TransportError && badRoutine.status === 404 && /routine 'nope' is not defined/.test(badRoutine.message));
  const bad = await t.triggerBackup('daily', 'full', { delayMs: -5 }).then(() => undefined, (e: unknown) => e);
  assert.ok(bad instanceof TransportError && bad.status === 400 && bad.forField('delayMs').length === 1);
});

test('IPC transport events: a snapshot first, then the core\'s events as they happen, and nothing after close', async () => {
  const t = new IpcTransport(fakeBridge(router));
  const got: CoreEvent[] = [];
  const states: string[] = [];
  t.onConnection((s) => states.push(s.state));
  const opened = new Promise<void>((resolve) => t.onConnection((s) => s.state === 'open' && resolve()));
  const off = t.subscribe((e) => got.push(e));
  await opened;
  assert.deepEqual(got[0], { type: 'snapshot', jobs: [] });
  assert.deepEqual(states.slice(-2), ['connecting', 'open']);

  // A config change in the core reaches the window as an event, validated by the contract's schema.
  const changed = new Promise<void>((resolve) => t.subscribe((e) => e.type === 'config-changed' && resolve()));
  await t.createEntry('storage', 'second', { 'local-storage': { path: join(dir, 'second') } });
  await changed;
  assert.ok(got.some((e) => e.type === 'config-changed'));
  for (const m of sent) CoreEventSchema.parse(m);

  off();
  t.close();
  assert.equal(t.connection().state, 'closed');
  const before = got.length;
  await t.deleteEntry('storage', 'second').catch(() => undefined);
  assert.equal(got.length, before);
});

test('a backup through IPC: the job answers at once, its events arrive in order, the catalog and the timeline list it', async () => {
  const t = new IpcTransport(fakeBridge(router));
  const events: CoreEvent[] = [];
  const finished = new Promise<CoreEvent>((resolve) =>
    t.subscribe((e) => {
      events.push(e);
      if (e.type === 'job-finished') resolve(e);
    }),
  );
  const job = await t.triggerBackup('daily', 'full', { label: 'from the window' });
  assert.equal(job.routine, 'daily');
  const done = await finished;
  assert.ok(done.type === 'job-finished' && done.job.id === job.id && done.job.status === 'success', JSON.stringify(done));
  const mine = events.filter((e) => 'job' in e && e.job.id === job.id).map((e) => e.type);
  assert.equal(mine[0], 'job-created');
  assert.equal(mine.at(-1), 'job-finished');
  assert.ok(mine.indexOf('job-started') > 0);

  const page = await t.backups({ routine: 'daily' });
  assert.equal(page.total, 1);
  assert.equal(page.backups[0]?.label, 'from the window');
  assert.ok((page.backups[0]?.['record-count'] ?? 0) >= 50, JSON.stringify(page.backups[0]));
  const timeline = await t.timeline('daily');
  assert.equal(timeline.points.length, 1);
  assert.equal((await t.job(job.id)).status, 'success');
  assert.ok((await t.jobLog(job.id)).length > 0);
  const jobs = await t.jobs({ routine: 'daily', type: ['backup'] });
  assert.deepEqual(jobs.map((j) => j.id), [job.id]);
  t.close();
});

test('event forwarding: progress is thinned per job, state changes always go through', () => {
  let clock = 0;
  let emit: ((e: Parameters<Parameters<TidemarkService['subscribe']>[0]>[0]) => void) | undefined;
  const out: CoreEventMessage[] = [];
  forwardEvents(
    (fn) => {
      emit = fn;
      return () => undefined;
    },
    (m) => out.push(m),
    { progressEveryMs: 100, now: () => clock },
  );
  const job = { id: 'a', type: 'backup', routine: 'r', trigger: 'on-demand', status: 'running', 'created-at': 0 } as const;
  emit!({ type: 'started', job });
  for (let i = 0; i < 10; i++) {
    clock += 30;
    emit!({ type: 'progress', job });
  }
  emit!({ type: 'finished', job: { ...job, status: 'success' } });
  emit!({ type: 'schedule-changed' });
  const types = out.map((m) => m.type);
  assert.equal(types[0], 'job-started');
  // 300 ms of progress every 30 ms, at most one per 100 ms: 3 or 4 of the 10.
  const progress = types.filter((x) => x === 'job-progress').length;
  assert.ok(progress >= 3 && progress <= 4, `${progress} progress events`);
  assert.deepEqual(types.slice(-2), ['job-finished', 'schedule-changed']);
});
