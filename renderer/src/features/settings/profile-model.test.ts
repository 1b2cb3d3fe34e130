import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ImportPreview } from '../../../../shared/schemas/rest.js';
import { TransportError } from '../../api/transport.js';
import { importRequest, previewSummary, profileErrors, refusesPlaintext, secretKey, secretLabel, secretsToAsk, sortedEntries } from './profile-model.js';

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

test('import request: secrets typed for what the file left out, and the secret options as chosen', () => {
  const withSecrets: ImportPreview = {
    ...preview,
    secrets: [
      { path: ['storage', 'vault', 's3-storage', 's3-access-key-id'], status: 'missing' },
      { path: ['storage', 'vault', 's3-storage', 's3-secret-access-key'], status: 'provided' },
      { path: ['aerospike-clusters', 'tb', 'credentials', 'password'], status: 'included' },
      { path: ['storage', 's3', 's3-storage', 's3-secret-access-key'], status: 'kept' },
    ],
  };
  const missing = secretsToAsk(withSecrets);
  assert.deepEqual(missing, [
    ['storage', 'vault', 's3-storage', 's3-access-key-id'],
    ['storage', 'vault', 's3-storage', 's3-secret-access-key'],
  ]);
  assert.equal(secretLabel(missing[1]!), 'storage vault › s3-secret-access-key');
  assert.equal(secretLabel(['aerospike-clusters', 'tb', 'credentials', 'password']), 'cluster tb › password');
  const base = { text: '{}', mode: 'merge' as const, overwrite: false, passphrase: '', skipSecrets: false, missing, values: {}, allowMissing: false, allowPlaintext: false };
  assert.deepEqual(importRequest(base), { text: '{}', mode: 'merge' });
  const typed = importRequest({ ...base, overwrite: true, values: { [secretKey(missing[1]!)]: 's3cr3t', [secretKey(['storage', 'other', 'x'])]: 'not asked' } });
  assert.deepEqual(typed, { text: '{}', mode: 'merge', overwrite: true, 'secret-values': [{ path: missing[1], value: 's3cr3t' }] }, 'only what was typed for a listed secret');
  assert.deepEqual(importRequest({ ...base, mode: 'replace', overwrite: true, skipSecrets: true, allowMissing: true, allowPlaintext: true, passphrase: 'long enough' }), {
    text: '{}',
    mode: 'replace',
    passphrase: 'long enough',
    'skip-secrets': true,
    'allow-missing-secrets': true,
    'allow-plaintext-secrets': true,
  });
});

test('a plain-text refusal is told apart, so the form can offer to allow it', () => {
  const refusal = new TransportError(400, 'import refused', [{ path: ['storage', 'vault', 's3-storage', 's3-secret-access-key'], message: "the S3 secret access key of storage 'vault' would be stored in plain text, which this config does not allow" }]);
  assert.equal(refusesPlaintext(refusal), true);
  assert.equal(refusesPlaintext(new TransportError(409, 'conflict', [{ path: ['backup-policies', 'fast'], message: 'differs' }])), false);
  assert.equal(refusesPlaintext(new Error('network down')), false);
});
