import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ImportPreview } from '../../../../shared/schemas/rest.js';
import { TransportError } from '../../api/transport.js';
import { previewSummary, profileErrors, sortedEntries } from './profile-model.js';

const preview: ImportPreview = {
  source: 'tidemark-profile',
  mode: 'merge',
  entries: [
    { section: 'backup-routines', name: 'daily', status: 'unchanged' },
    { section: 'storage', name: 'extra', status: 'added' },
    { section: 'backup-policies', name: 'fast', status: 'conflicting', fields: ['parallel'] },
    { section: 'aerospike-clusters', name: 'tb', status: 'unchanged' },
  ],
  secrets: [],
  warnings: [],
  blocking: [{ reason: 'conflict', path: ['backup-policies', 'fast'], message: 'differs' }],
};

test('preview: what needs attention first, and a one-line summary', () => {
  assert.deepEqual(sortedEntries(preview).map((e) => e.name), ['fast', 'extra', 'tb', 'daily']);
  assert.equal(previewSummary(preview), '1 conflicting, 1 added, 2 unchanged');
  assert.equal(previewSummary({ ...preview, entries: [] }), 'nothing to import');
});

test('refusals go next to the passphrase, the file or the routines; conflicts to the form', () => {
  assert.deepEqual(profileErrors(new TransportError(400, 'wrong passphrase', [{ path: ['passphrase'], message: 'wrong passphrase' }])), { passphrase: 'wrong passphrase' });
  assert.deepEqual(profileErrors(new TransportError(400, 'bad', [{ path: ['text', 'config', 'storage', 'x'], message: 'give a path' }])), { text: 'config.storage.x: give a path' });
  assert.deepEqual(profileErrors(new TransportError(400, 'body.passphrase: too short', [{ path: ['body', 'passphrase'], message: 'use at least 8 characters' }])), { passphrase: 'use at least 8 characters' });
  assert.deepEqual(profileErrors(new TransportError(409, 'policy fast differs', [{ path: ['backup-policies', 'fast'], message: 'differs' }])), { _form: 'differs' });
  assert.deepEqual(profileErrors(new Error('offline')), { _form: 'offline' });
});
