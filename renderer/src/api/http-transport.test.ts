/**
 * The HTTP + SSE transport against a real node:http server on 127.0.0.1: requests carry the
 * token, refusals keep the fields they name, the event stream delivers the core's events, comes
 * back by itself after the server restarts, and stops on 401 until the credentials change.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { HttpTransport, backupsFromAbsLists } from './http-transport.js';
import { TransportError, type ConnectionState, type CoreEvent } from './transport.js';
import { backoffMs, createSseParser, type SseMessage } from './sse.js';
import type { Job } from '../../../shared/schemas/job.js';
import type { Config } from '../../../shared/schemas/config.js';

const TOKEN = 'secret-token';

const job = (status: Job['status'], done = 0): Job => ({
  id: '0b7c5e8e-4a0c-4d6f-9d3a-2f3c2a1b0c9d',
  type: 'backup',
  'backup-type': 'full',
  routine: 'daily',
  trigger: 'on-demand',
  status,
  'created-at': 1_700_000_000_000,
  progress: { 'total-records': 100, 'done-records': done, 'start-time': new Date(1_700_000_000_000).toISOString(), 'percentage-done': done, metrics: { 'records-per-second': 50, 'kilobytes-per-second': 10, pipeline: 0 } },
});

interface Fake {
  server: Server;
  port: number;
  streams: Set<ServerResponse>;
  sockets: Set<Socket>;
  requests: Array<{ method: string; url: string; auth: string | undefined; body: string }>;
  token: string;
}

async function startFake(port = 0, token = TOKEN): Promise<Fake> {
  const fake: Fake = { server: undefined as unknown as Server, port, streams: new Set(), sockets: new Set(), requests: [], token };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      fake.requests.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization, body });
      if (req.headers.authorization !== `Bearer ${fake.token}`) {
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'the API token is not valid', issues: [] }));
        return;
      }
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/v1/events') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`id: 1\nevent: snapshot\ndata: ${JSON.stringify({ jobs: [job('running', 10)] })}\n\n`);
        fake.streams.add(res);
        res.on('close', () => fake.streams.delete(res));
        return;
      }
      if (url.pathname === '/v1/config/clusters/bad' && req.method === 'POST') {
        res.writeHead(400, { 'content-type': 'application/json' }).end(
          JSON.stringify({ error: "body.seed-nodes.0.host-name: give the host name or address of a node", issues: [{ path: ['body', 'seed-nodes', 0, 'host-name'], message: 'give the host name or address of a node' }] }),
        );
        return;
      }
      if (url.pathname === '/v1/config/clusters/gone' && req.method === 'DELETE') {
        res.writeHead(204).end();
        return;
      }
      if (url.pathname === '/v1/jobs') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify([job('success', 100)]));
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `no endpoint ${req.method} ${url.pathname}`, issues: [] }));
    });
  });
  server.on('connection', (s) => {
    fake.sockets.add(s);
    s.on('close', () => fake.sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  fake.server = server;
  fake.port = (server.address() as AddressInfo).port;
  return fake;
}

async function stopFake(f: Fake): Promise<void> {
  for (const s of f.streams) s.destroy();
  for (const s of f.sockets) s.destroy();
  await new Promise<void>((resolve) => f.server.close(() => resolve()));
}

function send(f: Fake, event: string, data: unknown): void {
  for (const s of f.streams) s.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** Resolves with the first value `pick` returns for a pushed item (or rejects after `ms`). */
function waitFor<T, R>(items: T[], pick: (item: T) => R | undefined, ms = 5000): Promise<R> {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const tick = (): void => {
      for (const i of items) {
        const r = pick(i);
        if (r !== undefined) {
          resolve(r);
          return;
        }
      }
      if (Date.now() - start > ms) reject(new Error(`timed out; saw ${JSON.stringify(items).slice(0, 500)}`));
      else setTimeout(tick, 10);
    };
    tick();
  });
}

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

test('requests carry the bearer token; refusals keep the fields they name; 204 is no body', async () => {
  const fake = await startFake();
  cleanups.push(() => stopFake(fake));
  const t = new HttpTransport({ baseUrl: `http://127.0.0.1:${fake.port}`, getToken: () => TOKEN });
  cleanups.push(() => t.close());

  const jobs = await t.jobs({ type: ['backup', 'restore'], routine: 'daily', limit: 5 });
  assert.equal(jobs[0]?.status, 'success');
  const r = fake.requests.at(-1)!;
  assert.equal(r.auth, `Bearer ${TOKEN}`);
  assert.equal(r.url, '/v1/jobs?type=backup%2Crestore&routine=daily&limit=5');

  await assert.rejects(t.createEntry('aerospike-clusters', 'bad', { 'seed-nodes': [{ 'host-name': '' }] }), (err: unknown) => {
    assert.ok(err instanceof TransportError);
    assert.equal(err.status, 400);
    assert.deepEqual(err.forField('seed-nodes', 0, 'host-name'), ['give the host name or address of a node']);
    assert.deepEqual(err.forField('credentials'), []);
    return true;
  });
  assert.equal(JSON.parse(fake.requests.at(-1)!.body)['seed-nodes'][0]['host-name'], '');
  assert.equal(await t.deleteEntry('aerospike-clusters', 'gone'), undefined);
});

test('an unreachable server is a TransportError with status 0', async () => {
  const fake = await startFake();
  const port = fake.port;
  await stopFake(fake);
  const t = new HttpTransport({ baseUrl: `http://127.0.0.1:${port}`, getToken: () => TOKEN });
  await assert.rejects(t.schedule(), (err: unknown) => err instanceof TransportError && err.status === 0 && /not reachable/.test(err.message));
  t.close();
});

test('the event stream delivers events, and reconnects after the server restarts', async () => {
  let fake = await startFake();
  const port = fake.port;
  cleanups.push(() => stopFake(fake));
  const t = new HttpTransport({ baseUrl: `http://127.0.0.1:${port}`, getToken: () => TOKEN, backoff: { initialMs: 50, maxMs: 200 } });
  cleanups.push(() => t.close());
  const events: CoreEvent[] = [];
  const states: ConnectionState[] = [];
  t.onConnection((s) => states.push(s));
  t.subscribe((e) => events.push(e));

  const snap = await waitFor(events, (e) => (e.type === 'snapshot' ? e : undefined));
  assert.equal(snap.jobs[0]?.progress?.['done-records'], 10);
  await waitFor(states, (s) => (s.state === 'open' ? s : undefined));
  send(fake, 'job-progress', job('running', 60));
  send(fake, 'schedule-changed', {});
  send(fake, 'something-new', { ignored: true });
  const progress = await waitFor(events, (e) => (e.type === 'job-progress' ? e.job : undefined));
  assert.equal(progress.progress?.['percentage-done'], 60);
  await waitFor(events, (e) => (e.type === 'schedule-changed' ? e : undefined));
  assert.ok(!events.some((e) => (e.type as string) === 'something-new'));

  // The server goes away: the transport says so and keeps trying with backoff.
  await stopFake(fake);
  const lost = await waitFor(states, (s) => (s.state === 'reconnecting' ? s : undefined));
  assert.ok(lost.retryAt > Date.now() - 1000);
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(states.filter((s) => s.state === 'reconnecting').length >= 2, 'several attempts while the server is down');

  // It comes back on the same port: a new stream, a new snapshot, events flow again.
  events.length = 0;
  states.length = 0;
  fake = await startFake(port);
  await waitFor(events, (e) => (e.type === 'snapshot' ? e : undefined), 5000);
  await waitFor(states, (s) => (s.state === 'open' ? s : undefined));
  await waitFor([fake], (f) => (f.streams.size > 0 ? true : undefined));
  send(fake, 'job-finished', job('success', 100));
  const finished = await waitFor(events, (e) => (e.type === 'job-finished' ? e.job : undefined));
  assert.equal(finished.status, 'success');
});

test('a refused token stops the stream and reports it; new credentials reconnect', async () => {
  const fake = await startFake(0, 'the-right-one');
  cleanups.push(() => stopFake(fake));
  let token = 'stale';
  const refused: string[] = [];
  const t = new HttpTransport({ baseUrl: `http://127.0.0.1:${fake.port}`, getToken: () => token, onUnauthorized: (m) => refused.push(m), backoff: { initialMs: 20, maxMs: 50 } });
  cleanups.push(() => t.close());
  const states: ConnectionState[] = [];
  t.onConnection((s) => states.push(s));
  const events: CoreEvent[] = [];
  t.subscribe((e) => events.push(e));

  const u = await waitFor(states, (s) => (s.state === 'unauthorized' ? s : undefined));
  assert.match(u.message, /not valid/);
  assert.deepEqual(refused, ['the API token is not valid']);
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(fake.requests.filter((r) => r.url === '/v1/events').length, 1, 'no retries with refused credentials');
  await assert.rejects(t.schedule(), (err: unknown) => err instanceof TransportError && err.status === 401);

  token = 'the-right-one';
  t.reconnect();
  await waitFor(events, (e) => (e.type === 'snapshot' ? e : undefined));
  assert.equal(t.connection().state, 'open');
});

test('SSE parser: fields split across chunks, CRLF, comments, multi-line data', () => {
  const got: SseMessage[] = [];
  const feed = createSseParser((m) => got.push(m));
  feed(': ping\n\nid: 7\nevent: job-pro');
  feed('gress\r\ndata: {"a":\r\ndata: 1}\r\n\r\n');
  feed('data: plain\n\n');
  assert.deepEqual(got, [
    { event: 'job-progress', data: '{"a":\n1}', id: '7' },
    { event: 'message', data: 'plain', id: '7' },
  ]);
});

test('backoff grows, with jitter, up to the cap', () => {
  assert.equal(backoffMs(0, 500, 15_000, () => 0.5), 500);
  assert.equal(backoffMs(3, 500, 15_000, () => 0.5), 4000);
  assert.equal(backoffMs(30, 500, 15_000, () => 0.5), 15_000);
  assert.ok(backoffMs(1, 500, 15_000, () => 0) >= 800 && backoffMs(1, 500, 15_000, () => 1) <= 1200);
});

test('without the catalog API, the ABS backup lists become catalog entries', () => {
  const config = { 'backup-routines': { daily: { storage: 'disk' } } } as unknown as Config;
  const b = (ts: number, key: string) => ({ created: new Date(ts).toISOString(), timestamp: ts, namespace: 'test', 'record-count': 10, 'byte-count': 100, 'file-count': 1, 'secondary-index-count': 0, 'udf-count': 0, key, storage: { 'local-storage': { path: '/b' } }, compression: 'ZSTD' as const, encryption: 'NONE' as const });
  const page = backupsFromAbsLists({ full: { daily: [b(1000, 'f1'), b(3000, 'f2')] }, incremental: { daily: [b(2000, 'i1')] } }, config, { limit: 2 });
  assert.equal(page.total, 3);
  assert.deepEqual(page.backups.map((x) => [x.key, x.kind, x.storage, x.compression]), [
    ['f2', 'full', 'disk', 'zstd'],
    ['i1', 'incremental', 'disk', 'zstd'],
  ]);
});

test('connection tests: the saved entry by name without a body, or the form\'s entry as the body', async () => {
  const fake = await startFake();
  cleanups.push(() => stopFake(fake));
  const t = new HttpTransport({ baseUrl: `http://127.0.0.1:${fake.port}`, getToken: () => TOKEN });
  cleanups.push(() => t.close());
  await assert.rejects(t.testCluster('my cluster'), (err: unknown) => err instanceof TransportError && err.status === 404);
  const byName = fake.requests.at(-1)!;
  assert.equal(`${byName.method} ${byName.url}`, 'POST /v1/config/clusters/my%20cluster/test');
  assert.equal(byName.body, '', 'no body: the saved entry is tested');
  await assert.rejects(t.testStorage('s3', { 'local-storage': { path: '/x' } }));
  const withEntry = fake.requests.at(-1)!;
  assert.equal(`${withEntry.method} ${withEntry.url}`, 'POST /v1/config/storage/s3/test');
  assert.deepEqual(JSON.parse(withEntry.body), { 'local-storage': { path: '/x' } });
});
