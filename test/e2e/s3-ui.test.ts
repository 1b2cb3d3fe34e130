/**
 * S3 storage through the UI end to end, in Debian's Chromium against a real `tidemark serve`
 * child: the loopback S3 server, an S3 storage created through the Storage form (bucket, path,
 * region, endpoint override; no keys in the config: the serve child has AWS_ACCESS_KEY_ID and
 * AWS_SECRET_ACCESS_KEY in its environment, which the default credentials chain reads), a routine
 * created through the Routines form pointing at it, "Back up now" from the dashboard, and the
 * backup listed in the Catalog — and in the bucket. Keys typed into the form are refused by a
 * server without a keychain (the desktop window test has them sealed by one).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Aerospike from 'aerospike';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestbedWorker, type TestbedHandle } from '../../e2e/testbed/index.js';
import { writeDataset } from '../helpers/dataset.js';
import { startS3, type TestS3 } from '../helpers/s3.js';
import { startServe, TOKEN, type ServeHandle } from '../rest/helpers.js';
import { bundleIsStale } from '../helpers/ui-bundle.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = new URL('../../', import.meta.url).pathname;
const RECORDS = 120;
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing: install Debian's chromium to run the UI end-to-end tests`;

let tb: TestbedHandle;
let client: Aerospike.Client;
let s3: TestS3;
let dir: string;
let serve: ServeHandle | undefined;
let browser: Browser | undefined;

before(async () => {
  if (skip) return;
  if (bundleIsStale()) {
    const child = spawn(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    assert.equal(await new Promise<number>((r) => child.on('exit', (c) => r(c ?? 1))), 0, 'the UI bundle builds');
  }
  tb = await startTestbedWorker({ port: 0, namespaces: ['test'] });
  client = await Aerospike.connect({ hosts: tb.seed, log: { level: Aerospike.log.OFF } });
  await writeDataset(client, 'test', RECORDS);
  s3 = await startS3();
  dir = mkdtempSync(join(tmpdir(), 'tidemark-s3-ui-'));
  const [host, port] = [tb.seed.split(':')[0]!, Number(tb.seed.split(':')[1])];
  const configPath = join(dir, 'config.json');
  // A cluster and a policy to start from; the storage and the routine come from the forms.
  writeFileSync(configPath, JSON.stringify({ 'aerospike-clusters': { tb: { 'seed-nodes': [{ 'host-name': host, port }] } }, 'backup-policies': { fast: { parallel: 2 } } }, null, 2));
  serve = await startServe(configPath, ['--grace-ms', '2000'], {
    AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    // Nothing else of this machine's AWS set-up is read.
    AWS_PROFILE: '',
    AWS_CONFIG_FILE: join(dir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
});

after(async () => {
  await browser?.close();
  await serve?.stop();
  await client?.close();
  await tb?.close();
  await s3?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function nav(page: Page, label: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true }).click();
}

async function choose(page: Page, label: string, option: string): Promise<void> {
  await page.getByRole('combobox', { name: label, exact: true }).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

test('an S3 storage made in the Storage form, backed up to from the dashboard, listed in the Catalog', { skip, timeout: 180_000 }, async () => {
  const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(`${serve!.base}/ui/#token=${TOKEN}`);

  // The storage: S3, keys from the serve process's environment (the default credentials chain).
  await nav(page, 'Storage');
  await page.getByRole('button', { name: 'Add storage' }).first().click();
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill('cloud');
  await page.getByText('S3 bucket', { exact: true }).click();
  await page.getByRole('textbox', { name: 'Bucket', exact: true }).fill(s3.bucket);
  await page.getByRole('textbox', { name: 'Path in the bucket', exact: true }).fill('ui');
  await page.getByRole('textbox', { name: 'Region', exact: true }).fill('us-east-1');
  await page.getByRole('textbox', { name: 'Endpoint', exact: true }).fill(s3.endpoint);
  await page.getByRole('button', { name: 'Add storage' }).last().click();
  await page.getByRole('cell', { name: 'cloud', exact: true }).waitFor();
  const saved = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { storage: Record<string, { 's3-storage'?: Record<string, unknown> }> };
  const entry = saved.storage.cloud?.['s3-storage'];
  assert.ok(entry, 'saved as an S3 storage');
  assert.equal(entry.bucket, s3.bucket);
  assert.equal(entry['s3-endpoint-override'], s3.endpoint);
  assert.equal(entry['s3-access-key-id'], undefined, 'no keys in the config');

  // A routine on it.
  await nav(page, 'Routines');
  await page.getByRole('button', { name: 'Create routine' }).first().click();
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill('nightly');
  await choose(page, 'Cluster', 'tb');
  await choose(page, 'Storage', 'cloud');
  await choose(page, 'Policy', 'fast');
  await page.getByRole('textbox', { name: 'Full backups (cron)', exact: true }).fill('0 0 2 * * ?');
  await page.getByRole('textbox', { name: 'Namespaces', exact: true }).fill('test');
  await page.getByRole('button', { name: 'Create routine' }).last().click();
  await page.getByRole('cell', { name: 'nightly', exact: true }).waitFor();

  // Back up now, from the dashboard.
  await nav(page, 'Dashboard');
  await page.getByRole('button', { name: 'Back up now' }).click();
  await page.getByTestId('summary').getByText('The routine is protected').waitFor({ timeout: 60_000 });
  assert.ok(
    s3.requests.some((r) => r.startsWith('PUT ') && r.includes('metadata.yaml')),
    `the backup's metadata went to the bucket: ${s3.requests.filter((r) => r.startsWith('PUT')).slice(0, 5).join(', ')}`,
  );

  // Listed in the Catalog, on the S3 storage.
  await nav(page, 'Catalog');
  const row = page.getByRole('listbox', { name: 'Backups' }).getByRole('option').first();
  await row.waitFor();
  const text = (await row.textContent()) ?? '';
  assert.match(text, /full/);
  assert.match(text, /nightly · test/);
  assert.match(text, /cloud/);
  const res = await fetch(`${serve!.base}/v1/catalog/backups?storage=cloud`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const listed = (await res.json()) as { total: number; backups: Array<{ 'record-count'?: number; routine: string }> };
  assert.equal(listed.total, 1, 'one backup on the S3 storage');
  const count = listed.backups[0]?.['record-count'] ?? 0;
  assert.ok(count >= RECORDS, `every record of the namespace: ${count}`);
  assert.match(text, new RegExp(`${count.toLocaleString('en-US')} rec`));
  await row.click();
  const drawer = page.getByRole('dialog', { name: 'Backup details' });
  await drawer.getByText('cloud', { exact: true }).waitFor();

  assert.deepEqual(problems, []);
  await context.close();
});

test('S3 access keys typed in the Storage form of a server without a keychain: refused under the field, nothing written', { skip, timeout: 120_000 }, async () => {
  const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(`${serve!.base}/ui/#token=${TOKEN}`);
  const before = readFileSync(join(dir, 'config.json'), 'utf8');

  await nav(page, 'Storage');
  await page.getByRole('button', { name: 'Add storage' }).first().click();
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill('keyed');
  await page.getByText('S3 bucket', { exact: true }).click();
  await page.getByRole('textbox', { name: 'Bucket', exact: true }).fill(s3.bucket);
  await page.getByRole('textbox', { name: 'Endpoint', exact: true }).fill(s3.endpoint);
  await choose(page, 'Credentials', 'Access keys (OS keychain)');
  await page.getByLabel('Access key ID', { exact: true }).fill(s3.credentials.accessKeyId);
  await page.getByLabel('Secret access key', { exact: true }).fill(s3.credentials.secretAccessKey);
  await page.getByRole('button', { name: 'Add storage' }).last().click();
  // The core's refusal, next to the field it is about.
  const field = page.getByRole('dialog').locator('.mantine-InputWrapper-root', { has: page.getByLabel('Secret access key', { exact: true }) });
  await field.getByText(/not written to the config file in plain text/).waitFor();
  await page.screenshot({ path: join(ROOT, 'e2e', 'screenshots', 'storage-keys-refused-light.png') });
  assert.equal(readFileSync(join(dir, 'config.json'), 'utf8'), before, 'the config file is untouched');
  assert.equal(await page.getByRole('cell', { name: 'keyed', exact: true }).count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});
