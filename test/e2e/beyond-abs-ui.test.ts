/**
 * The screens beyond ABS end to end, in Debian's Chromium against a real `tidemark serve` (the
 * REST test stack: testbed, local and S3 storage): a record looked up in the Catalog and one of
 * its versions restored; "Test connection" and "Test storage" in the forms; a profile exported,
 * then imported through the preview (a conflict shown, then overwritten). Screens with results
 * are scanned with axe-core (no serious or critical violation).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Aerospike from 'aerospike';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Job } from '../../shared/schemas/job.js';
import { TOKEN } from '../rest/helpers.js';
import { startStack, type Stack } from '../rest/stack.js';
import { bundleIsStale } from '../helpers/ui-bundle.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = new URL('../../', import.meta.url).pathname;
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing: install Debian's chromium to run the UI end-to-end tests`;

let s: Stack;
let browser: Browser | undefined;

before(async () => {
  if (skip) return;
  if (bundleIsStale()) {
    const child = spawn(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    assert.equal(await new Promise<number>((r) => child.on('exit', (c) => r(c ?? 1))), 0, 'the UI bundle builds');
  }
  s = await startStack();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
});

after(async () => {
  await browser?.close();
  await s?.close();
});

const AXE = existsSync(join(ROOT, 'node_modules/axe-core/axe.min.js')) ? readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8') : '';

async function scan(page: Page, name: string): Promise<void> {
  if (!AXE) return;
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.addScriptTag({ content: AXE });
  const r = (await page.evaluate("axe.run(document, { resultTypes: ['violations'] })")) as { violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ html: string }> }> };
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(
    bad.map((v) => `${name}: ${v.id} (${v.impact}) ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.html.slice(0, 160)).join(', ')}`),
    [],
  );
}

async function nav(page: Page, label: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true }).click();
}

test('record history, connection tests and profiles through the UI', { skip, timeout: 180_000 }, async () => {
  const job = async (path: string): Promise<Job> => (await s.call('POST', path)).json as Job;
  assert.equal((await job('/v1/backups/full/daily?wait=true')).status, 'success');
  await s.client.put(new Aerospike.Key('test', 'people', 7), { i: 700 });
  assert.equal((await job('/v1/backups/incremental/daily?wait=true')).status, 'success');

  const context = await browser!.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(`${s.serve.base}/ui/#token=${TOKEN}`);

  // Catalog → Look up a record: two versions, newest first; restore the older one into bar.
  await nav(page, 'Catalog');
  const lookup = page.getByRole('region', { name: 'Look up a record' });
  await lookup.getByRole('textbox', { name: 'Set', exact: true }).fill('people');
  await lookup.getByRole('textbox', { name: 'Key', exact: true }).fill('seven');
  await lookup.getByRole('combobox', { name: 'Key type', exact: true }).click();
  await page.getByRole('option', { name: 'Integer', exact: true }).click();
  await lookup.getByRole('button', { name: 'Look up' }).click();
  await lookup.getByText('an integer key is a whole number').waitFor();
  await lookup.getByRole('textbox', { name: 'Key', exact: true }).fill('7');
  await lookup.getByRole('button', { name: 'Look up' }).click();
  await lookup.getByText('2 versions, newest first').waitFor();
  const values = await lookup.getByRole('row').filter({ has: page.getByRole('cell', { name: 'i', exact: true }) }).allTextContents();
  assert.deepEqual(values.map((v) => v.replace(/^iinteger/, '')), ['700', '7'], 'newest first');
  await scan(page, 'record history');
  await lookup.getByRole('button', { name: 'Restore this version…' }).nth(1).click();
  const dialog = page.getByRole('dialog', { name: 'Restore this version?' });
  await dialog.getByRole('textbox', { name: 'Namespace', exact: true }).fill('bar');
  const finished = s.events.next((e) => e.event === 'job-finished' && (e.data as Job).type === 'restore');
  await dialog.getByRole('button', { name: 'Restore this version' }).click();
  assert.equal(((await finished).data as Job).status, 'success');
  assert.equal((await s.client.get(new Aerospike.Key('bar', 'people', 7))).bins.i, 7);

  // Test connection (a saved cluster, masked secrets and all) and test storage (S3).
  await nav(page, 'Clusters');
  await page.getByRole('button', { name: 'Edit tb' }).click();
  await page.getByRole('button', { name: 'Test connection' }).click();
  await page.getByText(/^Connected in \d+ ms: 1 node/).waitFor();
  await page.getByText(/^test: [\d,]+ records \(.*people/).waitFor();
  await scan(page, 'cluster test');
  await page.keyboard.press('Escape');
  await nav(page, 'Storage');
  await page.getByRole('button', { name: 'Edit s3' }).click();
  await page.getByRole('button', { name: 'Test storage' }).click();
  await page.getByText(/^Writable: wrote, read back and deleted a test file/).waitFor();
  await page.keyboard.press('Escape');

  // Settings → Profiles: export downloads a profile; importing it changed shows the conflict, then applies with overwrite.
  await nav(page, 'Settings');
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export and download' }).click();
  const file = await (await download).path();
  const exported = JSON.parse(readFileSync(file, 'utf8')) as { config: { 'backup-policies': Record<string, Record<string, unknown>> } };
  exported.config['backup-policies'].fast = { ...exported.config['backup-policies'].fast, parallel: 5 };
  await page.getByRole('textbox', { name: '…or paste it' }).fill(JSON.stringify(exported));
  await page.getByRole('button', { name: 'Preview' }).click();
  await page.getByText('The import would be refused').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Import', exact: true }).isDisabled(), true, 'nothing to apply while refused');
  await scan(page, 'profile preview');
  await page.getByRole('checkbox', { name: 'Overwrite entries that differ' }).check();
  await page.getByRole('button', { name: 'Preview' }).click();
  await page.getByText(/1 changed/).waitFor();
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await page.getByText(/^Imported: /).waitFor();
  const policy = (await s.call('GET', '/v1/config/policies/fast')).json as { parallel: number };
  assert.equal(policy.parallel, 5);

  // A profile whose storage needs keys the file left out: refused until they are typed in.
  const withVault = JSON.parse(readFileSync(file, 'utf8')) as { config: { storage: Record<string, unknown> }; secrets?: { omitted?: string[][] } };
  withVault.config.storage.vault = { 's3-storage': { bucket: 'vault-bucket', 's3-credentials-source': 'static' } };
  withVault.secrets = { ...withVault.secrets, omitted: [...(withVault.secrets?.omitted ?? []), ['storage', 'vault', 's3-storage', 's3-access-key-id'], ['storage', 'vault', 's3-storage', 's3-secret-access-key']] };
  await page.getByRole('textbox', { name: '…or paste it' }).fill(JSON.stringify(withVault));
  await page.getByRole('button', { name: 'Preview' }).click();
  await page.getByText('The import would be refused').waitFor();
  const asked = page.getByRole('group', { name: 'Secrets the file does not carry' });
  await asked.getByLabel('storage vault › s3-access-key-id', { exact: true }).fill('AKIAIOSFODNN7EXAMPLE');
  await asked.getByLabel('storage vault › s3-secret-access-key', { exact: true }).fill('vault-secret-key');
  await asked.scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(ROOT, 'e2e', 'screenshots', 'profile-import-secrets-light.png') });
  await page.getByRole('button', { name: 'Preview' }).click();
  await page.getByText(/1 added/).waitFor();
  await scan(page, 'profile secrets');
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await page.getByText(/^Imported: 1 added/).waitFor();
  const vault = (await s.call('GET', '/v1/config/storage/vault')).json as { 's3-storage': Record<string, string> };
  assert.equal(vault['s3-storage']['s3-secret-access-key'], '********', 'imported, and shown masked');
  assert.equal(await asked.count(), 0, 'nothing more to ask once imported');

  assert.deepEqual(problems, []);
  assert.deepEqual(s.contractErrors, []);
  await context.close();
});
