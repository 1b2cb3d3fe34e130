/**
 * The UI with a large catalog (issue #11): `--backups N` (default 10,000) backups' metadata written
 * onto a local storage (bench/catalog.ts's generator: 10 routines), a config whose routines point
 * at it, a real `tidemark serve --port 0` child hosting the built UI, and Debian's Chromium
 * (playwright-core) opening the sign-in URL. For each screen — the dashboard (first load), the
 * catalog (scrolling the virtualised list end to end) and restore (choosing a routine, moving the
 * timeline cursor with the keyboard) — a `longtask` PerformanceObserver installed before any page
 * script reports the longest main-thread task and how many went over 200 ms.
 * Target: no long task over 200 ms on any screen. `--runs R` (default 3) repeats each screen in a
 * fresh page and reports the worst run. `--profile` prints each screen's top functions by self
 * time (first run; build with `node scripts/build.mjs --minify false` for readable names), and
 * TIDEMARK_BENCH_UI_DEBUG=1 the dashboard's long tasks next to its requests' timings.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium, type Page } from 'playwright-core';
import { writeBackups } from './catalog.js';
import { fmt } from './child.js';
import { bundleIsStale } from '../test/helpers/ui-bundle.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TOKEN = 'bench-ui-token-3c9e1f7a2b6d4e8f';
const TARGET_MS = 200;
const ROUTINES = 10;

interface LongTask {
  start: number;
  ms: number;
}

interface ScreenResult {
  name: string;
  longest: number;
  over: number;
  count: number;
  ms: number;
}

async function build(): Promise<void> {
  const child = spawn(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const code = await new Promise<number>((r) => child.on('exit', (c) => r(c ?? 1)));
  if (code !== 0) throw new Error('the UI bundle did not build');
}

function startServe(configPath: string): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, ['bin/tidemark.mjs', 'serve', '--port', '0', '--config', configPath, '--grace-ms', '2000'], { cwd: ROOT, env: { ...process.env, TIDEMARK_API_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tidemark serve did not start: ${out} ${err}`)), 60_000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, base: m[1]! });
      }
    });
    child.on('exit', (code) => reject(new Error(`tidemark serve exited (${code}): ${out} ${err}`)));
  });
}

// Runs in the page before its own scripts (a string: the page's DOM types are not this project's).
const OBSERVER = `
  window.__longtasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longtasks.push({ start: e.startTime, ms: e.duration });
  }).observe({ type: 'longtask', buffered: true });
`;

const now = (page: Page): Promise<number> => page.evaluate('performance.now()') as Promise<number>;
const tasksSince = async (page: Page, from: number): Promise<LongTask[]> => ((await page.evaluate('window.__longtasks')) as LongTask[]).filter((t) => t.start >= from);
/** Two animation frames and a quiet moment: what the last action started has finished. */
const settle = (page: Page, ms = 300): Promise<unknown> => page.evaluate(`new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, ${ms}))))`);

async function nav(page: Page, label: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true }).click();
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }; hitCount?: number }>;
  samples?: number[];
  timeDeltas?: number[];
}

/** With `--profile`: a CPU profile of each screen's actions, its top functions by self time printed. */
async function profiled<T>(page: Page, on: boolean, label: string, fn: () => Promise<T>): Promise<T> {
  if (!on) return fn();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  const value = await fn();
  const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: CpuProfile };
  await cdp.detach();
  const self = new Map<number, number>();
  (profile.samples ?? []).forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas?.[i] ?? 0) / 1000));
  const by = new Map<string, number>();
  for (const n of profile.nodes) {
    const f = n.callFrame;
    const where = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop() ?? ''}:${f.lineNumber + 1}:${f.columnNumber + 1}`;
    by.set(where, (by.get(where) ?? 0) + (self.get(n.id) ?? 0));
  }
  console.log(`  profile of ${label}, self time:`);
  for (const [where, ms] of [...by.entries()].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`    ${ms.toFixed(1).padStart(8)} ms  ${where}`);
  return value;
}

function result(name: string, tasks: LongTask[], ms: number): ScreenResult {
  return { name, longest: Math.max(0, ...tasks.map((t) => t.ms)), over: tasks.filter((t) => t.ms > TARGET_MS).length, count: tasks.length, ms };
}

/** Dashboard: the sign-in URL opened in a fresh page, until every routine card shows its backups. */
async function dashboard(page: Page, base: string, perRoutine: number): Promise<ScreenResult> {
  const t0 = Date.now();
  await page.goto(`${base}/ui/#token=${TOKEN}`);
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor({ timeout: 60_000 });
  await page.getByText(new RegExp(`^${fmt(perRoutine)} backups`)).first().waitFor({ timeout: 60_000 }).catch(async (e: unknown) => {
    await page.screenshot({ path: join(tmpdir(), 'tidemark-bench-ui-dashboard.png') });
    throw e;
  });
  await settle(page, 1000);
  if (process.env.TIDEMARK_BENCH_UI_DEBUG === '1') {
    console.log(JSON.stringify(await tasksSince(page, 0)));
    console.log(JSON.stringify(await page.evaluate("performance.getEntriesByType('resource').map((e) => [e.name.replace(/^.*\\/\\/[^/]+/, ''), Math.round(e.startTime), Math.round(e.responseEnd)])")));
  }
  return result('dashboard', await tasksSince(page, 0), Date.now() - t0);
}

/** Catalog: opened from the menu, the list scrolled to its end in steps and back to the top. */
async function catalog(page: Page): Promise<ScreenResult> {
  const from = await now(page);
  const t0 = Date.now();
  await nav(page, 'Catalog');
  const list = page.getByRole('listbox', { name: 'Backups' });
  await list.getByRole('option').first().waitFor({ timeout: 60_000 });
  await settle(page);
  await list.hover();
  for (let i = 0; i < 40; i++) {
    await page.mouse.wheel(0, 2000);
    await page.waitForTimeout(30);
  }
  // Jumps: the scrollbar dragged to the end and back.
  await list.evaluate((el) => (el.scrollTop = el.scrollHeight));
  await settle(page, 100);
  await list.evaluate((el) => (el.scrollTop = el.scrollHeight / 2));
  await settle(page, 100);
  await list.evaluate((el) => (el.scrollTop = 0));
  await settle(page);
  return result('catalog', await tasksSince(page, from), Date.now() - t0);
}

/** Restore: opened from the menu, another routine chosen, the cursor stepped with the keyboard. */
async function restore(page: Page): Promise<ScreenResult> {
  const from = await now(page);
  const t0 = Date.now();
  await nav(page, 'Restore');
  await page.getByRole('slider', { name: 'Restore time for routine r0' }).waitFor({ timeout: 60_000 });
  await settle(page);
  await page.getByRole('combobox', { name: 'Routine', exact: true }).click();
  await page.getByRole('option', { name: 'r3', exact: true }).click();
  const slider = page.getByRole('slider', { name: 'Restore time for routine r3' });
  await slider.waitFor({ timeout: 60_000 });
  await page.getByTestId('effective').waitFor();
  await settle(page);
  await slider.focus();
  await page.keyboard.press('Home');
  for (let i = 0; i < 15; i++) await page.keyboard.press('ArrowRight');
  await page.keyboard.press('End');
  for (let i = 0; i < 15; i++) await page.keyboard.press('ArrowLeft');
  await settle(page, 800);
  return result('restore', await tasksSince(page, from), Date.now() - t0);
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { backups: { type: 'string', default: '10000' }, runs: { type: 'string', default: '3' }, profile: { type: 'boolean', default: false } }, strict: false });
  const n = Number(values.backups);
  const runs = Number(values.runs);
  if (!Number.isInteger(n) || n < ROUTINES) throw new Error(`--backups must be an integer of at least ${ROUTINES}, got '${String(values.backups)}'`);
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium to run the UI benchmark`);
  if (bundleIsStale()) await build();
  const base = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'tidemark-bench-ui-'));
  let serve: ChildProcess | undefined;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  try {
    const root = join(base, 'storage');
    writeBackups(root, n);
    const configPath = join(base, 'config.json');
    const routines = Object.fromEntries(
      Array.from({ length: ROUTINES }, (_, i) => [`r${i}`, { 'source-cluster': 'bench', storage: 'bench', 'backup-policy': 'default', 'interval-cron': '@yearly', 'incr-interval-cron': '0 0 1 1 *', namespaces: ['test'] }]),
    );
    const config = {
      // Nothing listens here: the screens measured never connect to the cluster.
      'aerospike-clusters': { bench: { 'seed-nodes': [{ 'host-name': '127.0.0.1', port: 1 }] } },
      storage: { bench: { 'local-storage': { path: root } } },
      'backup-policies': { default: { parallel: 1 } },
      'backup-routines': routines,
    };
    writeFileSync(configPath, JSON.stringify(config, null, 2));
    const started = await startServe(configPath);
    serve = started.child;
    // The first catalog listing indexes the storage; done once here so the screens measure the UI.
    const t0 = Date.now();
    const res = await fetch(`${started.base}/v1/catalog/backups?limit=1&refresh=true`, { headers: { authorization: `Bearer ${TOKEN}` } });
    if (!res.ok) throw new Error(`GET /v1/catalog/backups: ${res.status} ${await res.text()}`);
    const total = ((await res.json()) as { total: number }).total;
    if (total !== n) throw new Error(`the catalog lists ${total} backups, expected ${n}`);
    const indexedMs = Date.now() - t0;
    const t1 = Date.now();
    const all = await fetch(`${started.base}/v1/catalog/backups`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const body = await all.text();
    console.log(`UI benchmark: ${fmt(n)} backups (${ROUTINES} routines) on one local storage, catalog indexed in ${fmt(indexedMs)} ms; the whole listing over HTTP: ${all.status}, ${fmt(body.length / 1024)} KiB in ${fmt(Date.now() - t1)} ms; worst of ${runs} runs per screen`);

    const worst = new Map<string, ScreenResult>();
    for (let r = 0; r < runs; r++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      await context.addInitScript({ content: OBSERVER });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      const prof = values.profile === true && r === 0;
      const results = [
        await profiled(page, prof, 'dashboard', () => dashboard(page, started.base, Math.floor(n / ROUTINES))),
        await profiled(page, prof, 'catalog', () => catalog(page)),
        await profiled(page, prof, 'restore', () => restore(page)),
      ];
      for (const res of results) {
        const w = worst.get(res.name);
        if (!w || res.longest > w.longest) worst.set(res.name, res);
      }
      await context.close();
      if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
    }
    for (const w of worst.values()) {
      console.log(
        `  ${w.name.padEnd(10)} longest task ${fmt(w.longest).padStart(5)} ms   ${w.over} over ${TARGET_MS} ms (of ${w.count} long tasks)   target: none over ${TARGET_MS} ms: ${w.over === 0 ? 'met' : 'MISSED'}`,
      );
    }
  } finally {
    await browser.close();
    if (serve && serve.exitCode === null) {
      serve.kill('SIGTERM');
      await new Promise((r) => serve!.once('exit', r));
    }
    rmSync(base, { recursive: true, force: true });
  }
}
