import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { displayUrl, isSecretKey, redactUrlCredentials, scrubLine, secretRedactPaths } from '../../electron/core/logging/redact.js';

describe('redaction helpers', () => {
  test('credentials in URLs are removed, whatever the scheme, even with an unencoded @ in the password', () => {
    const cases: Array<[string, string]> = [
      ['s3://AKIA:secret@bucket/x', 's3://[REDACTED]@bucket/x'],
      ['see http://u:p@ss@host:80/p?q=1 now', 'see http://[REDACTED]@host:80/p?q=1 now'],
      ['https://token@github.com/x', 'https://[REDACTED]@github.com/x'],
      ['two: http://a:b@h1/ and ftp://c:d@h2/', 'two: http://[REDACTED]@h1/ and ftp://[REDACTED]@h2/'],
      ['mail me@example.com, http://example.com/a@b', 'mail me@example.com, http://example.com/a@b'],
      ['https://h/p?email=a@b.c', 'https://h/p?email=a@b.c'],
      ['https://h/p?api_key=k1&page=2&Signature=abc', 'https://h/p?api_key=[REDACTED]&page=2&Signature=[REDACTED]'],
      ['no urls here', 'no urls here'],
    ];
    for (const [input, expected] of cases) assert.equal(redactUrlCredentials(input), expected, input);
  });

  test('displayUrl drops user information entirely and keeps a usable URL', () => {
    assert.equal(displayUrl('https://ops:pw@hooks.example.com/a?token=t&x=1'), 'https://hooks.example.com/a?token=[REDACTED]&x=1');
    assert.equal(displayUrl('http://127.0.0.1:8080/hook'), 'http://127.0.0.1:8080/hook');
  });

  test('secret-looking keys', () => {
    for (const k of ['password', 'PassWord', 'passphrase', 's3-secret-access-key', 's3-access-key-id', 's3-session-token', 'Authorization', 'Set-Cookie', 'x-api-key', 'apiKey', 'credentials', 'X-Amz-Signature', 'pwd']) {
      assert.equal(isSecretKey(k), true, k);
    }
    for (const k of ['key-file', 'key-env', 'backup-keys', 'passes', 'author', 'routine', 'bytes', 'password-env', 'password-path', 'secretFile']) {
      assert.equal(isSecretKey(k), false, k);
    }
  });

  test('the redact paths are all valid for pino', () => {
    const paths = secretRedactPaths();
    assert.ok(paths.includes('password') && paths.includes('*.password') && paths.includes('["s3-secret-access-key"]') && paths.includes('*["s3-secret-access-key"]'));
    const out: string[] = [];
    const l = pino({ redact: { paths, censor: '[X]' } }, { write: (s: string) => out.push(s) });
    l.info({ 's3-secret-access-key': 'a', nested: { password: 'b' } });
    const o = JSON.parse(out[0]!) as { 's3-secret-access-key': string; nested: { password: string } };
    assert.equal(o['s3-secret-access-key'], '[X]');
    assert.equal(o.nested.password, '[X]');
  });

  test('a line that is not JSON still has its secrets replaced, in every spelling', () => {
    const secret = 'a"b\\c';
    const raw = `plain ${secret} json ${JSON.stringify(secret)} double ${JSON.stringify(JSON.stringify(secret))} url http://x:${encodeURIComponent(secret)}@h/\n`;
    const out = scrubLine(raw, [secret]);
    assert.ok(!out.includes('a"b') && !out.includes('a\\"b') && !out.includes('a%22b'), out);
    assert.ok(out.endsWith('\n'));
    assert.match(out, /^plain \[REDACTED\] json /);
  });

  test('the longer of two overlapping secrets is replaced whole', () => {
    const out = scrubLine(JSON.stringify({ msg: 'pw=abcdef' }) + '\n', ['abc', 'abcdef']);
    assert.equal(out, '{"msg":"pw=[REDACTED]"}\n');
  });

  test('numbers that hold a secret are replaced; pino’s own fields are not', () => {
    const out = JSON.parse(scrubLine(JSON.stringify({ level: 30, time: 1712345678901, pid: 1234, pin: 98761234, count: 5 }), ['1234'])) as Record<string, unknown>;
    assert.deepEqual(out, { level: 30, time: 1712345678901, pid: 1234, pin: '[REDACTED]', count: 5 });
  });

  test('empty secrets are ignored rather than matching everywhere', () => {
    assert.equal(scrubLine('{"msg":"hello"}\n', ['']), '{"msg":"hello"}\n');
  });
});
