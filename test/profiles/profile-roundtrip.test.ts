import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { applyImport, exportProfile, parseProfile, previewImport, ProfileError, type ParsedImport } from '../../electron/core/profiles/index.js';
import { secretEntries } from '../../electron/core/config/secrets.js';
import { SECRETS, richConfig, tempService } from './helpers.js';

const PASSPHRASE = 'correct horse battery staple';
/** The floor the format accepts: keeps the suite fast; the default cost is 8 times this. */
const FAST = { N: 2 ** 14 };

function refused(code: ProfileError['code'], pattern?: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof ProfileError, `expected a ProfileError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (pattern) assert.match(err.message, pattern);
    return true;
  };
}

/** A parsed profile, typed loosely enough to break it on purpose. */
interface LooseEnvelope {
  [key: string]: unknown;
  secrets: { [key: string]: unknown; tag: string; kdf: Record<string, unknown> };
}

function allSecretValues(text: string): string[] {
  return Object.values(SECRETS).filter((s) => text.includes(s));
}

for (const format of ['json', 'yaml'] as const) {
  test(`round trip (${format}): encrypted secrets restore the whole config into an empty one`, async () => {
    const a = tempService(richConfig());
    const b = tempService();
    try {
      const exported = await exportProfile(a.service.config, { format, passphrase: PASSPHRASE, scryptCost: FAST });
      assert.deepEqual(allSecretValues(exported.text), [], 'a secret is readable in the file');
      assert.equal(exported.secrets.included.length, 4);
      assert.deepEqual(exported.secrets.omitted, []);

      const parsed = await parseProfile(exported.text, { passphrase: PASSPHRASE });
      assert.equal(parsed.source, 'tidemark-profile');
      assert.equal(parsed.format, format);
      assert.equal(parsed.verified, true);
      assert.deepEqual(parsed.omittedSecrets, []);

      // No keychain in plain Node: storing the imported secrets needs plain text allowed, as the original had.
      assert.throws(() => applyImport(b.service, parsed, { mode: 'merge' }), refused('plaintext-secrets', /allowPlaintextSecrets/));
      assert.equal(b.bytes(), undefined, 'a refused import wrote the config');

      const { preview } = applyImport(b.service, parsed, { mode: 'merge', allowPlaintextSecrets: true });
      assert.ok(preview.entries.every((e) => e.status === 'added'));
      assert.deepEqual(b.service.config, a.service.config);
    } finally {
      a.close();
      b.close();
    }
  });
}

test('without a passphrase the secrets are left out, listed, and the preview says what happens to each', async () => {
  const a = tempService(richConfig());
  const b = tempService();
  try {
    const exported = await exportProfile(a.service.config);
    assert.deepEqual(allSecretValues(exported.text), []);
    assert.equal(exported.secrets.omitted.length, 4);
    assert.equal(exported.warnings.length, 4);
    assert.ok(exported.warnings.some((w) => /password of cluster 'prod' is left out/.test(w.message)));
    assert.equal(JSON.parse(exported.text).secrets.mode, 'none');

    const parsed = await parseProfile(exported.text);
    assert.equal(parsed.verified, false);
    assert.deepEqual(secretEntries(parsed.config as unknown as Record<string, unknown>), []);
    assert.deepEqual(
      parsed.omittedSecrets.map((p) => p.join('.')).sort(),
      [
        'aerospike-clusters.prod.credentials.password',
        'backup-routines.nightly.hooks.on-failure.0.headers.Authorization',
        'storage.s3.s3-storage.s3-access-key-id',
        'storage.s3.s3-storage.s3-secret-access-key',
      ],
    );

    // Into the config it came from: every secret stays, nothing changes.
    const same = previewImport(a.service.config, parsed, { mode: 'merge' });
    assert.ok(same.entries.every((e) => e.status === 'unchanged'), JSON.stringify(same.entries));
    assert.ok(same.secrets.every((s) => s.status === 'kept'));
    assert.ok(same.warnings.some((w) => /secret not included: the password of cluster 'prod' stays the current one/.test(w.message)));
    assert.deepEqual(same.blocking, []);

    // Into an empty config: each one is needed, and apply refuses without touching anything.
    const empty = previewImport(b.service.config, parsed, { mode: 'merge', allowPlaintextSecrets: true });
    assert.deepEqual(empty.secrets.map((s) => s.status), ['missing', 'missing', 'missing', 'missing']);
    assert.ok(empty.blocking.some((i) => i.reason === 'missing-secret' && /password of cluster 'prod' is needed/.test(i.message)));
    assert.throws(() => applyImport(b.service, parsed, { mode: 'merge', allowPlaintextSecrets: true }), refused('missing-secret', /secretValues/));
    assert.equal(b.bytes(), undefined);

    // Given by the user, they complete the import into the same config as the original.
    const secretValues = [
      { path: ['aerospike-clusters', 'prod', 'credentials', 'password'], value: SECRETS.password },
      { path: ['storage', 's3', 's3-storage', 's3-access-key-id'], value: SECRETS.accessKeyId },
      { path: ['storage', 's3', 's3-storage', 's3-secret-access-key'], value: SECRETS.secretKey },
      { path: ['backup-routines', 'nightly', 'hooks', 'on-failure', '0', 'headers', 'Authorization'], value: SECRETS.webhookToken },
    ];
    const { preview } = applyImport(b.service, parsed, { mode: 'merge', allowPlaintextSecrets: true, secretValues });
    assert.ok(preview.secrets.every((s) => s.status === 'provided'));
    assert.deepEqual(b.service.config, a.service.config);
  } finally {
    a.close();
    b.close();
  }
});

test('allowMissingSecrets imports without them and the config validation still decides', async () => {
  const a = tempService(richConfig());
  const b = tempService();
  try {
    const parsed = await parseProfile((await exportProfile(a.service.config)).text);
    // A cluster user without any password is not a valid config: refused naming the field.
    assert.throws(
      () => applyImport(b.service, parsed, { mode: 'merge', allowMissingSecrets: true, allowPlaintextSecrets: true }),
      (err: unknown) => err instanceof ProfileError && err.code === 'invalid' && err.issues.some((i) => i.path.join('.') === 'aerospike-clusters.prod.credentials.password-path'),
    );
    assert.equal(b.bytes(), undefined);
  } finally {
    a.close();
    b.close();
  }
});

test('a secret value for a path the import does not miss is refused as a bad option', async () => {
  const a = tempService(richConfig());
  try {
    const parsed = await parseProfile((await exportProfile(a.service.config, { passphrase: PASSPHRASE, scryptCost: FAST })).text, { passphrase: PASSPHRASE });
    assert.throws(
      () => previewImport(a.service.config, parsed, { mode: 'merge', secretValues: [{ path: ['aerospike-clusters', 'prod', 'credentials', 'password'], value: 'x' }] }),
      refused('bad-option', /not a secret this import is missing/),
    );
  } finally {
    a.close();
  }
});

test('a wrong passphrase, a missing one and changed files are refused, each with its own error', async () => {
  const a = tempService(richConfig());
  try {
    const { text } = await exportProfile(a.service.config, { passphrase: PASSPHRASE, scryptCost: FAST });
    await assert.rejects(parseProfile(text, { passphrase: 'not the passphrase' }), refused('wrong-passphrase', /wrong passphrase/));
    await assert.rejects(parseProfile(text), refused('passphrase-required', /password of cluster 'prod'/));

    // One character of the config part.
    const host = text.indexOf('db1.example.com');
    assert.ok(host > 0);
    const configChanged = `${text.slice(0, host)}db9${text.slice(host + 3)}`;
    await assert.rejects(parseProfile(configChanged, { passphrase: PASSPHRASE }), refused('tampered', /changed after it was exported/));

    // One character of the ciphertext (still canonical base64, so the bytes differ).
    const doc = JSON.parse(text);
    const ct: string = doc.secrets.ciphertext;
    doc.secrets.ciphertext = (ct[0] === 'A' ? 'B' : 'A') + ct.slice(1);
    await assert.rejects(parseProfile(JSON.stringify(doc, null, 2), { passphrase: PASSPHRASE }), refused('tampered'));

    // The envelope is authenticated too: the export time, and a routine's setting that is not a secret.
    const stamped = JSON.parse(text);
    stamped['exported-at'] = '2020-01-01T00:00:00.000Z';
    await assert.rejects(parseProfile(JSON.stringify(stamped), { passphrase: PASSPHRASE }), refused('tampered'));
    const disabled = JSON.parse(text);
    disabled.config['backup-routines'].staging.disabled = false;
    await assert.rejects(parseProfile(JSON.stringify(disabled), { passphrase: PASSPHRASE }), refused('tampered'));

    // Another salt derives another key: reported as a wrong passphrase (the key check says so).
    const salted = JSON.parse(text);
    salted.secrets.kdf.salt = Buffer.alloc(16, 7).toString('base64');
    await assert.rejects(parseProfile(JSON.stringify(salted), { passphrase: PASSPHRASE }), refused('wrong-passphrase'));

    // Re-encoding (JSON to YAML, other key order) changes no value: still verifies.
    const reencoded = stringifyYaml(Object.fromEntries(Object.entries(JSON.parse(text)).reverse()));
    const parsed = await parseProfile(reencoded, { passphrase: PASSPHRASE });
    assert.equal(parsed.format, 'yaml');
    assert.equal(parsed.verified, true);
  } finally {
    a.close();
  }
});

test('a structurally broken profile says what is broken', async () => {
  const a = tempService(richConfig());
  try {
    const { text } = await exportProfile(a.service.config, { passphrase: PASSPHRASE, scryptCost: FAST });
    const cases: Array<[string, (d: LooseEnvelope) => void, string, RegExp]> = [
      ['no iv', (d) => delete d.secrets.iv, 'secrets.iv', /expected string/],
      ['short iv', (d) => (d.secrets.iv = Buffer.alloc(8).toString('base64')), 'secrets.iv', /12 bytes/],
      ['non-canonical base64', (d) => (d.secrets.tag = `${d.secrets.tag.slice(0, -3)}AB=`), 'secrets.tag', /canonical base64/],
      ['weak kdf', (d) => (d.secrets.kdf.N = 1024), 'secrets.kdf.N', /at least 16384/],
      ['kdf too costly', (d) => ((d.secrets.kdf.N = 2 ** 20), (d.secrets.kdf.r = 32)), 'secrets.kdf.r', /MiB/],
      ['unknown cipher', (d) => (d.secrets.cipher = 'rot13'), 'secrets.cipher', /aes-256-gcm/],
      ['unknown envelope field', (d) => (d.comment = 'hi'), '', /comment/],
      ['bad date', (d) => (d['exported-at'] = 'yesterday'), 'exported-at', /datetime/i],
      ['config not an object', (d) => (d.config = []), 'config', /record|object/],
    ];
    for (const [label, change, path, message] of cases) {
      const d = JSON.parse(text) as LooseEnvelope;
      change(d);
      await assert.rejects(parseProfile(JSON.stringify(d), { passphrase: PASSPHRASE }), (err: unknown) => {
        assert.ok(err instanceof ProfileError, label);
        assert.equal(err.code, 'malformed', `${label}: ${err.message}`);
        assert.ok(err.issues.some((i) => i.path.join('.') === path && message.test(i.message)), `${label}: ${err.message}`);
        return true;
      });
    }
    const newer = JSON.parse(text);
    newer.version = 2;
    newer.extra = { something: 'new' };
    await assert.rejects(parseProfile(JSON.stringify(newer)), refused('unsupported-version', /version 2.*update Tidemark/));
    await assert.rejects(parseProfile('{"format": "tidemark-profile", '), refused('malformed', /not valid JSON/));
    await assert.rejects(parseProfile('hello: world'), refused('malformed', /neither a Tidemark profile \(no 'format: tidemark-profile'\) nor a config file.*it has hello/));
  } finally {
    a.close();
  }
});

test('an encrypted profile can be imported without its secrets when asked to, unverified', async () => {
  const a = tempService(richConfig());
  try {
    const { text } = await exportProfile(a.service.config, { passphrase: PASSPHRASE, scryptCost: FAST });
    const parsed: ParsedImport = await parseProfile(text, { skipEncryptedSecrets: true });
    assert.equal(parsed.verified, false);
    assert.equal(parsed.omittedSecrets.length, 4);
    assert.ok(parsed.warnings.some((w) => /not imported, and without the passphrase the profile is not verified/.test(w.message)));
  } finally {
    a.close();
  }
});

test('export refuses a short passphrase and unsafe scrypt costs; the default cost is written into the file', async () => {
  const a = tempService(richConfig());
  try {
    await assert.rejects(exportProfile(a.service.config, { passphrase: 'short' }), refused('bad-option', /at least 8 characters/));
    await assert.rejects(exportProfile(a.service.config, { passphrase: PASSPHRASE, scryptCost: { N: 1000 } }), refused('bad-option', /power of two|at least/));
    const { text } = await exportProfile(a.service.config, { format: 'yaml', passphrase: PASSPHRASE });
    const kdf = parseYaml(text).secrets.kdf;
    assert.deepEqual({ N: kdf.N, r: kdf.r, p: kdf.p }, { N: 2 ** 17, r: 8, p: 1 });
    assert.equal(Buffer.from(kdf.salt, 'base64').length, 16);
  } finally {
    a.close();
  }
});

test('the machine-local plain-text policy is neither exported nor taken from a file', async () => {
  const a = tempService(richConfig());
  const b = tempService({ tidemark: { 'plaintext-secrets': false } });
  try {
    const { text } = await exportProfile(a.service.config);
    const doc = JSON.parse(text);
    assert.deepEqual(doc.config.tidemark, { 'history-days': 60 });
    doc.config.tidemark['plaintext-secrets'] = true;
    const parsed = await parseProfile(JSON.stringify(doc));
    assert.ok(parsed.warnings.some((w) => w.path.join('.') === 'tidemark.plaintext-secrets' && /not imported/.test(w.message)));
    const preview = previewImport(b.service.config, parsed, { mode: 'replace', allowMissingSecrets: true });
    assert.deepEqual(preview.entries.find((e) => e.name === 'tidemark'), { section: 'settings', name: 'tidemark', status: 'added' });
  } finally {
    a.close();
    b.close();
  }
});

test('secrets this process cannot open (sealed by the OS keychain) are left out with a warning, even with a passphrase', async () => {
  const config = richConfig();
  config['aerospike-clusters']!.prod!.credentials = { user: 'backup', password: 'keychain:v1:c2VhbGVkIGJ5IHRoZSBkZXNrdG9w' };
  const a = tempService(config);
  try {
    const exported = await exportProfile(a.service.config, { passphrase: PASSPHRASE, scryptCost: FAST });
    assert.deepEqual(exported.secrets.omitted, [['aerospike-clusters', 'prod', 'credentials', 'password']]);
    assert.equal(exported.secrets.included.length, 3);
    assert.match(exported.warnings[0]!.message, /password of cluster 'prod' is sealed by the desktop app's OS keychain/);
    assert.ok(!exported.text.includes('keychain:v1:'));

    // Back into the same config it keeps the sealed value; the three others come from the file.
    const parsed = await parseProfile(exported.text, { passphrase: PASSPHRASE });
    const p = previewImport(a.service.config, parsed, { mode: 'merge' });
    assert.deepEqual(p.secrets.map((s) => s.status).sort(), ['included', 'included', 'included', 'kept']);
    assert.ok(p.entries.every((e) => e.status === 'unchanged'));
  } finally {
    a.close();
  }
});
