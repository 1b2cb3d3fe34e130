import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initToken, tokenFromHash, type TokenStore } from './auth.js';

function memory(): TokenStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
}

test('the sign-in fragment gives the token and is removed from the address bar', () => {
  assert.deepEqual(tokenFromHash('#token=abc%2Fd'), { token: 'abc/d', rest: '' });
  assert.deepEqual(tokenFromHash('#x=1&token=t'), { token: 't', rest: 'x=1' });
  assert.deepEqual(tokenFromHash(''), { rest: '' });
  const store = memory();
  let replaced: string | undefined;
  assert.equal(initToken({ hash: '#token=t1' }, store, (r) => (replaced = r)), 't1');
  assert.equal(replaced, '');
  assert.equal(store.data.get('tidemark.token'), 't1');
  // A reload without the fragment keeps the tab signed in.
  assert.equal(initToken({ hash: '' }, store, () => assert.fail('nothing to replace')), 't1');
});
