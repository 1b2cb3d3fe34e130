import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterForm, cronProblem, policyForm, routineForm, serverErrors, storageForm, validate } from './form-model.js';

test('cluster: seeds, credentials and the name are checked with the shared schema', () => {
  const ok = validate(clusterForm, { ...clusterForm.empty, name: 'prod', seeds: '10.0.0.5:3000, db2', user: 'backup', passwordRef: 'AS_PASSWORD' });
  assert.deepEqual(ok.errors, {});
  assert.deepEqual(ok.entry, { 'seed-nodes': [{ 'host-name': '10.0.0.5', port: 3000 }, { 'host-name': 'db2', port: 3000 }], credentials: { user: 'backup', 'password-env': 'AS_PASSWORD' } });

  const bad = validate(clusterForm, { ...clusterForm.empty, name: 'bad name!', seeds: '', user: 'backup', maxParallelScans: 'many' }, { taken: ['prod'] });
  assert.match(bad.errors.name ?? '', /letters, digits/);
  assert.equal(bad.errors.seeds, 'give at least one seed node');
  assert.match(bad.errors.passwordRef ?? '', /a user needs a password/);
  assert.equal(bad.errors.maxParallelScans, 'enter a whole number');
  assert.match(validate(clusterForm, { ...clusterForm.empty, name: 'prod', seeds: 'a:1' }, { taken: ['prod'] }).errors.name ?? '', /exists already/);
  assert.match(validate(clusterForm, { ...clusterForm.empty, name: 'x', seeds: 'a:99999' }).errors.seeds ?? '', /65535|less than or equal/i);
  assert.deepEqual(validate(clusterForm, { ...clusterForm.empty, seeds: 'a:1' }, { editing: true }).errors, {}, 'the name is fixed when editing');
});

test('cluster: an entry read back fills the form and round-trips', () => {
  const entry = { 'seed-nodes': [{ 'host-name': 'h', port: 3100 }], credentials: { user: 'u', 'password-path': '/p' }, 'max-parallel-scans': 4 };
  const v = clusterForm.fromEntry(entry);
  assert.equal(v.seeds, 'h:3100');
  assert.equal(v.passwordSource, 'password-path');
  assert.deepEqual(validate(clusterForm, v, { editing: true }).entry, entry);
});

test('storage: local needs a path; S3 checks the bucket and endpoint', () => {
  assert.equal(validate(storageForm, { ...storageForm.empty, name: 'disk' }).errors.path, 'give the folder backups are stored in');
  const s3 = validate(storageForm, { ...storageForm.empty, name: 's3', kind: 's3', bucket: 'x', endpoint: 'ftp://h' });
  assert.match(s3.errors.bucket ?? '', /not a valid S3 bucket name/);
  assert.equal(s3.errors.endpoint, 'must be an http:// or https:// URL');
  const good = validate(storageForm, { ...storageForm.empty, name: 's3', kind: 's3', bucket: 'backups', endpoint: 'http://127.0.0.1:9000', pathStyle: true });
  assert.deepEqual(good.errors, {});
  assert.deepEqual(good.entry, { 's3-storage': { bucket: 'backups', 's3-endpoint-override': 'http://127.0.0.1:9000', 's3-force-path-style': true } });
});

test('storage: S3 credentials from the chosen source only; keys typed here, masked when read back', () => {
  const base = { ...storageForm.empty, name: 's3', kind: 's3', bucket: 'backups' };
  const keys = validate(storageForm, { ...base, credentials: 'static', accessKeyId: ' AKIAEXAMPLE ', secretAccessKey: 'wJalr/EXAMPLEKEY', profile: 'left-over' });
  assert.deepEqual(keys.errors, {});
  assert.deepEqual(keys.entry, { 's3-storage': { bucket: 'backups', 's3-credentials-source': 'static', 's3-access-key-id': 'AKIAEXAMPLE', 's3-secret-access-key': 'wJalr/EXAMPLEKEY' } }, 'a profile left in a hidden field is not sent');
  const missing = validate(storageForm, { ...base, credentials: 'static', accessKeyId: 'AKIAEXAMPLE' });
  assert.equal(missing.errors.secretAccessKey, 'give the secret access key');
  assert.equal(validate(storageForm, { ...base, credentials: 'profile' }).errors.profile, 'give the profile name');
  assert.deepEqual(validate(storageForm, { ...base, credentials: 'profile', profile: 'backup', accessKeyId: 'AKIA' }).entry, { 's3-storage': { bucket: 'backups', 's3-credentials-source': 'profile', 's3-profile': 'backup' } });
  assert.deepEqual(validate(storageForm, { ...base, credentials: 'default', accessKeyId: 'AKIA', secretAccessKey: 'x' }).entry, { 's3-storage': { bucket: 'backups' } }, 'switching back to the default chain drops the keys');
  assert.deepEqual(validate(storageForm, { ...base, credentials: 'env' }).entry, { 's3-storage': { bucket: 'backups', 's3-credentials-source': 'env' } });

  // What the core shows for stored keys: masked. Sent back as they are, they mean "unchanged".
  const stored = { 's3-storage': { bucket: 'backups', 's3-access-key-id': '********', 's3-secret-access-key': '********', 's3-session-token': '********' } };
  const v = storageForm.fromEntry(stored);
  assert.equal(v.credentials, 'static', 'keys without a source are static keys');
  assert.equal(v.secretAccessKey, '********');
  assert.deepEqual(validate(storageForm, v, { editing: true }).entry, { 's3-storage': { ...stored['s3-storage'], 's3-credentials-source': 'static' } });
  assert.equal(storageForm.fromEntry({ 's3-storage': { bucket: 'b', 's3-profile': 'p' } }).credentials, 'profile');
  assert.equal(storageForm.fromEntry({ 's3-storage': { bucket: 'b', 's3-credentials-source': 'env' } }).credentials, 'env');

  // The core's refusals land on the field they are about.
  assert.equal(storageForm.fieldOf(['s3-storage', 's3-secret-access-key']), 'secretAccessKey');
  assert.equal(storageForm.fieldOf(['s3-storage', 's3-credentials-source']), 'credentials');
  assert.equal(storageForm.fieldOf(['s3-storage', 's3-session-token']), 'sessionToken');
});

test('cluster: a password typed here is kept as typed, and a stored one comes back masked', () => {
  const typed = validate(clusterForm, { ...clusterForm.empty, name: 'prod', seeds: 'db1', user: 'backup', passwordSource: 'password', passwordRef: ' two words ' });
  assert.deepEqual(typed.errors, {});
  assert.deepEqual(typed.entry.credentials, { user: 'backup', password: ' two words ' });
  const v = clusterForm.fromEntry({ 'seed-nodes': [{ 'host-name': 'db1', port: 3000 }], credentials: { user: 'backup', password: '********' } });
  assert.equal(v.passwordSource, 'password');
  assert.equal(v.passwordRef, '********');
  assert.deepEqual(validate(clusterForm, v, { editing: true }).entry.credentials, { user: 'backup', password: '********' });
});

test('policy: encryption needs a key, retention keeps at least one full', () => {
  const bad = validate(policyForm, { ...policyForm.empty, name: 'p', encryption: 'AES256', retentionFull: '0', maxAge: 'a month' });
  assert.match(bad.errors.keyFile ?? '', /exactly one of key-file or key-env/);
  assert.equal(bad.errors.retentionFull, 'keep at least one full backup');
  assert.match(bad.errors.maxAge ?? '', /30d/);
  const good = validate(policyForm, { ...policyForm.empty, name: 'p', parallel: '4', compression: 'ZSTD', retentionFull: '7', retentionIncremental: '2', maxAge: '30d' });
  assert.deepEqual(good.errors, {});
  assert.deepEqual(good.entry, { parallel: 4, compression: { mode: 'ZSTD' }, retention: { full: 7, incremental: 2 }, 'max-age': '30d' });
});

test('routine: references, cron expressions (with the core parser) and the time zone', () => {
  const base = { ...routineForm.empty, name: 'daily', cluster: 'prod', storage: 'disk', policy: 'nightly' };
  assert.deepEqual(validate(routineForm, base).errors, {});
  const bad = validate(routineForm, { ...base, cluster: '', cron: '0 0 2 1 * MON', incrCron: '*/99 * * * * *', timezone: 'Mars/Olympus' });
  assert.match(bad.errors.cluster ?? '', /names start with a letter/);
  assert.match(bad.errors.cron ?? '', /day-of-week/);
  assert.match(bad.errors.incrCron ?? '', /step 99/);
  assert.match(bad.errors.timezone ?? '', /not an IANA time zone/);
  assert.equal(cronProblem('@daily'), undefined);
  assert.match(cronProblem('61 * * * *') ?? '', /out of range/);
  assert.doesNotMatch(cronProblem('61 * * * *') ?? '', /Accepted forms/);
  const v = validate(routineForm, { ...base, namespaces: 'test, bar', setList: 'users' });
  assert.deepEqual(v.entry.namespaces, ['test', 'bar']);
  assert.deepEqual(v.entry['set-list'], ['users']);
});

test("the core's refusals land on the field they name", () => {
  const issues = [
    { path: ['body', 'seed-nodes', 0, 'host-name'], message: 'give the host name' },
    { path: ['backup-routines', 'daily', 'storage'], message: "storage 'nas' is not defined" },
    { path: ['params', 'name'], message: 'bad name' },
  ];
  assert.deepEqual(serverErrors(clusterForm, issues.slice(0, 1), 'prod', 'x'), { seeds: 'give the host name' });
  assert.deepEqual(serverErrors(routineForm, issues.slice(1), 'daily', 'x'), { storage: "storage 'nas' is not defined", name: 'bad name' });
  assert.deepEqual(serverErrors(routineForm, [], 'daily', 'refused: conflict'), { _form: 'refused: conflict' });
});
