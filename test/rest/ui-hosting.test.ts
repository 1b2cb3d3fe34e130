import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import type { RestApp, RestContext } from '../../electron/core/rest/context.js';
import { bundlePath, uiRoutes } from '../../electron/core/rest/routes/ui.js';

test('the web UI bundle is served under /ui/ with an SPA fallback, and nothing outside it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-ui-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Tidemark</title>');
  writeFileSync(join(dir, 'assets', 'app-1234.js'), 'console.log(1)');
  // A file right beside the bundle folder, which a path like /ui/../outside.js would reach.
  const outside = join(dir, '..', `${dir.split('/').pop()}-outside.js`);
  writeFileSync(outside, 'secret');
  t.after(() => rmSync(outside, { force: true }));
  const app = Fastify();
  uiRoutes(dir)(app as unknown as RestApp, {} as RestContext);
  t.after(() => app.close());

  const redirect = await app.inject('/ui');
  assert.equal(redirect.statusCode, 308);
  assert.equal(redirect.headers.location, '/ui/');
  const index = await app.inject('/ui/');
  assert.equal(index.statusCode, 200);
  assert.match(index.headers['content-type'] as string, /text\/html/);
  assert.equal(index.headers['cache-control'], 'no-cache');
  const asset = await app.inject('/ui/assets/app-1234.js');
  assert.equal(asset.body, 'console.log(1)');
  assert.match(asset.headers['cache-control'] as string, /immutable/);
  assert.equal((await app.inject('/ui/restore?routine=daily')).body, index.body, 'UI routes fall back to index.html');
  assert.equal((await app.inject('/ui/assets/gone.js')).statusCode, 404, 'a missing file is not the page');
  const name = outside.split('/').pop()!;
  const escape = await app.inject(`/ui/..%2f${name}`);
  assert.notEqual(escape.body, 'secret');
  assert.equal(bundlePath(dir, `../${name}`), undefined);
  assert.equal(bundlePath(dir, '%E0%A4%A'), undefined, 'undecodable paths are refused');
});
