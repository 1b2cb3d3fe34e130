import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type TidemarkLogger } from '../../electron/core/logging/logger.js';
import { ManualClock } from '../../electron/core/service/clock.js';

// Quotes and a backslash, so the JSON-escaped spelling differs from the raw one, and characters
// that percent-encode differently in a URL.
const PASSWORD = 'Tr0ub4dor&3 "horse\\staple"@9';
const TOKEN = 'tok_9f8e7d6c5b4a';
const LATE_SECRET = 'added-while-running-7731';
const T0 = new Date(2024, 4, 14, 10, 0, 0).getTime();

/** Every spelling a leaked secret could take in a log file. */
function spellingsOf(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  return [...new Set([secret, json, JSON.stringify(json).slice(1, -1), encodeURIComponent(secret)])];
}

function readLines(dir: string): string[] {
  const logs = join(dir, 'logs');
  return readdirSync(logs)
    .sort()
    .flatMap((f) => readFileSync(join(logs, f), 'utf8').split('\n'))
    .filter((l) => l !== '');
}

describe('logger: secrets never reach the log', () => {
  let dir: string;
  let log: TidemarkLogger;
  const secrets = new Set([PASSWORD, TOKEN]);
  const echoed: string[] = [];
  let lines: string[];
  let byMsg: Map<string, Record<string, unknown>>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tidemark-log-redact-'));
    log = createLogger({ dataDir: dir, level: 'trace', secrets: () => secrets, clock: new ManualClock(T0), stdout: { write: (l: string) => echoed.push(l) } });
    const l = log.logger;
    l.info(`connecting with password ${PASSWORD}`);
    l.info('interpolated %s and %s', PASSWORD, TOKEN);
    l.info('json-interpolated %j', { user: 'admin', pw: PASSWORD });
    l.info({ cluster: { seeds: [{ host: 'a', auth: { user: 'admin', pw: PASSWORD } }], note: `uses ${TOKEN} daily` } }, 'nested');
    l.error(new Error(`login failed for admin/${PASSWORD}`), 'error as argument');
    l.error({ err: new Error('outer', { cause: new Error(`inner ${PASSWORD}`) }) }, 'error with cause');
    l.warn({ error: new Error(`bad token ${TOKEN}`) }, 'error under error');
    l.info({ url: `aerospike://admin:${encodeURIComponent(PASSWORD)}@db:3000/test` }, 'url with known password');
    l.info({ endpoint: 'https://minio:never-configured-pw@s3.local:9000/bucket?X-Amz-Security-Token=sessiontok&part=1' }, 'url with unknown credentials');
    l.info('message url http://bob:hunter2@example.com/x and more');
    l.info(
      {
        password: 'unknown-password-value',
        'S3-Secret-Access-Key': 'AKIASECRETVALUE',
        headers: { Authorization: 'Bearer unknown-bearer', 'X-Api-Key': 'unknown-api-key', Cookie: 'sid=unknown-cookie' },
        deep: { a: { b: { c: { d: { e: { PassPhrase: 'unknown-passphrase' } } } } } },
        list: [{ 's3-session-token': 'unknown-session-token' }],
        'password-set': true,
        'key-file': '/etc/tidemark/key.pem',
      },
      'secret-looking keys',
    );
    l.info(`quoted json ${JSON.stringify({ pw: PASSWORD })}`);
    l.child({ component: 'engine', conn: `admin:${PASSWORD}` }).info('child bindings');
    secrets.add(LATE_SECRET);
    l.info(`a secret added later: ${LATE_SECRET}`);
    l.info({ [PASSWORD]: 'a secret as a key' }, 'secret as key');
    await log.close();
    lines = readLines(dir);
    byMsg = new Map(lines.map((raw) => JSON.parse(raw) as Record<string, unknown>).map((o) => [String(o.msg), o]));
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test('no secret, in any spelling, appears in any line of the file or of stdout', () => {
    assert.equal(lines.length, 15, 'every line was written');
    assert.equal(echoed.length, 15, 'every line was echoed');
    const all = [...lines, ...echoed].join('\n');
    const leaks = [PASSWORD, TOKEN, LATE_SECRET].flatMap(spellingsOf).filter((s) => all.includes(s));
    assert.deepEqual(leaks, []);
    for (const unknown of ['unknown-password-value', 'AKIASECRETVALUE', 'unknown-bearer', 'unknown-api-key', 'unknown-cookie', 'unknown-passphrase', 'unknown-session-token', 'never-configured-pw', 'sessiontok', 'hunter2']) {
      assert.ok(!all.includes(unknown), `${unknown} leaked`);
    }
  });

  test('messages keep everything but the secret', () => {
    assert.ok(byMsg.has('connecting with password [REDACTED]'));
    assert.ok(byMsg.has('interpolated [REDACTED] and [REDACTED]'));
    assert.ok(byMsg.has('json-interpolated {"user":"admin","pw":"[REDACTED]"}'));
    assert.ok(byMsg.has('quoted json {"pw":"[REDACTED]"}'));
    assert.ok(byMsg.has('a secret added later: [REDACTED]'), 'the secret list is read for every line');
    assert.ok(byMsg.has('message url http://[REDACTED]@example.com/x and more'));
  });

  test('nested objects, errors and stacks are scrubbed', () => {
    assert.deepEqual(byMsg.get('nested')!.cluster, { seeds: [{ host: 'a', auth: '[REDACTED]' }], note: 'uses [REDACTED] daily' });
    const err = byMsg.get('error as argument')!.err as { message: string; stack: string };
    assert.equal(err.message, 'login failed for admin/[REDACTED]');
    assert.match(err.stack, /^Error: login failed for admin\/\[REDACTED\]\n/);
    const withCause = byMsg.get('error with cause')!.err as { stack: string };
    assert.match(withCause.stack, /inner \[REDACTED\]/);
    const underError = byMsg.get('error under error')!.error as { message: string; stack: string };
    assert.equal(underError.message, 'bad token [REDACTED]', 'an Error under `error` is serialized, not lost as {}');
    assert.equal(byMsg.get('child bindings')!.conn, 'admin:[REDACTED]');
  });

  test('credentials in URLs are removed, known or not', () => {
    assert.equal(byMsg.get('url with known password')!.url, 'aerospike://[REDACTED]@db:3000/test');
    assert.equal(byMsg.get('url with unknown credentials')!.endpoint, 'https://[REDACTED]@s3.local:9000/bucket?X-Amz-Security-Token=[REDACTED]&part=1');
  });

  test('values under secret-looking keys are replaced at any depth and in any case; other values stay', () => {
    const o = byMsg.get('secret-looking keys')!;
    assert.equal(o.password, '[REDACTED]');
    assert.equal(o['S3-Secret-Access-Key'], '[REDACTED]');
    assert.deepEqual(o.headers, { Authorization: '[REDACTED]', 'X-Api-Key': '[REDACTED]', Cookie: '[REDACTED]' });
    assert.deepEqual(o.deep, { a: { b: { c: { d: { e: { PassPhrase: '[REDACTED]' } } } } } });
    assert.deepEqual(o.list, [{ 's3-session-token': '[REDACTED]' }]);
    assert.equal(o['password-set'], true, 'a flag saying a password is set is not a secret');
    assert.equal(o['key-file'], '/etc/tidemark/key.pem', 'a key file path is not a secret');
  });

  test('a secret used as an object key is replaced too', () => {
    assert.deepEqual(Object.keys(byMsg.get('secret as key')!).filter((k) => k.includes('REDACTED')), ['[REDACTED]']);
  });
});

describe('logger: when the secret list cannot be read', () => {
  test('the line is withheld with a notice instead of written unscrubbed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tidemark-log-redact-'));
    try {
      const log = createLogger({
        dataDir: dir,
        clock: new ManualClock(T0),
        secrets: () => {
          throw new Error('keychain locked');
        },
      });
      log.logger.info(`password is ${PASSWORD}`);
      await log.close();
      const lines = readLines(dir);
      assert.equal(lines.length, 1);
      assert.ok(!lines[0]!.includes('Tr0ub4dor'));
      const o = JSON.parse(lines[0]!) as { level: number; time: number; msg: string };
      assert.equal(o.level, 50);
      assert.equal(o.time, T0);
      assert.equal(o.msg, 'a log line was withheld: the secret list could not be read (keychain locked)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
