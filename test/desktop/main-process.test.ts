/**
 * A smoke test of the real desktop main process: scripts/build-desktop.mjs bundles
 * electron/main/main.ts as it ships, and a child `node` runs that bundle with 'electron'
 * resolved to a fake (fixtures/fake-electron/: the fake, a resolve hook, and a driver that plays
 * the OS and the renderer). Electron itself cannot run here, but everything main.ts wires
 * together does: the single-instance lock, the IPC contract and who may call it, the app scheme
 * serving a renderer bundle with its CSP, the window's hardening and close-to-tray, the tray,
 * the REST server on the config's port, settings changes reaching the window and the REST
 * server, and a clean quit (exit code 0, state database closed).
 *
 * The bundle finds its package root by walking up to a package.json named "tidemark"
 * (electron/core/app-root.ts), so it is built into a temporary app folder laid out as the
 * packaged app: package.json, dist/main/, dist/renderer/ (a small bundle written here), assets/
 * and node_modules/ (links to this checkout's).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { IPC_CALLS, IPC_EVENT_CHANNEL, callChannel } from '../../shared/ipc/channels.js';
import { CONTENT_SECURITY_POLICY } from '../../electron/main/window/security.js';
import { QUIT_PREFIX, REPORT_PREFIX } from './fixtures/fake-electron/report.js';
import { freePort } from '../helpers/loopback.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const REGISTER = pathToFileURL(join(ROOT, 'test', 'desktop', 'fixtures', 'fake-electron', 'register.ts')).href;
const PACKAGE_VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
/** Generous: the child starts, checks and quits in a few seconds; this only turns a hang into a failure. */
const CHILD_DEADLINE_MS = 90_000;
const BUNDLE_MARKER = '<meta name="tidemark-test-bundle">';

let tmp: string;
let appDir: string;

interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  report: Record<string, unknown> | undefined;
  quit: Record<string, unknown> | undefined;
}

/** Runs the bundle in a child with the fake electron; resolves once the child has exited. */
function runMain(o: { userData: string; scenario: string; args?: string[]; env?: Record<string, string> }): Promise<ChildRun> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    // Nothing of the machine's Tidemark settings, nor of this test runner, reaches the app.
    if (k.startsWith('TIDEMARK_') || k.startsWith('NODE_TEST') || k === 'NODE_OPTIONS' || k === 'APPIMAGE') continue;
    env[k] = v;
  }
  Object.assign(env, {
    FAKE_ELECTRON_USER_DATA: o.userData,
    FAKE_ELECTRON_SCENARIO: o.scenario,
    FAKE_ELECTRON_APP_VERSION: PACKAGE_VERSION,
    TIDEMARK_COMMIT: 'fake0commit',
    ...o.env,
  });
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', REGISTER, join(appDir, 'dist', 'main', 'main.mjs'), ...(o.args ?? [])], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolvePromise, reject) => {
    const deadline = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the main process did not exit within ${CHILD_DEADLINE_MS} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, CHILD_DEADLINE_MS);
    child.once('error', (err) => {
      clearTimeout(deadline);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(deadline);
      const line = (prefix: string): Record<string, unknown> | undefined => {
        const l = stdout.split('\n').find((x) => x.startsWith(prefix));
        return l ? (JSON.parse(l.slice(prefix.length)) as Record<string, unknown>) : undefined;
      };
      resolvePromise({ code, signal, stdout, stderr, report: line(REPORT_PREFIX), quit: line(QUIT_PREFIX) });
    });
  });
}

function describeRun(r: ChildRun): string {
  return `exit ${r.code ?? r.signal}\nstdout:\n${r.stdout.slice(0, 4000)}\nstderr:\n${r.stderr.slice(0, 4000)}`;
}

function userDataWith(name: string, config: unknown): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  return dir;
}

/** Log lines at error level or above (pino: 50 error, 60 fatal) in the data folder's logs. */
function errorLogLines(userData: string): string[] {
  const logs = join(userData, 'logs');
  if (!existsSync(logs)) return [];
  const out: string[] = [];
  for (const f of readdirSync(logs)) {
    for (const line of readFileSync(join(logs, f), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const level = (JSON.parse(line) as { level?: number }).level ?? 0;
      if (level >= 50) out.push(line);
    }
  }
  return out;
}

/** A clean close of the state database leaves no write-ahead log behind. */
function assertDatabaseClosed(userData: string): void {
  assert.ok(existsSync(join(userData, 'state.db')), 'the state database was created');
  assert.ok(!existsSync(join(userData, 'state.db-wal')), 'state.db-wal left behind: the database was not closed');
  assert.ok(!existsSync(join(userData, 'state.db-shm')), 'state.db-shm left behind: the database was not closed');
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'tidemark-main-process-'));
  appDir = join(tmp, 'app');
  mkdirSync(join(appDir, 'dist', 'renderer', 'assets'), { recursive: true });
  writeFileSync(join(appDir, 'package.json'), `${JSON.stringify({ name: 'tidemark', version: PACKAGE_VERSION, private: true, type: 'module' }, null, 2)}\n`);
  symlinkSync(join(ROOT, 'node_modules'), join(appDir, 'node_modules'), 'dir');
  symlinkSync(join(ROOT, 'assets'), join(appDir, 'assets'), 'dir');
  writeFileSync(join(appDir, 'dist', 'renderer', 'index.html'), `<!doctype html>${BUNDLE_MARKER}<title>Tidemark</title>\n`);
  writeFileSync(join(appDir, 'dist', 'renderer', 'assets', 'app.js'), 'export const fromTheTestBundle = 1;\n');
  await promisify(execFile)(process.execPath, [join(ROOT, 'scripts', 'build-desktop.mjs'), '--outdir', join(appDir, 'dist', 'main')], { cwd: ROOT });
});

after(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('the build writes the main bundle and the preload script', () => {
  for (const f of ['main.mjs', 'preload.cjs']) assert.ok(statSync(join(appDir, 'dist', 'main', f)).size > 0, f);
  const main = readFileSync(join(appDir, 'dist', 'main', 'main.mjs'), 'utf8');
  assert.match(main, /from "electron"/, "'electron' stays external");
  // The preload is self-contained: nothing but electron may be required in a sandboxed preload.
  const requires = [...readFileSync(join(appDir, 'dist', 'main', 'preload.cjs'), 'utf8').matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
  assert.deepEqual([...new Set(requires)], ['electron']);
});

describe('a normal start (window shown, REST server on)', () => {
  let run: ChildRun;
  let report: Record<string, unknown>;
  let userData: string;
  let port: number;

  before(async () => {
    port = await freePort();
    userData = userDataWith('user-data-default', { service: { http: { port } } });
    run = await runMain({ userData, scenario: 'default' });
    assert.ok(run.report, `no report from the driver\n${describeRun(run)}`);
    report = run.report;
  });

  test('quits cleanly: exit code 0, no error output, the state database closed, no error logged', () => {
    assert.equal(run.code, 0, describeRun(run));
    assert.equal(run.stderr, '', describeRun(run));
    assert.ok(run.quit, 'the quit event was emitted');
    assertDatabaseClosed(userData);
    assert.deepEqual(errorLogLines(userData), []);
  });

  test('asks for the single-instance lock once', () => {
    assert.equal(report.singleInstanceLockRequests, 1);
  });

  test('registers exactly the IPC contract’s channels', () => {
    assert.deepEqual(report.channels, IPC_CALLS.map(callChannel).sort());
    assert.equal((report.channels as string[]).length, IPC_CALLS.length);
    // No send/sendSync listener besides electron-store's own (it hands its data folder and version to a renderer that asks).
    assert.deepEqual(report.ipcListeners, ['electron-store-get-data']);
  });

  test('answers IPC for the app’s top frame only, and validates input', () => {
    const ipc = report.ipc as Record<string, { ok: boolean; value?: Record<string, unknown>; error?: { status: number; issues: Array<{ path: unknown[] }> } }>;
    assert.equal(ipc.versionTrusted?.ok, true, JSON.stringify(ipc.versionTrusted));
    assert.equal(ipc.versionTrusted?.value?.version, PACKAGE_VERSION);
    assert.equal(ipc.versionTrusted?.value?.commit, 'fake0commit');
    for (const k of ['versionOtherOrigin', 'versionSubframe', 'versionNoFrame']) {
      assert.equal(ipc[k]?.ok, false, k);
      assert.equal(ipc[k]?.error?.status, 403, k);
    }
    assert.equal(ipc.createEntryBad?.ok, false);
    assert.equal(ipc.createEntryBad?.error?.status, 400);
    assert.deepEqual(ipc.createEntryBad?.error?.issues[0]?.path, ['input', 'section']);
    assert.deepEqual(ipc.desktopSettings?.value?.['rest-port'], port, 'the settings show the config’s port');
  });

  test('serves the renderer bundle on tidemark://app/ui/ with the CSP, nothing outside it', () => {
    assert.deepEqual(report.privilegedSchemes, [{ scheme: 'tidemark', privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } }]);
    assert.deepEqual(report.handledSchemes, ['tidemark']);
    const p = report.protocol as Record<string, { status: number; contentType: string | null; csp: string | null; nosniff: string | null; body: string }>;
    for (const k of ['entry', 'route']) {
      assert.equal(p[k]?.status, 200, k);
      assert.match(p[k]?.contentType ?? '', /^text\/html/, k);
      assert.equal(p[k]?.csp, CONTENT_SECURITY_POLICY, k);
      assert.equal(p[k]?.nosniff, 'nosniff', k);
      assert.ok(p[k]?.body.includes(BUNDLE_MARKER), `${k}: not the bundle's index.html`);
    }
    assert.equal(p.asset?.status, 200);
    assert.match(p.asset?.contentType ?? '', /^text\/javascript/);
    assert.equal(p.asset?.csp, CONTENT_SECURITY_POLICY);
    assert.match(p.asset?.body ?? '', /fromTheTestBundle/);
    assert.equal(p.missingAsset?.status, 404);
    assert.equal(p.traversal?.status, 404);
    assert.ok(!p.traversal?.body.includes('"name"'), 'package.json leaked');
    assert.equal(p.otherHost?.status, 404);
  });

  test('refuses every permission', () => {
    const perms = report.permissions as Record<string, unknown>;
    assert.ok(Object.keys(perms).length > 5);
    for (const [k, v] of Object.entries(perms)) assert.equal(v, false, k);
  });

  test('creates one sandboxed, context-isolated window with the bundled preload, shown when ready', () => {
    assert.equal(report.windowsAtStart, 1);
    const before = report.windowBeforeReadyToShow as { options: { show: boolean; webPreferences: Record<string, unknown> }; loadedUrls: string[]; visible: boolean };
    const wp = before.options.webPreferences;
    assert.equal(wp.sandbox, true);
    assert.equal(wp.contextIsolation, true);
    assert.equal(wp.nodeIntegration, false);
    assert.equal(wp.webSecurity, true);
    assert.equal(wp.preload, join(appDir, 'dist', 'main', 'preload.cjs'));
    assert.ok(String(wp.preload).endsWith('preload.cjs') && existsSync(String(wp.preload)), 'the preload exists');
    assert.deepEqual(before.loadedUrls, ['tidemark://app/ui/']);
    assert.equal(before.visible, false, 'not shown before it is ready (no white flash)');
    assert.equal((report.windowAfterReadyToShow as { visible: boolean }).visible, true);
  });

  test('hardens the window’s contents: app navigation only, https to the browser, no webviews', () => {
    assert.deepEqual(report.navigation, {
      app: true,
      https: false,
      file: false,
      http: false,
      openHttps: 'deny',
      openApp: 'deny',
      webview: false,
      openedExternally: ['https://aerospike.com/docs/', 'https://github.com/'],
    });
  });

  test('closing the window hides it to the tray; a second start shows it again', () => {
    assert.deepEqual({ visible: (report.afterClose as { visible: boolean }).visible, destroyed: (report.afterClose as { destroyed: boolean }).destroyed }, { visible: false, destroyed: false });
    const again = report.afterSecondInstance as { visible: boolean; destroyed: boolean; windows: number };
    assert.deepEqual({ visible: again.visible, destroyed: again.destroyed, windows: again.windows }, { visible: true, destroyed: false, windows: 1 });
  });

  test('shows the tray with an image from assets/tray/', () => {
    assert.equal(report.trays, 1);
    const images = report.trayImages as string[];
    assert.ok(images.length >= 1);
    for (const img of images) {
      assert.ok(img.startsWith(join(appDir, 'assets', 'tray') + sep), img);
      assert.ok(existsSync(img), `${img} does not exist`);
    }
    assert.equal(typeof report.trayTooltip, 'string');
    assert.ok((report.trayMenuLabels as string[]).some((l) => /quit/i.test(l)), 'the tray menu has Quit');
  });

  test('the REST server listens on the config’s port', () => {
    assert.deepEqual(report.rest, { port, health: { status: 200, body: 'Ok' } });
  });

  test('a settings change reaches the window as config-changed, and turning the REST server off closes its port', () => {
    const update = report.update as { answer: { ok: boolean; value?: Record<string, unknown> }; sent: Array<{ channel: string; args: unknown[] }>; restAfter: string };
    assert.equal(update.answer.ok, true);
    assert.equal(update.answer.value?.['rest-server'], false);
    assert.ok(
      update.sent.some((m) => m.channel === IPC_EVENT_CHANNEL && JSON.stringify(m.args) === JSON.stringify([{ type: 'config-changed' }])),
      JSON.stringify(update.sent),
    );
    assert.ok(update.sent.every((m) => m.channel === IPC_EVENT_CHANNEL));
    assert.equal(update.restAfter, 'ECONNREFUSED');
    // Written through electron-store to the config file.
    const config = JSON.parse(readFileSync(join(userData, 'config.json'), 'utf8')) as { tidemark?: { desktop?: Record<string, unknown> }; service?: unknown };
    assert.equal(config.tidemark?.desktop?.['rest-server'], false);
    assert.deepEqual(config.service, { http: { port } });
  });

  test('quitting takes everything down: window, tray, IPC handlers, power and theme listeners', () => {
    assert.deepEqual(run.quit, { windowsDestroyed: true, traysDestroyed: true, handlersLeft: [], powerListeners: 0, themeListeners: 0, quitCalls: 2 });
  });

  test('not packaged: the login item is left alone', () => {
    assert.deepEqual(report.loginItemSettingsSet, []);
  });
});

describe('a start at login (--hidden, REST server off)', () => {
  let run: ChildRun;
  let report: Record<string, unknown>;
  let userData: string;

  before(async () => {
    userData = userDataWith('user-data-hidden', { tidemark: { desktop: { 'rest-server': false } } });
    run = await runMain({ userData, scenario: 'hidden', args: ['--hidden'] });
    assert.ok(run.report, `no report from the driver\n${describeRun(run)}`);
    report = run.report;
  });

  test('quits cleanly', () => {
    assert.equal(run.code, 0, describeRun(run));
    assert.equal(run.stderr, '', describeRun(run));
    assertDatabaseClosed(userData);
    assert.deepEqual(errorLogLines(userData), []);
  });

  test('no window and no REST server at start, but the tray and IPC are there', () => {
    assert.deepEqual(report.argv, ['--hidden']);
    assert.equal(report.windowsAtStart, 0);
    assert.equal(report.serversCreated, 0);
    assert.equal(report.trays, 1);
    assert.deepEqual(report.channels, IPC_CALLS.map(callChannel).sort());
    assert.ok(!existsSync(join(userData, 'api-token')), 'no API token is made while the REST server is off');
  });

  test('opening Tidemark again shows the window', () => {
    assert.equal(report.windowsAfterSecondInstance, 1);
    const w = report.windowAfterReadyToShow as { loadedUrls: string[]; visible: boolean };
    assert.deepEqual(w.loadedUrls, ['tidemark://app/ui/']);
    assert.equal(w.visible, true);
  });
});

test('a second instance leaves at once without opening anything', async () => {
  const userData = userDataWith('user-data-second', {});
  const run = await runMain({ userData, scenario: 'second-instance', env: { FAKE_ELECTRON_SECOND_INSTANCE: '1' } });
  assert.equal(run.code, 0, describeRun(run));
  assert.equal(run.stderr, '', describeRun(run));
  assert.equal(run.report, undefined, 'the app did not start');
  assert.deepEqual(run.quit, { windowsDestroyed: true, traysDestroyed: true, handlersLeft: [], powerListeners: 0, themeListeners: 0, quitCalls: 1 });
  assert.ok(!existsSync(join(userData, 'state.db')), 'the state database of the running instance is not touched');
});
