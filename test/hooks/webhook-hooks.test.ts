import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HookSchema, type Hook, type JobFacts } from '../../shared/schemas/hooks.js';
import { HookResultSchema } from '../../shared/schemas/job.js';
import { runHooks } from '../../electron/core/hooks/hook-runner.js';
import { TOOL_VERSION } from '../../electron/core/version.js';

const facts: JobFacts = {
  id: 'job-7',
  type: 'backup',
  'backup-type': 'full',
  routine: 'hourly',
  trigger: 'on-demand',
  status: 'success',
  records: 10,
  bytes: 2048,
  'duration-ms': 1500,
  'backup-keys': ['hourly/backup/1700000000000/test'],
};

interface Received {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A local server answering with `handler`; every request it got is in `received`. */
async function withServer(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void, fn: (base: string, received: Received[]) => Promise<void>): Promise<void> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ method: req.method, url: req.url, headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    await fn(`http://127.0.0.1:${port}`, received);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function hook(input: unknown): Hook {
  return HookSchema.parse(input);
}

describe('webhook hooks', () => {
  test('the webhook receives the event and job as JSON, with the configured headers', async () => {
    await withServer(
      (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('thanks'),
      async (base, received) => {
        const [r] = await runHooks('success', [hook({ webhook: `${base}/hooks/tidemark?routine=hourly`, headers: { 'X-Token': 'tok-123', 'User-Agent': 'ops-bot' } })], facts);
        assert.equal(r!.ok, true, r!.message);
        assert.equal(r!.kind, 'webhook');
        assert.equal(r!.event, 'success');
        assert.equal(r!['http-status'], 200);
        assert.equal(r!.message, 'thanks');
        assert.equal(r!.target, `${base}/hooks/tidemark?routine=hourly`);
        assert.deepEqual(HookResultSchema.parse(r), r);
        assert.equal(received.length, 1);
        const got = received[0]!;
        assert.equal(got.method, 'POST');
        assert.equal(got.url, '/hooks/tidemark?routine=hourly');
        assert.equal(got.headers['content-type'], 'application/json');
        assert.equal(got.headers['x-token'], 'tok-123');
        // The configured User-Agent replaces Tidemark's instead of being joined to it.
        assert.equal(got.headers['user-agent'], 'ops-bot');
        assert.deepEqual(JSON.parse(got.body), { event: 'success', job: facts });
      },
    );
  });

  test('without a configured User-Agent, Tidemark names itself', async () => {
    await withServer(
      (_req, res) => res.writeHead(204).end(),
      async (base, received) => {
        const [r] = await runHooks('start', [hook({ webhook: base })], { ...facts, status: 'running' });
        assert.equal(r!.ok, true, r!.message);
        assert.equal(r!['http-status'], 204);
        assert.equal(r!.message, undefined);
        assert.equal(received[0]!.headers['user-agent'], `Tidemark/${TOOL_VERSION}`);
        assert.equal((JSON.parse(received[0]!.body) as { event: string }).event, 'start');
      },
    );
  });

  test('credentials in the URL become basic authentication and never show in the target', async () => {
    await withServer(
      (_req, res) => res.writeHead(200).end(),
      async (base, received) => {
        const url = base.replace('http://', 'http://ops:p%40ss%3Aword@') + '/h?token=qs-secret&x=1';
        const [r] = await runHooks('success', [hook({ webhook: url })], facts);
        assert.equal(r!.ok, true, r!.message);
        assert.equal(received[0]!.headers.authorization, `Basic ${Buffer.from('ops:p@ss:word').toString('base64')}`);
        assert.equal(r!.target, `${base}/h?token=[REDACTED]&x=1`);
        assert.ok(!r!.target.includes('ops') && !r!.target.includes('p%40ss') && !r!.target.includes('qs-secret'), r!.target);
        assert.equal(received[0]!.url, '/h?token=qs-secret&x=1');
      },
    );
  });

  test('a 500 answer is a failed hook with its status and what the server said', async () => {
    await withServer(
      (_req, res) => res.writeHead(500, { 'content-type': 'text/plain' }).end('database is down\n'),
      async (base) => {
        const [r] = await runHooks('failure', [hook({ webhook: base })], { ...facts, status: 'failure', error: 'x' });
        assert.equal(r!.ok, false);
        assert.equal(r!['http-status'], 500);
        assert.equal(r!.message, 'HTTP 500 Internal Server Error: database is down');
        assert.equal(r!['timed-out'], undefined);
      },
    );
  });

  test('a long answer is cut in the message', async () => {
    await withServer(
      (_req, res) => res.writeHead(400).end('e'.repeat(100_000)),
      async (base) => {
        const [r] = await runHooks('success', [hook({ webhook: base })], facts);
        assert.equal(r!['http-status'], 400);
        assert.ok(r!.message!.length < 400, String(r!.message!.length));
        assert.match(r!.message!, /^HTTP 400 Bad Request: e+…$/);
      },
    );
  });

  test('a server that never answers is timed out', async () => {
    await withServer(
      () => {
        // Never answer.
      },
      async (base, received) => {
        const [r] = await runHooks('success', [hook({ webhook: base, timeout: 300 })], facts);
        assert.equal(r!.ok, false);
        assert.equal(r!['timed-out'], true);
        assert.equal(r!.message, 'no answer within 300 ms');
        assert.deepEqual(HookResultSchema.parse(r), r);
        assert.equal(r!['http-status'], undefined);
        assert.ok(r!['duration-ms'] >= 300, String(r!['duration-ms']));
        assert.equal(received.length, 1, 'the request did arrive');
      },
    );
  });

  test('an unreachable port is a failed hook saying why', async () => {
    // A port that was free a moment ago: listen, note it, close.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const [r] = await runHooks('success', [hook({ webhook: `http://127.0.0.1:${port}/hook` })], facts);
    assert.equal(r!.ok, false);
    assert.equal(r!['timed-out'], undefined);
    assert.match(r!.message!, /^request failed: .*ECONNREFUSED/);
  });

  test('a redirect is not followed, so headers never go elsewhere, and the answer says where it pointed', async () => {
    await withServer(
      (_req, res) => res.writeHead(200).end(),
      async (elsewhere, elsewhereReceived) => {
        await withServer(
          (_req, res) => res.writeHead(302, { location: `${elsewhere}/moved` }).end(),
          async (base, received) => {
            const [r] = await runHooks('success', [hook({ webhook: base, headers: { 'X-Token': 'tok' } })], facts);
            assert.equal(r!.ok, false);
            assert.equal(r!['http-status'], 302);
            assert.equal(r!.message, `HTTP 302 Found: redirected to ${elsewhere}/moved; redirects are not followed, use the final URL`);
            assert.equal(received.length, 1);
            assert.equal(elsewhereReceived.length, 0);
          },
        );
      },
    );
  });

  test('commands and webhooks mix in one event, in order', async () => {
    await withServer(
      (_req, res) => res.writeHead(503).end(),
      async (base) => {
        const results = await runHooks('failure', [hook({ webhook: base }), hook({ command: [process.execPath, '-e', ''] })], facts);
        assert.deepEqual(
          results.map((r) => [r.kind, r.ok]),
          [
            ['webhook', false],
            ['command', true],
          ],
        );
      },
    );
  });

  test('aborting before a webhook runs records it as not run and sends nothing', async () => {
    await withServer(
      (_req, res) => res.writeHead(200).end(),
      async (base, received) => {
        const ctrl = new AbortController();
        ctrl.abort('shutting down');
        const [r] = await runHooks('success', [hook({ webhook: base })], facts, { signal: ctrl.signal });
        assert.equal(r!.ok, false);
        assert.equal(r!.message, 'not run: shutting down');
        assert.equal(received.length, 0);
      },
    );
  });

  test('aborting while a webhook waits for its answer stops it', async () => {
    const ctrl = new AbortController();
    await withServer(
      () => ctrl.abort(new Error('the job was canceled')),
      async (base) => {
        const [r] = await runHooks('success', [hook({ webhook: base, timeout: 60_000 })], facts, { signal: ctrl.signal });
        assert.equal(r!.ok, false);
        assert.equal(r!['timed-out'], undefined);
        assert.equal(r!.message, 'stopped: the job was canceled');
      },
    );
  });
});
