/**
 * The UI end to end, in Debian's Chromium (playwright-core), against a real `tidemark serve`
 * child process and the testbed: the dashboard's first-run state, a cluster, storage, policy and
 * routine created through the forms (with an inline validation error on the way), a backup run
 * from the dashboard watched live, the restore timeline, jobs, catalog and settings; every screen
 * saved as a screenshot in light and dark under e2e/screenshots/ and scanned with axe-core (no
 * serious or critical violation).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Aerospike from 'aerospike';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestbedWorker, type TestbedHandle } from '../../e2e/testbed/index.js';
import { writeDataset } from '../helpers/dataset.js';
import { bundleIsStale } from '../helpers/ui-bundle.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = new URL('../../', import.meta.url).pathname;
const SHOTS = join(ROOT, 'e2e', 'screenshots');
const TOKEN = 'e2e-token-5f1d0c9a7b3e4d2c8a6b';
const RECORDS = 1500;
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) to run the UI end-to-end test`;

let tb: TestbedHandle;
let client: Aerospike.Client;
let dir: string;
let serve: ChildProcess | undefined;
let browser: Browser | undefined;
let api = '';

async function run(cmd: string, args: string[]): Promise<void> {
  const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
  assert.equal(code, 0, `${cmd} ${args.join(' ')} failed`);
}

/** Starts `tidemark serve` on a free port; resolves with its URL once it listens. */
function startServe(configPath: string): Promise<string> {
  serve = spawn(process.execPath, ['bin/tidemark.mjs', 'serve', '--port', '0', '--config', configPath, '--grace-ms', '2000'], { cwd: ROOT, env: { ...process.env, TIDEMARK_API_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  serve.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tidemark serve did not start: ${out} ${err}`)), 60_000);
    serve!.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    serve!.on('exit', (code) => reject(new Error(`tidemark serve exited (${code}): ${out} ${err}`)));
  });
}

async function callApi(method: string, path: string): Promise<unknown> {
  const res = await fetch(`${api}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}` } });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

before(async () => {
  if (skip) return;
  if (bundleIsStale()) await run(process.execPath, ['scripts/build.mjs']);
  mkdirSync(SHOTS, { recursive: true });
  tb = await startTestbedWorker({ port: 0, namespaces: ['test', 'bar'] });
  client = await Aerospike.connect({ hosts: tb.seed, log: { level: Aerospike.log.OFF } });
  await writeDataset(client, 'test', RECORDS);
  dir = mkdtempSync(join(tmpdir(), 'tidemark-ui-'));
  api = await startServe(join(dir, 'config.json'));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
});

after(async () => {
  await browser?.close();
  if (serve && serve.exitCode === null) {
    serve.kill('SIGTERM');
    await new Promise((r) => serve!.once('exit', r));
  }
  await client?.close();
  await tb?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const AXE = existsSync(join(ROOT, 'node_modules/axe-core/axe.min.js')) ? readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8') : '';

interface AxeResult {
  violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[]; html: string; failureSummary?: string }> }>;
}

/** axe-core on the current screen: no serious or critical violation. */
async function scan(page: Page, name: string): Promise<void> {
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.addScriptTag({ content: AXE });
  // A string: the page's DOM types are not this Node project's.
  const r = (await page.evaluate("axe.run(document, { resultTypes: ['violations'] })")) as AxeResult;
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(
    bad.map((v) => `${name}: ${v.id} (${v.impact}) ${v.help} at ${v.nodes.slice(0, 3).map((n) => `${n.html.slice(0, 160)} (${(n.failureSummary ?? '').replace(/\s+/g, ' ').slice(0, 200)})`).join(', ')}`),
    [],
  );
}

async function shoot(page: Page, name: string, scheme: 'light' | 'dark'): Promise<void> {
  await page.waitForTimeout(400);
  await page.screenshot({ path: join(SHOTS, `${name}-${scheme}.png`) });
}

async function nav(page: Page, label: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true }).click();
}

async function choose(page: Page, label: string, option: string): Promise<void> {
  await page.getByRole('combobox', { name: label, exact: true }).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

test('the UI: set up a routine through the forms, back it up live, every screen in light and dark', { skip, timeout: 240_000 }, async () => {
  const context = await browser!.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));

  // Signed in by the URL fragment; the token leaves the address bar.
  // The UI as `tidemark serve` hosts it, opened with the sign-in URL it prints.
  await page.goto(`${api}/ui/#token=${TOKEN}`);
  await page.getByText('No routines yet').waitFor();
  assert.equal(new URL(page.url()).hash, '');
  await shoot(page, 'first-run', 'light');
  await scan(page, 'first run');

  // A cluster, with an inline validation error first.
  await page.getByRole('button', { name: 'Add a cluster' }).click();
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill('testbed');
  await page.getByRole('button', { name: 'Add cluster' }).last().click();
  await page.getByText('give at least one seed node').waitFor();
  await shoot(page, 'cluster-form-error', 'light');
  await scan(page, 'cluster form with an error');
  await page.getByRole('textbox', { name: 'Seed nodes', exact: true }).fill(tb.seed);
  assert.equal(await page.getByText('give at least one seed node').count(), 0, 'the message goes as the field is fixed');
  await page.getByRole('button', { name: 'Add cluster' }).last().click();
  await page.getByRole('cell', { name: 'testbed', exact: true }).waitFor();
  await shoot(page, 'clusters', 'light');
  await scan(page, 'clusters');

  await nav(page, 'Storage');
  await page.getByRole('button', { name: 'Add storage' }).first().click();
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill('local');
  await page.getByRole('textbox', { name: 'Folder', exact: true }).fill(join(dir, 'backups'));
  await page.getByRole('button', { name: 'Add storage' }).last().click();
  await page.getByRole('cell', { name: 'local', exact: true }).waitFor();
  await shoot(page, 'storage', 'light');

  await nav(page, 'Policies');
  await page.getByRole('button', { name: 'Add policy' }).first().click();
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill('steady');
  // Slow enough to watch: the backup takes a few seconds.
  await page.getByRole('textbox', { name: 'Records per second (max)', exact: true }).fill(String(RECORDS / 5));
  await page.getByRole('button', { name: 'Add policy' }).last().click();
  await page.getByRole('cell', { name: 'steady', exact: true }).waitFor();
  await shoot(page, 'policies', 'light');

  await nav(page, 'Routines');
  await page.getByRole('button', { name: 'Create routine' }).first().click();
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill('daily');
  await choose(page, 'Cluster', 'testbed');
  await choose(page, 'Storage', 'local');
  await choose(page, 'Policy', 'steady');
  await page.getByRole('textbox', { name: 'Full backups (cron)', exact: true }).fill('0 0 2 * * ?');
  await page.getByText('At 02:00').first().waitFor();
  await page.getByRole('textbox', { name: 'Incremental backups (cron)', exact: true }).fill('0 */15 * * * *');
  await page.getByRole('textbox', { name: 'Namespaces', exact: true }).fill('test');
  await page.getByRole('button', { name: 'Create routine' }).last().click();
  await page.getByRole('cell', { name: 'daily', exact: true }).waitFor();
  await shoot(page, 'routines', 'light');
  await scan(page, 'routines');

  // Back up from the dashboard and watch it move.
  await nav(page, 'Dashboard');
  await page.getByRole('button', { name: 'Back up now' }).click();
  const bar = page.locator('main').getByRole('progressbar', { name: 'progress' }).first();
  await bar.waitFor({ timeout: 20_000 });
  const seen = new Set<string>();
  for (let i = 0; i < 40 && seen.size < 2; i++) {
    const v = await bar.getAttribute('aria-valuenow').catch(() => null);
    if (v && v !== '0' && v !== '100') seen.add(v);
    await page.waitForTimeout(150);
  }
  assert.ok(seen.size >= 2, `progress moved by itself: saw ${[...seen].join(', ')}`);
  await shoot(page, 'dashboard-running', 'light');
  await page.getByTestId('summary').getByText('The routine is protected').waitFor({ timeout: 60_000 });

  // Two incrementals (with changes between them), so the timeline has a chain: the first from
  // the routine card's menu, the second through the API.
  await client.put(new Aerospike.Key('test', 'people', 'added-0'), { i: 0 });
  await new Promise((r) => setTimeout(r, 1100));
  await page.getByRole('button', { name: 'more backup options for daily' }).click();
  await page.getByRole('menuitem', { name: /incremental/i }).click();
  await page.getByText(/2 backups/).waitFor({ timeout: 30_000 });
  await client.put(new Aerospike.Key('test', 'people', 'added-1'), { i: 1 });
  await new Promise((r) => setTimeout(r, 1100));
  await callApi('POST', '/v1/backups/incremental/daily?wait=true');
  await page.getByText(/3 backups/).waitFor({ timeout: 20_000 });
  await shoot(page, 'dashboard', 'light');
  await scan(page, 'dashboard');

  await nav(page, 'Restore');
  await page.getByTestId('effective').waitFor();
  const slider = page.getByRole('slider', { name: 'Restore time for routine daily' });
  await slider.focus();
  await page.keyboard.press('Home');
  assert.match((await page.getByTestId('effective').textContent()) ?? '', /Restores the state as of/);
  const first = await slider.getAttribute('aria-valuenow');
  await page.keyboard.press('ArrowRight');
  assert.notEqual(await slider.getAttribute('aria-valuenow'), first, '→ steps to the next restore point');
  await shoot(page, 'restore', 'light');
  await scan(page, 'restore');

  // Restore to the first incremental (picked on the timeline) into namespace bar, and check the data.
  assert.match((await page.getByTestId('effective').textContent()) ?? '', /a backup started exactly then/);
  await page.getByRole('textbox', { name: 'Into namespace', exact: true }).fill('bar');
  await page.getByRole('button', { name: 'Restore…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Restore daily?' });
  await dialog.getByText(/into namespace bar \(from test\) on cluster testbed; records with a newer generation in the cluster are kept/).waitFor();
  await shoot(page, 'restore-confirm', 'light');
  await scan(page, 'restore confirmation');
  await dialog.getByRole('button', { name: 'Restore now' }).click();
  await page.getByRole('button', { name: 'Back to the timeline' }).waitFor();
  await page.getByText('Succeeded').first().waitFor({ timeout: 60_000 });
  await page.getByText('Statistics').waitFor();
  await shoot(page, 'restore-done', 'light');
  const restored = await client.get(new Aerospike.Key('bar', 'people', 'added-0'));
  assert.deepEqual(restored.bins, { i: 0 });
  await assert.rejects(client.get(new Aerospike.Key('bar', 'people', 'added-1')), 'a change after the chosen time is not restored');
  await page.getByRole('button', { name: 'Back to the timeline' }).click();

  // Cancel a running backup from the dashboard.
  await nav(page, 'Dashboard');
  await page.getByRole('button', { name: 'Back up now' }).click();
  const running = page.locator('main').getByRole('progressbar', { name: 'progress' }).first();
  await running.waitFor({ timeout: 20_000 });
  await page.locator('main').getByRole('button', { name: 'Cancel', exact: true }).first().click();
  await page.getByText('Nothing is running').waitFor({ timeout: 30_000 });
  const canceled = (await callApi('GET', '/v1/jobs?routine=daily&limit=1')) as Array<{ status: string }>;
  assert.equal(canceled[0]?.status, 'canceled');

  await nav(page, 'Jobs');
  await page.getByText('Full backup of daily').first().waitFor();
  await shoot(page, 'jobs', 'light');
  await scan(page, 'jobs');

  await nav(page, 'Catalog');
  await page.getByRole('option').first().waitFor();
  await shoot(page, 'catalog', 'light');
  await scan(page, 'catalog');

  // Dark mode, chosen in Settings; every screen again.
  await nav(page, 'Settings');
  await shoot(page, 'settings', 'light');
  await scan(page, 'settings');
  await page.getByText('Dark', { exact: true }).click();
  assert.equal(await page.locator('html').getAttribute('data-mantine-color-scheme'), 'dark');
  await shoot(page, 'settings', 'dark');
  await scan(page, 'settings (dark)');
  for (const [label, name] of [
    ['Dashboard', 'dashboard'],
    ['Restore', 'restore'],
    ['Jobs', 'jobs'],
    ['Catalog', 'catalog'],
    ['Routines', 'routines'],
    ['Clusters', 'clusters'],
  ] as const) {
    await nav(page, label);
    await page.waitForTimeout(600);
    await shoot(page, name, 'dark');
    await scan(page, `${name} (dark)`);
  }
  // The smallest supported window: every screen fits 1024×700 without sideways scrolling.
  await page.setViewportSize({ width: 1024, height: 700 });
  for (const [label, name] of [
    ['Dashboard', 'dashboard'],
    ['Restore', 'restore'],
    ['Catalog', 'catalog'],
    ['Jobs', 'jobs'],
    ['Routines', 'routines'],
    ['Settings', 'settings'],
  ] as const) {
    await nav(page, label);
    await page.waitForTimeout(600);
    const overflow = (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number;
    assert.ok(overflow <= 0, `${label} overflows 1024 px by ${overflow} px`);
    await page.screenshot({ path: join(SHOTS, `${name}-1024x700-dark.png`) });
  }
  assert.deepEqual(problems, []);
  await context.close();
});
