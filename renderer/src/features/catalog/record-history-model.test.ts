import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TransportError } from '../../api/transport.js';
import { absenceText, binValueText, expiryText, lookupRequest, lookupServerErrors } from './record-history-model.js';

test('lookup form: the request it describes, or the fields to fix', () => {
  assert.deepEqual(lookupRequest({ routine: 'daily', set: ' people ', key: ' 7 ', keyType: 'integer' }), { request: { routine: 'daily', set: 'people', key: '7', 'key-type': 'integer' }, errors: {} });
  assert.equal(lookupRequest({ routine: 'daily', set: '', key: ' padded ', keyType: 'string' }).request?.key, ' padded ', 'a string key is taken as typed');
  assert.deepEqual(lookupRequest({ routine: '', set: '', key: '', keyType: 'string' }).errors, { routine: 'choose the routine whose backups to search', key: "give the record's user key" });
  assert.match(lookupRequest({ routine: 'daily', set: '', key: '7.5', keyType: 'integer' }).errors.key ?? '', /whole number/);
});

test('server refusals land on the field they name', () => {
  const err = new TransportError(400, 'key: not hex', [{ path: ['body', 'key'], message: "key: 'zz' is not hex" }]);
  assert.deepEqual(lookupServerErrors(err), { key: "key: 'zz' is not hex" });
  assert.deepEqual(lookupServerErrors(new TransportError(404, "routine 'x' is not defined", [{ path: ['backup-routines', 'x'], message: "routine 'x' is not defined" }])), { routine: "routine 'x' is not defined" });
  assert.deepEqual(lookupServerErrors(new TransportError(0, 'Tidemark is not reachable')), { _form: 'Tidemark is not reachable' });
});

test('bins, expiry and absences as text', () => {
  assert.equal(binValueText({ name: 's', type: 'string', particle: 3, value: 'hello', raw: '' }), 'hello');
  assert.equal(binValueText({ name: 'l', type: 'list', particle: 20, value: [1, 'x', { k: 2 }], raw: '' }), '[1,"x",{"k":2}]');
  assert.equal(binValueText({ name: 'n', type: 'nil', particle: 0, value: null, raw: '' }), '(nil)');
  const long = binValueText({ name: 'b', type: 'string', particle: 3, value: 'x'.repeat(500), raw: '' });
  assert.equal(long.length, 160);
  assert.ok(long.endsWith('…'));
  assert.equal(expiryText({ expires: null }), 'never expires');
  assert.equal(expiryText({ expires: '2026-06-01T10:00:00.000Z' }), 'expires 2026-06-01 10:00:00 UTC');
  assert.match(absenceText({ meaning: 'not-in-full' }), /did not exist/);
  assert.match(absenceText({ meaning: 'unchanged-in-incremental' }), /not written since/);
});
