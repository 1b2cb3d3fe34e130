import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Aerospike from 'aerospike';
import { errorCode, useTestbed } from './helpers.js';

describe('security: login with user and password', () => {
  const env = useTestbed({ user: 'admin', password: 's3cret' });

  test('the right credentials log in and can read and write', async () => {
    const key = new Aerospike.Key('test', 'sec', 'k');
    await env.client.put(key, { v: 'ok' });
    assert.deepEqual((await env.client.get(key)).bins, { v: 'ok' });
    // A second client authenticates its own data connections with the session token.
    const other = await env.connect();
    assert.deepEqual((await other.get(key)).bins, { v: 'ok' });
    assert.equal(await other.exists(key), true);
  });

  test('a wrong password is refused with INVALID_PASSWORD (62)', async () => {
    const before = env.clientLog().length;
    assert.equal(await errorCode(env.connect({ user: 'admin', password: 'wrong' })), Aerospike.status.INVALID_PASSWORD);
    assert.equal(Aerospike.status.INVALID_PASSWORD, 62);
    // The captured client log sees the refusal (this also proves the log capture works).
    const lines = env.clientLog().slice(before);
    assert.ok(
      lines.some((l) => l.includes('WARN') && l.includes('AEROSPIKE_INVALID_PASSWORD')),
      `client log: ${lines.join('\n')}`,
    );
  });

  test('an unknown user is refused with INVALID_USER (60)', async () => {
    assert.equal(await errorCode(env.connect({ user: 'mallory', password: 's3cret' })), Aerospike.status.INVALID_USER);
    assert.equal(Aerospike.status.INVALID_USER, 60);
  });

  test('no credentials at all: every info and data request is NOT_AUTHENTICATED (80)', async () => {
    const opts = { user: undefined, password: undefined } as unknown as Partial<Aerospike.ConfigOptions>;
    assert.equal(await errorCode(env.connect(opts)), Aerospike.status.NOT_AUTHENTICATED);
  });
});
