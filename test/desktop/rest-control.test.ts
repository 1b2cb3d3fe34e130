/**
 * The desktop app's localhost REST server switch (electron/main/desktop/rest-control.ts): the
 * plan from running to wanted, and RestServerControl against a real TidemarkService on a
 * temporary folder: on, off, a port held by another program, a port change, and a burst of
 * changes applied one at a time in order.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RestServerControl, restPlan, type RestState } from '../../electron/main/desktop/rest-control.js';
import { TOKEN_FILE } from '../../electron/core/service/api-access.js';
import { TidemarkService } from '../../electron/core/service/tidemark-service.js';
import { freePort, httpGet, tryConnect } from '../helpers/loopback.js';

describe('restPlan', () => {
  test('every case', () => {
    assert.equal(restPlan(undefined, { enabled: false, port: 8080 }), 'none');
    assert.equal(restPlan({ port: 8080 }, { enabled: false, port: 8080 }), 'stop');
    assert.equal(restPlan({ port: 8080 }, { enabled: false, port: 9090 }), 'stop');
    assert.equal(restPlan(undefined, { enabled: true, port: 8080 }), 'start');
    assert.equal(restPlan({ port: 8080 }, { enabled: true, port: 8080 }), 'none');
    assert.equal(restPlan({ port: 8080 }, { enabled: true, port: 9090 }), 'restart');
  });
});

describe('RestServerControl', () => {
  let dir: string;
  let service: TidemarkService;
  let control: RestServerControl;
  const changes: RestState[] = [];
  const blockers: Server[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tidemark-rest-control-'));
    service = await TidemarkService.open({ configPath: join(dir, 'config.json'), logStdout: false });
    // An empty environment: no TIDEMARK_API_TOKEN from the machine running the tests.
    control = new RestServerControl(service, { env: {}, onChange: (s) => changes.push(s) });
  });

  after(async () => {
    await control?.stop();
    for (const b of blockers) await new Promise<void>((resolve) => b.close(() => resolve()));
    await service?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('starts off', () => {
    assert.deepEqual(control.state(), { running: false });
  });

  test('enabled: /health answers, the API wants the token from the data folder', async () => {
    const port = await freePort();
    const state = await control.apply({ enabled: true, port });
    assert.deepEqual(state, { running: true, port, url: `http://127.0.0.1:${port}` });
    assert.deepEqual(control.state(), state);
    assert.deepEqual(changes.at(-1), state);

    const health = await httpGet(port, '/health');
    assert.equal(health.status, 200);
    assert.equal(health.body, 'Ok');

    assert.equal((await httpGet(port, '/v1/config')).status, 401);
    assert.equal((await httpGet(port, '/v1/config', { authorization: 'Bearer tm_not-the-token' })).status, 401);
    const token = readFileSync(join(dir, TOKEN_FILE), 'utf8').trim();
    assert.match(token, /^tm_/);
    const config = await httpGet(port, '/v1/config', { authorization: `Bearer ${token}` });
    assert.equal(config.status, 200);
    assert.equal(typeof JSON.parse(config.body), 'object');

    // The same wish again changes nothing: no restart, no change reported.
    const before = changes.length;
    assert.deepEqual(await control.apply({ enabled: true, port }), state);
    assert.equal(changes.length, before);
    assert.equal((await httpGet(port, '/health')).status, 200);

    // The token survives a restart of the server (it is not regenerated).
    await control.apply({ enabled: false, port });
    await control.apply({ enabled: true, port });
    assert.equal(readFileSync(join(dir, TOKEN_FILE), 'utf8').trim(), token);
    assert.equal((await httpGet(port, '/v1/config', { authorization: `Bearer ${token}` })).status, 200);
  });

  test('disabled: the port is closed', async () => {
    const port = (control.state() as { port?: number }).port ?? (await freePort());
    await control.apply({ enabled: true, port });
    const state = await control.apply({ enabled: false, port });
    assert.deepEqual(state, { running: false });
    assert.deepEqual(control.state(), { running: false });
    assert.deepEqual(changes.at(-1), { running: false });
    assert.equal(await tryConnect(port), 'ECONNREFUSED');
    // Off again: nothing to do.
    const before = changes.length;
    assert.deepEqual(await control.apply({ enabled: false, port }), { running: false });
    assert.equal(changes.length, before);
  });

  test('a port held by another program is an error state, not a throw', async () => {
    const blocker = createServer();
    blockers.push(blocker);
    await new Promise<void>((resolve, reject) => {
      blocker.once('error', reject);
      blocker.listen(0, '127.0.0.1', resolve);
    });
    const held = (blocker.address() as { port: number }).port;
    const state = await control.apply({ enabled: true, port: held });
    assert.equal(state.running, false);
    assert.ok('error' in state && typeof state.error === 'string', JSON.stringify(state));
    assert.match(state.error!, new RegExp(`port ${held} is in use`));
    assert.deepEqual(control.state(), state);
    assert.deepEqual(changes.at(-1), state);

    // Once the port is free, the same wish starts the server.
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
    blockers.splice(blockers.indexOf(blocker), 1);
    const retry = await control.apply({ enabled: true, port: held });
    assert.deepEqual(retry, { running: true, port: held, url: `http://127.0.0.1:${held}` });
    assert.equal((await httpGet(held, '/health')).status, 200);
    await control.apply({ enabled: false, port: held });
  });

  test('a port change moves the server', async () => {
    const [a, b] = [await freePort(), await freePort()];
    await control.apply({ enabled: true, port: a });
    assert.equal((await httpGet(a, '/health')).status, 200);
    const moved = await control.apply({ enabled: true, port: b });
    assert.deepEqual(moved, { running: true, port: b, url: `http://127.0.0.1:${b}` });
    assert.equal(await tryConnect(a), 'ECONNREFUSED');
    assert.equal((await httpGet(b, '/health')).status, 200);
    await control.apply({ enabled: false, port: b });
  });

  test('changes made in a burst are applied one at a time, in order', async () => {
    const ports = [await freePort(), await freePort(), await freePort()];
    const [p1, p2, p3] = ports as [number, number, number];
    const settled: number[] = [];
    const changesBefore = changes.length;
    const wishes = [
      { enabled: true, port: p1 },
      { enabled: true, port: p2 },
      { enabled: false, port: p2 },
      { enabled: true, port: p1 },
      { enabled: true, port: p3 },
    ];
    const results = await Promise.all(wishes.map((w, i) => control.apply(w).then((s) => (settled.push(i), s))));
    assert.deepEqual(settled, [0, 1, 2, 3, 4], 'each apply settles after the one before it');
    assert.deepEqual(results, [
      { running: true, port: p1, url: `http://127.0.0.1:${p1}` },
      { running: true, port: p2, url: `http://127.0.0.1:${p2}` },
      { running: false },
      { running: true, port: p1, url: `http://127.0.0.1:${p1}` },
      { running: true, port: p3, url: `http://127.0.0.1:${p3}` },
    ]);
    // The reported changes tell the same story: start p1, stop+start p2, stop, start p1, stop+start p3.
    assert.deepEqual(
      changes.slice(changesBefore).map((s) => (s.running ? s.port : 'off')),
      [p1, 'off', p2, 'off', p1, 'off', p3],
    );
    assert.deepEqual(control.state(), results[4]);
    assert.equal(await tryConnect(p1), 'ECONNREFUSED');
    assert.equal(await tryConnect(p2), 'ECONNREFUSED');
    assert.equal((await httpGet(p3, '/health')).status, 200);
  });

  test('stop() turns it off', async () => {
    const running = control.state();
    const state = await control.stop();
    assert.deepEqual(state, { running: false });
    if (running.running) assert.equal(await tryConnect(running.port), 'ECONNREFUSED');
  });
});
