/**
 * Access to the API: credentials required (token or basic auth) with 401 and no data otherwise,
 * token generation, storage (hash in the config, token in a 0600 file) and rotation, the
 * loopback Host rule against DNS rebinding, no CORS unless configured, masked secrets, the
 * binding rules, the body size limit — and, against a real `tidemark serve`, no secret in the
 * log file.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createRestServer } from '../../electron/core/rest/server.js';
import { checkBinding } from '../../electron/core/rest/security.js';
import { ensureApiToken, sha256Hex, TOKEN_FILE } from '../../electron/core/service/api-access.js';
import { TidemarkService } from '../../electron/core/service/tidemark-service.js';
import { http, startServe, type OpenApiDoc } from './helpers.js';

const S3_SECRET = 'S3-SECRET-never-shown-0123456789';
const CLUSTER_PASSWORD = 'cluster-pass-never-shown-42';

function secretConfig(): Record<string, unknown> {
  return {
    'aerospike-clusters': { tb: { 'seed-nodes': [{ 'host-name': '127.0.0.1', port: 3999 }], credentials: { user: 'admin', password: CLUSTER_PASSWORD } } },
    storage: {
      local: { 'local-storage': { path: 'backups' } },
      s3: { 's3-storage': { bucket: 'bucket1', 's3-region': 'us-east-1', 's3-access-key-id': 'AKIAEXAMPLE', 's3-secret-access-key': S3_SECRET } },
    },
    'backup-policies': { p: { parallel: 1 } },
    'backup-routines': { r: { 'source-cluster': 'tb', storage: 'local', 'backup-policy': 'p', 'interval-cron': '@yearly', namespaces: ['test'] } },
    tidemark: { 'plaintext-secrets': true },
  };
}

describe('in-process: credentials, Host, CORS, secrets', () => {
  let dir: string;
  let service: TidemarkService;
  let app: FastifyInstance;
  let token: string;
  const env: NodeJS.ProcessEnv = {};
  const host = '127.0.0.1:8080';
  const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers: { host, ...headers } });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tidemark-rest-sec-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify(secretConfig()));
    service = await TidemarkService.open({ configPath: join(dir, 'config.json'), logStdout: false });
    const state = ensureApiToken(service.config, dir, env);
    assert.equal(state.source, 'generated');
    token = state.token!;
    ({ app } = await createRestServer(service, { env, dataDir: dir }));
  });

  after(async () => {
    await app?.close();
    await service?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the token is generated once: only its hash is in the config, the token in a 0600 file', () => {
    const file = join(dir, TOKEN_FILE);
    assert.equal(readFileSync(file, 'utf8').trim(), token);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const configText = readFileSync(join(dir, 'config.json'), 'utf8');
    assert.ok(!configText.includes(token), 'the token is not in the config');
    assert.ok(configText.includes(sha256Hex(token)), 'its hash is');
    assert.equal(ensureApiToken(service.config, dir, env).source, 'file', 'a second start reuses it');
  });

  test('every non-public endpoint answers 401 and no data without valid credentials', async () => {
    const doc = (await get('/api-docs/openapi.json')).json() as OpenApiDoc;
    let checked = 0;
    for (const [path, methods] of Object.entries(doc.paths)) {
      if (['/', '/health', '/ready'].includes(path)) continue;
      for (const method of Object.keys(methods)) {
        const url = path.replace(/\{[^}]+\}/g, 'x1');
        for (const authorization of [undefined, 'Bearer wrong-token', `Bearer ${token}x`, 'Basic YWRtaW46YWRtaW4=', token]) {
          const r = await app.inject({ method: method.toUpperCase() as 'GET', url, headers: { host, ...(authorization ? { authorization } : {}) }, ...(method === 'get' ? {} : { payload: {} }) });
          assert.equal(r.statusCode, 401, `${method} ${url} with ${authorization ?? 'nothing'}`);
          assert.deepEqual(Object.keys(r.json() as object).sort(), ['error', 'issues']);
          assert.ok(!r.body.includes('tb') || !r.body.includes('seed'), 'no data');
          checked++;
        }
      }
    }
    assert.ok(checked > 100);
    assert.equal((await get('/v1/config', { authorization: `Bearer ${token}` })).statusCode, 200);
    assert.equal((await get('/health')).statusCode, 200, 'probes need no credentials');
  });

  test('Host must be a loopback name (DNS rebinding), with or without a port', async () => {
    const auth = { authorization: `Bearer ${token}` };
    for (const h of ['localhost', 'localhost:8080', '127.0.0.1', '[::1]:8080', 'app.localhost:1']) {
      assert.equal((await app.inject({ method: 'GET', url: '/version', headers: { host: h, ...auth } })).statusCode, 200, h);
    }
    for (const h of ['attacker.example', 'attacker.example:8080', '10.0.0.5:8080', '127.0.0.1.nip.io', 'localhost.attacker.example']) {
      const r = await app.inject({ method: 'GET', url: '/v1/config', headers: { host: h, ...auth } });
      assert.equal(r.statusCode, 403, h);
      assert.ok(!r.body.includes('seed-nodes'));
    }
  });

  test('no CORS unless configured; a configured origin gets CORS headers and preflight', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const foreign = await get('/version', { ...auth, origin: 'https://evil.example' });
    assert.equal(foreign.statusCode, 403);
    assert.equal(foreign.headers['access-control-allow-origin'], undefined);
    assert.equal((await get('/version', { ...auth, origin: `http://${host}` })).statusCode, 200, 'the server\'s own pages may call it');
    const cfg = service.config.config;
    service.config.replace({ ...cfg, tidemark: { ...cfg.tidemark, api: { ...cfg.tidemark?.api, 'cors-origins': ['https://ui.example'] } } });
    const ok = await get('/version', { ...auth, origin: 'https://ui.example' });
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.headers['access-control-allow-origin'], 'https://ui.example');
    const pre = await app.inject({ method: 'OPTIONS', url: '/v1/config', headers: { host, origin: 'https://ui.example', 'access-control-request-method': 'PUT' } });
    assert.equal(pre.statusCode, 204);
    assert.match(String(pre.headers['access-control-allow-methods']), /PUT/);
  });

  test('secrets are masked in every config answer, and a masked value PUT back keeps the secret', async () => {
    const auth = { authorization: `Bearer ${token}` };
    for (const url of ['/v1/config', '/v1/config/clusters', '/v1/config/clusters/tb', '/v1/config/storage', '/v1/config/storage/s3']) {
      const r = await get(url, auth);
      assert.equal(r.statusCode, 200);
      assert.ok(!r.body.includes(S3_SECRET) && !r.body.includes(CLUSTER_PASSWORD), url);
      assert.ok(r.body.includes('********'), url);
    }
    const masked = (await get('/v1/config', auth)).json() as Record<string, unknown>;
    // An ABS client replacing the whole config knows nothing of Tidemark's API settings: they stay.
    const put = await app.inject({ method: 'PUT', url: '/v1/config', headers: { host, ...auth }, payload: { ...masked, tidemark: { 'plaintext-secrets': true } } });
    assert.equal(put.statusCode, 200, put.body);
    assert.equal(service.config.config.storage.s3?.['s3-storage']?.['s3-secret-access-key'], S3_SECRET);
    assert.equal((await get('/v1/config', auth)).statusCode, 200, 'the token still works');
  });

  test('HTTP basic auth as an alternative; token rotation ends the old token at once', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const set = await app.inject({ method: 'PUT', url: '/v1/access/basic', headers: { host, ...auth }, payload: { user: 'ops', password: 'correct horse battery' } });
    assert.equal(set.statusCode, 200, set.body);
    assert.ok(!readFileSync(join(dir, 'config.json'), 'utf8').includes('correct horse'), 'only a bcrypt hash is stored');
    const basic = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });
    assert.equal((await get('/v1/config', basic('ops', 'correct horse battery'))).statusCode, 200);
    assert.equal((await get('/v1/config', basic('ops', 'wrong'))).statusCode, 401);
    assert.equal((await get('/v1/config', basic('root', 'correct horse battery'))).statusCode, 401);
    const shown = await get('/v1/config', auth);
    assert.ok(!shown.body.includes('$2') && !shown.body.includes(sha256Hex(token)), 'credential hashes are masked too');
    const roundTrip = await app.inject({ method: 'PUT', url: '/v1/config', headers: { host, ...auth }, payload: shown.json() as object });
    assert.equal(roundTrip.statusCode, 200, roundTrip.body);
    assert.equal((await get('/v1/config', basic('ops', 'correct horse battery'))).statusCode, 200, 'masked hashes put back keep the credentials');
    assert.equal((await get('/v1/config', auth)).statusCode, 200);

    const rot = await app.inject({ method: 'POST', url: '/v1/access/token/rotate', headers: { host, ...auth } });
    assert.equal(rot.statusCode, 200);
    const fresh = (rot.json() as { token: string }).token;
    assert.notEqual(fresh, token);
    assert.equal(readFileSync(join(dir, TOKEN_FILE), 'utf8').trim(), fresh);
    assert.equal((await get('/v1/config', auth)).statusCode, 401, 'the old token no longer works');
    assert.equal((await get('/v1/config', { authorization: `Bearer ${fresh}` })).statusCode, 200);
    token = fresh;
  });

  test('TIDEMARK_API_TOKEN replaces the stored token', async () => {
    const envService = { TIDEMARK_API_TOKEN: 'from-the-environment-123' };
    const { app: other } = await createRestServer(service, { env: envService, dataDir: dir });
    try {
      const r = (authorization: string) => other.inject({ method: 'GET', url: '/version', headers: { host, authorization } });
      assert.equal((await r('Bearer from-the-environment-123')).statusCode, 200);
      assert.equal((await r(`Bearer ${token}`)).statusCode, 401);
    } finally {
      await other.close();
    }
  });

  test('bodies over the limit are refused with 413; a non-loopback address needs the flag and credentials', async () => {
    const big = await app.inject({ method: 'PUT', url: '/v1/config', headers: { host, authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: `{"x":"${'a'.repeat(2 * 1024 * 1024)}"}` });
    assert.equal(big.statusCode, 413);
    assert.throws(() => checkBinding(service, { host: '0.0.0.0', allowRemote: false }), /not a loopback address/);
    assert.doesNotThrow(() => checkBinding(service, { host: '0.0.0.0', allowRemote: true }));
    assert.doesNotThrow(() => checkBinding(service, { host: '::1', allowRemote: false }));
    const cfg = service.config.config;
    service.config.replace({ ...cfg, tidemark: { ...cfg.tidemark, api: { ...cfg.tidemark?.api, auth: false } } });
    assert.throws(() => checkBinding(service, { host: '0.0.0.0', allowRemote: true }), /without credentials/);
    const cfg2 = service.config.config;
    service.config.replace({ ...cfg2, tidemark: { ...cfg2.tidemark, api: { ...cfg2.tidemark?.api, auth: true } } });
  });
});

describe('tidemark serve: generated token, refused binding, no secret in the log file', () => {
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tidemark-rest-serve-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify(secretConfig()));
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test('prints the generated token once, serves with it, and logs no secret', async () => {
    const serve = await startServe(join(dir, 'config.json'), [], { TIDEMARK_API_TOKEN: '' });
    const line = serve.stdout.find((l) => l.startsWith('API token'));
    const token = /: (tm_\S+)$/.exec(line ?? '')?.[1] ?? '';
    try {
      assert.ok(token, `a generated token is printed: ${serve.stdout.join(' | ')}`);
      const auth = { token };
      assert.equal((await http(serve.base, 'GET', '/v1/config', { token: null })).status, 401);
      const config = await http(serve.base, 'GET', '/v1/config', auth);
      assert.equal(config.status, 200);
      assert.ok(!config.text.includes(S3_SECRET) && !config.text.includes(CLUSTER_PASSWORD));
      // Requests that carry secrets in and out, and ones that fail.
      assert.equal((await http(serve.base, 'POST', '/v1/config/clusters/c2', { ...auth, body: { 'seed-nodes': [{ 'host-name': 'h', port: 1 }], credentials: { user: 'u', password: `${CLUSTER_PASSWORD}-2` } } })).status, 201);
      assert.equal((await http(serve.base, 'PUT', '/v1/config', { ...auth, body: config.json })).status, 200);
      assert.equal((await http(serve.base, 'POST', '/v1/config/clusters/c3', { ...auth, body: { 'seed-nodes': 'nope', credentials: { user: 'u', password: CLUSTER_PASSWORD } } })).status, 400);
      // A credential in a query string must not reach the log either (routes are logged, URLs never).
      assert.equal((await http(serve.base, 'GET', `/v1/config?token=${token}`, auth)).status, 200);
      assert.equal((await http(serve.base, 'GET', '/v1/backups/full', { token: `${token}-wrong` })).status, 401);
    } finally {
      await serve.stop();
    }
    const second = await startServe(join(dir, 'config.json'), [], { TIDEMARK_API_TOKEN: '' });
    try {
      assert.ok(second.stdout.some((l) => l.includes(`in ${join(dir, TOKEN_FILE)}`)), 'the next start says where the token is');
      // The token reappears only inside the sign-in URL of the web UI (a URL fragment, which
      // browsers never send to a server), never as a line of its own.
      const withToken = second.stdout.filter((l) => l.includes(token));
      assert.ok(withToken.every((l) => /^web UI: http:\/\/127\.0\.0\.1:\d+\/ui\/#token=/.test(l)), withToken.join(' | '));
    } finally {
      await second.stop();
    }
    const logs = readdirSync(join(dir, 'logs')).map((f) => readFileSync(join(dir, 'logs', f), 'utf8')).join('\n');
    assert.ok(logs.length > 0, 'the server logged');
    for (const secret of [token, S3_SECRET, CLUSTER_PASSWORD, `${CLUSTER_PASSWORD}-2`]) assert.ok(!logs.includes(secret), `the log holds no ${secret.slice(0, 6)}…`);
  });

  test('a non-loopback --host without --allow-remote is refused; an ABS config\'s 0.0.0.0 falls back to loopback', async () => {
    await assert.rejects(startServe(join(dir, 'config.json'), ['--host', '0.0.0.0']), /not a loopback address/);
    const absLike = join(dir, 'abs-like.json');
    writeFileSync(absLike, JSON.stringify({ ...secretConfig(), service: { http: { address: '0.0.0.0', port: 8080 } } }));
    const serve = await startServe(absLike);
    try {
      assert.match(serve.stderr(), /0\.0\.0\.0 is not a loopback address; listening on 127\.0\.0\.1/);
      assert.equal((await http(serve.base, 'GET', '/health', { token: null })).status, 200);
    } finally {
      await serve.stop();
    }
  });
});
