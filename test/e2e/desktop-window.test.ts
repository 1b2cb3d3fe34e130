/**
 * The desktop window's UI without Electron: the built renderer in Debian's Chromium, served with
 * the app scheme's answers (resolveAppResource: the bundle's files and the strict
 * Content-Security-Policy), and `window.tidemark` — the object the preload exposes — wired to
 * main's IPC router in this process over a real TidemarkService and the testbed. The UI runs
 * unchanged over IPC: no sign-in, a backup started from the dashboard and followed by pushed
 * events, the desktop settings saved into the config; and the CSP blocks nothing the UI needs.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Aerospike from 'aerospike';
import { chromium, type Browser } from 'playwright-core';
import { startTestbedWorker, type TestbedHandle } from '../../e2e/testbed/index.js';
import { writeDataset } from '../helpers/dataset.js';
import { IPC_CALLS } from '../../shared/ipc/channels.js';
import { createCoreApi } from '../../electron/core/api/core-api.js';
import type { Keychain } from '../../electron/core/config/keychain.js';
import { TidemarkService } from '../../electron/core/service/tidemark-service.js';
import { KEYCHAIN_PREFIX } from '../../shared/schemas/config.js';
import { createIpcRouter } from '../../electron/main/ipc/ipc-router.js';
import { forwardEvents } from '../../electron/main/ipc/event-messages.js';
import { resolveAppResource } from '../../electron/main/window/app-protocol.js';
import { APP_ORIGIN } from '../../electron/main/window/security.js';
import { bundleIsStale, UI_BUNDLE_DIR } from '../helpers/ui-bundle.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = new URL('../../', import.meta.url).pathname;
const SHOTS = join(ROOT, 'e2e', 'screenshots');
/** Chromium cannot load a custom scheme without Electron: the same answers under a stand-in https origin. */
const ORIGIN = 'https://tidemark.app';
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing: install Debian's chromium to run the desktop window test`;

/**
 * Electron's safeStorage cannot run here: a stand-in that seals reversibly, so the test sees what
 * the desktop app stores (sealed text, never the secret) and that it opens again.
 */
const STAND_IN_KEYCHAIN: Keychain = {
  isAvailable: () => true,
  encrypt: (plain) => Buffer.from(`sealed:${plain}`).reverse().toString('base64'),
  decrypt: (sealed) => Buffer.from(sealed, 'base64').reverse().toString().slice('sealed:'.length),
};

let tb: TestbedHandle;
let dir: string;
let service: TidemarkService;
let browser: Browser | undefined;

before(async () => {
  if (skip) return;
  if (bundleIsStale()) assert.equal(spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' }).status, 0);
  mkdirSync(SHOTS, { recursive: true });
  tb = await startTestbedWorker({ port: 0, namespaces: ['test'] });
  const client = await Aerospike.connect({ hosts: tb.seed, log: { level: Aerospike.log.OFF } });
  await writeDataset(client, 'test', 300);
  await client.close();
  dir = mkdtempSync(join(tmpdir(), 'tidemark-window-'));
  service = await TidemarkService.open({ configPath: join(dir, 'config.json'), logStdout: false, keychain: STAND_IN_KEYCHAIN });
  const [host, port] = tb.seed.split(':');
  service.config.put('aerospike-clusters', 'testbed', { 'seed-nodes': [{ 'host-name': host!, port: Number(port) }] });
  service.config.put('storage', 'local', { 'local-storage': { path: join(dir, 'backups') } });
  service.config.put('backup-policies', 'steady', { 'records-per-second': 100 });
  service.config.put('backup-routines', 'daily', { 'source-cluster': 'testbed', storage: 'local', 'backup-policy': 'steady', 'interval-cron': '0 0 2 * * *', namespaces: ['test'] });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'] });
});

after(async () => {
  await browser?.close();
  await service?.close();
  await tb?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the UI over IPC: no sign-in, a backup followed live by pushed events, desktop settings saved, S3 keys sealed by the keychain, nothing blocked by the CSP', { skip, timeout: 180_000 }, async () => {
  const router = createIpcRouter(createCoreApi(service, { dataDir: dir }));
  const context = await browser!.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });

  // The app scheme's answers, under the stand-in origin: the bundle's files with the CSP headers.
  const served: string[] = [];
  await context.route(`${ORIGIN}/**`, async (route) => {
    const url = new URL(route.request().url());
    const r = resolveAppResource(`${APP_ORIGIN}${url.pathname}${url.search}`, UI_BUNDLE_DIR + '/');
    served.push(url.pathname);
    if (r.status === 404) return route.fulfill({ status: 404, body: r.reason });
    return route.fulfill({ status: 200, headers: r.headers, body: readFileSync(r.file) });
  });
  // Anything else (the network, http://127.0.0.1 REST) must not be asked for.
  const elsewhere: string[] = [];
  await context.route((u) => !u.href.startsWith(ORIGIN), (route) => {
    elsewhere.push(route.request().url());
    return route.abort();
  });

  // What the preload exposes, over a binding into main's router (structured clone, like IPC).
  await context.exposeBinding('__tidemarkInvoke', (_source, name: string, input: unknown) => router.handle(name, input));
  await context.addInitScript((names: readonly string[]) => {
    const listeners = new Set<(e: unknown) => void>();
    const w = globalThis as unknown as Record<string, unknown> & { __tidemarkInvoke(n: string, i: unknown): Promise<unknown> };
    w.__tidemarkEvent = (m: unknown) => listeners.forEach((l) => l(m));
    w.tidemark = Object.freeze({
      calls: Object.freeze(Object.fromEntries(names.map((n) => [n, (input: unknown) => w.__tidemarkInvoke(n, input)]))),
      platform: 'linux',
      onEvent(l: (e: unknown) => void) {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    });
  }, IPC_CALLS);
  const events: string[] = [];
  const stop = forwardEvents(
    (fn) => service.subscribe(fn),
    (m) => {
      events.push(m.type);
      void page.evaluate((msg) => (globalThis as unknown as { __tidemarkEvent?: (x: unknown) => void }).__tidemarkEvent?.(msg), m).catch(() => undefined);
    },
  );

  try {
    await page.goto(`${ORIGIN}/ui/`);
    // Straight in: the routine from the config, no sign-in dialog.
    await page.getByRole('button', { name: 'Back up now' }).waitFor({ timeout: 30_000 });
    assert.equal(await page.getByRole('dialog').count(), 0, 'no sign-in in the desktop window');
    assert.ok(served.includes('/ui/') && served.some((p) => p.endsWith('.js')), served.join(' '));

    await page.getByRole('button', { name: 'Back up now' }).click();
    await page.locator('main').getByRole('progressbar', { name: 'progress' }).first().waitFor({ timeout: 20_000 });
    await page.getByTestId('summary').getByText('The routine is protected').waitFor({ timeout: 60_000 });
    assert.ok(events.includes('job-started') && events.includes('job-finished'), events.join(' '));
    assert.equal(service.catalog.list({ routine: 'daily' }).total, 1);

    // Settings: the desktop panel, no browser-only REST token card.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByRole('heading', { name: 'Desktop app' }).waitFor();
    assert.equal(await page.getByText('API token of this tab').count(), 0);
    await page.getByRole('switch', { name: /Start Tidemark when I log in/ }).check();
    await page.getByRole('textbox', { name: 'Port' }).fill('80');
    await page.getByText('ports below 1024 need administrator rights').waitFor();
    await page.getByRole('textbox', { name: 'Port' }).fill('9321');
    await page.getByRole('button', { name: 'Save desktop settings' }).click();
    await page.getByText('Desktop settings saved').waitFor();
    assert.equal(service.config.config.tidemark?.desktop?.['start-at-login'], true);
    assert.equal(service.config.config.service?.http?.port, 9321);
    await page.screenshot({ path: join(SHOTS, 'desktop-settings-light.png') });

    // S3 access keys typed in the Storage form: sealed by the keychain, shown masked, kept when
    // the entry is saved again without touching them.
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Storage', exact: true }).click();
    await page.getByRole('button', { name: 'Add storage' }).first().click();
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('cloud');
    await page.getByText('S3 bucket', { exact: true }).click();
    await page.getByRole('textbox', { name: 'Bucket', exact: true }).fill('backups');
    await page.getByRole('textbox', { name: 'Endpoint', exact: true }).fill('http://127.0.0.1:9');
    await page.getByRole('combobox', { name: 'Credentials', exact: true }).click();
    await page.getByRole('option', { name: 'Access keys (OS keychain)', exact: true }).click();
    await page.getByLabel('Access key ID', { exact: true }).fill('AKIAIOSFODNN7EXAMPLE');
    await page.getByRole('button', { name: 'Add storage' }).last().click();
    await page.getByText('give the secret access key').waitFor();
    await page.screenshot({ path: join(SHOTS, 'storage-keys-form-light.png') });
    await page.setViewportSize({ width: 1024, height: 700 });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(SHOTS, 'storage-keys-form-1024x700-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByLabel('Secret access key', { exact: true }).fill(secret);
    await page.getByRole('button', { name: 'Add storage' }).last().click();
    await page.getByRole('cell', { name: 'cloud', exact: true }).waitFor();
    const onDisk = (): { text: string; s3: Record<string, string> } => {
      const text = readFileSync(join(dir, 'config.json'), 'utf8');
      return { text, s3: (JSON.parse(text) as { storage: Record<string, { 's3-storage': Record<string, string> }> }).storage.cloud!['s3-storage'] };
    };
    let saved = onDisk();
    assert.ok(!saved.text.includes(secret) && !saved.text.includes('AKIAIOSFODNN7EXAMPLE'), 'no key in the config file');
    assert.ok(saved.s3['s3-secret-access-key']!.startsWith(KEYCHAIN_PREFIX), saved.s3['s3-secret-access-key']);
    assert.equal(saved.s3['s3-credentials-source'], 'static');
    assert.equal(service.config.config.storage.cloud?.['s3-storage']?.['s3-secret-access-key'], secret, 'the service opens it');
    await page.getByRole('button', { name: 'Edit cloud' }).click();
    assert.equal(await page.getByLabel('Secret access key', { exact: true }).inputValue(), '********', 'shown masked');
    await page.getByRole('textbox', { name: 'Region', exact: true }).fill('eu-west-1');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    saved = onDisk();
    assert.equal(saved.s3['s3-region'], 'eu-west-1');
    assert.equal(service.config.config.storage.cloud?.['s3-storage']?.['s3-secret-access-key'], secret, 'the masked value kept the stored key');

    assert.deepEqual(problems.filter((p) => /Content Security Policy|Refused to/.test(p)), [], 'the CSP blocks nothing the UI does');
    assert.deepEqual(problems, []);
    assert.deepEqual(elsewhere, []);
  } finally {
    stop();
    await context.close();
  }
});
