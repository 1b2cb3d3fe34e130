/**
 * The CLI build (issue 13): scripts/build-cli.mjs bundles the CLI into a folder of its own here,
 * and the build must behave as the sources do — same version, same help, commands that work from
 * their lazily loaded chunks — while `--help` loads no command's implementation. bin's freshness
 * check (bin/fresh-build.mjs) runs the build only while nothing that went into it changed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { checkBuild, MANIFEST } from '../../bin/fresh-build.mjs';
import { appRoot } from '../../electron/core/app-root.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The sources, as bin runs them without a fresh build. */
const fromSources = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> => run(['bin/tidemark.mjs', ...args], { ...env, TIDEMARK_FROM_SOURCE: '1' });

/** The package a path inside node_modules belongs to. */
const packageOf = (path: string): string => /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/.exec(path)?.[1] ?? path;

interface Manifest {
  version: number;
  entry: string;
  root: string;
  inputs: Record<string, { size: number; mtimeMs: number; sha256: string }>;
  outputs: Record<string, { size: number }>;
}

interface Metafile {
  outputs: Record<string, { inputs: Record<string, unknown>; imports: Array<{ path: string; kind: string; external?: boolean }> }>;
}

describe('the CLI build (scripts/build-cli.mjs)', () => {
  let out: string;
  let manifestPath: string;
  let manifest: Manifest;
  let entry: string;
  let dir: string;
  /** The built CLI, started the way bin starts it: import the entry, call main(argv). */
  const fromBuild = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> =>
    run(['--input-type=module', '-e', 'const { main } = await import(process.argv[1]); process.exitCode = await main(process.argv);', entry, ...args], env);

  /** A copy of the manifest, changed by `edit`, next to the original (so its relative paths hold). */
  const variant = (name: string, edit: (m: Manifest) => void): string => {
    const m = structuredClone(manifest);
    edit(m);
    const path = join(out, name);
    writeFileSync(path, JSON.stringify(m));
    return path;
  };

  before(async () => {
    // Inside the package, so the bundle's imports of packages (left in node_modules) resolve.
    mkdirSync(join(ROOT, 'node_modules', '.cache'), { recursive: true });
    out = mkdtempSync(join(ROOT, 'node_modules', '.cache', 'tidemark-cli-build-test-'));
    dir = mkdtempSync(join(ROOT, 'node_modules', '.cache', 'tidemark-cli-build-config-'));
    const b = await run(['scripts/build-cli.mjs', '--outdir', out]);
    assert.equal(b.code, 0, b.stderr);
    manifestPath = join(out, MANIFEST);
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
    const check = checkBuild(manifestPath);
    assert.ok(check.fresh, check.fresh ? '' : check.reason);
    entry = check.entry;
  });
  after(() => {
    if (out) rmSync(out, { recursive: true, force: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the manifest lists the sources that went in, with their sizes and times, and the outputs', () => {
    assert.equal(entry, pathToFileURL(join(out, 'main.js')).href);
    for (const rel of ['electron/cli/main.ts', 'electron/cli/backup-command.ts', 'electron/cli/backup-action.ts', 'electron/core/version.ts', 'package.json', 'scripts/build-cli.mjs']) {
      const input = manifest.inputs[rel];
      assert.ok(input, `${rel} is listed`);
      const st = statSync(join(ROOT, rel));
      assert.equal(input.size, st.size, rel);
      assert.match(input.sha256, /^[0-9a-f]{64}$/);
    }
    // Packages stay in node_modules but for the few bundled ones, which stand in by their package.json.
    const packages = Object.keys(manifest.inputs).filter((p) => p.includes('node_modules/'));
    assert.ok(packages.every((p) => p.endsWith('/package.json')), packages.join(', '));
    assert.deepEqual(packages.map(packageOf).sort(), ['commander', 'fastify-type-provider-zod', 'yaml', 'zod']);
    assert.ok(manifest.outputs['main.js']);
    assert.ok(Object.keys(manifest.outputs).some((p) => /^chunks\/backup-action-\w+\.js$/.test(p)), 'the backup action is a chunk of its own');
  });

  test('--version prints what the sources print, as does bin answering it alone', async () => {
    const [built, src, bin, short] = await Promise.all([fromBuild(['--version']), fromSources(['--version']), run(['bin/tidemark.mjs', '--version']), run(['bin/tidemark.mjs', '-V'])]);
    assert.equal(built.code, 0, built.stderr);
    assert.equal(built.stdout, src.stdout);
    assert.equal(built.stdout.trim(), JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    for (const r of [bin, short]) assert.deepEqual(r, { code: 0, stdout: built.stdout, stderr: '' });
  });

  test('--help lists every command, exactly as the sources do', async () => {
    const [built, src] = await Promise.all([fromBuild(['--help']), fromSources(['--help'])]);
    assert.equal(built.code, 0, built.stderr);
    for (const cmd of ['demo', 'backup', 'restore', 'verify', 'ls', 'show', 'timeline', 'rm', 'register', 'examine', 'cp', 'merge', 'config', 'run', 'jobs', 'cancel', 'schedule', 'serve', 'profile', 'testbed']) {
      assert.match(built.stdout, new RegExp(`^  ${cmd} `, 'm'), cmd);
    }
    assert.equal(built.stdout, src.stdout);
  });

  test('--version and --help load commander and the definitions, no command implementation; each command is a chunk', () => {
    const meta = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8')) as Metafile;
    const key = (file: string): string => relative(ROOT, join(out, file)).split('\\').join('/');
    // What importing the entry loads: its static imports, transitively.
    const seen = new Set<string>();
    const packages = new Set<string>();
    const sources = new Set<string>();
    const visit = (output: string): void => {
      if (seen.has(output)) return;
      seen.add(output);
      for (const input of Object.keys(meta.outputs[output]!.inputs)) sources.add(input);
      for (const imp of meta.outputs[output]!.imports) {
        if (imp.kind !== 'import-statement') continue;
        if (imp.external) packages.add(imp.path);
        else visit(imp.path);
      }
    };
    visit(key('main.js'));
    assert.deepEqual([...packages].filter((p) => !p.startsWith('node:')), [], 'no package is imported from node_modules');
    assert.deepEqual([...new Set([...sources].filter((s) => s.includes('node_modules/')).map(packageOf))], ['commander']);
    assert.deepEqual([...sources].filter((s) => /-actions?\.ts$/.test(s)), [], 'no action module');
    // Of the core, only what the definitions print: the version and the default config path.
    assert.deepEqual([...sources].filter((s) => /^(electron\/core|shared)\//.test(s)).sort(), ['electron/core/service/paths.ts', 'electron/core/version.ts']);
    const lazy = meta.outputs[key('main.js')]!.imports.filter((i) => i.kind === 'dynamic-import').map((i) => i.path);
    assert.ok(lazy.some((p) => /chunks\/backup-action-\w+\.js$/.test(p)), lazy.join(', '));
  });

  test('commands work from their chunks: config set, show and validate; refusals and usage errors as from the sources', async () => {
    const env = { TIDEMARK_CONFIG: join(dir, 'config.json') };
    const set = await fromBuild(['config', 'set-storage', 'disk', '--path', 'backups'], env);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /^created storage 'disk' in /);
    const show = await fromBuild(['config', 'show', '--json'], env);
    assert.equal(show.code, 0, show.stderr);
    assert.deepEqual(JSON.parse(show.stdout).storage, { disk: { 'local-storage': { path: 'backups' } } });
    const valid = await fromBuild(['config', 'validate'], env);
    assert.equal(valid.code, 0, valid.stderr);
    assert.equal(valid.stdout, `${join(dir, 'config.json')}: valid\n`);

    for (const args of [
      ['config', 'delete', 'bogus', 'x'],
      ['jobs', '--status', 'bogus'],
      ['backup', '--cluster', '127.0.0.1:1', '--namespace', 'test', '--storage', dir, '--parallel', '0'],
      // The backup's own chunk, up to connecting: nothing listens on port 1.
      ['backup', '--cluster', '127.0.0.1:1', '--namespace', 'test', '--storage', join(dir, 'backups')],
    ]) {
      const [built, src] = await Promise.all([fromBuild(args, env), fromSources(args, env)]);
      assert.equal(built.code, src.code, args.join(' '));
      assert.notEqual(built.code, 0, args.join(' '));
      assert.equal(built.stderr, src.stderr, args.join(' '));
      assert.equal(built.stdout, src.stdout, args.join(' '));
    }
  });

  test('freshness: fresh as built; a changed, missing or touched-but-equal source, or a damaged output, is told apart', () => {
    assert.deepEqual(checkBuild(manifestPath), { fresh: true, entry });
    const rel = 'electron/cli/backup-action.ts';
    // An edit that kept the size: an older recorded time and other bytes.
    const edited = checkBuild(variant('edited.json', (m) => Object.assign(m.inputs[rel]!, { mtimeMs: m.inputs[rel]!.mtimeMs - 60_000, sha256: '0'.repeat(64) })));
    assert.deepEqual(edited, { fresh: false, reason: `${rel} changed` });
    const resized = checkBuild(variant('resized.json', (m) => (m.inputs[rel]!.size += 1)));
    assert.deepEqual(resized, { fresh: false, reason: `${rel} changed` });
    // A checkout or copy that only changed the time: the bytes are the ones bundled.
    assert.deepEqual(checkBuild(variant('touched.json', (m) => (m.inputs[rel]!.mtimeMs -= 60_000))), { fresh: true, entry });
    const gone = checkBuild(variant('gone.json', (m) => (m.inputs['electron/cli/no-such-file.ts'] = m.inputs[rel]!)));
    assert.deepEqual(gone, { fresh: false, reason: 'electron/cli/no-such-file.ts is gone' });
    const cut = checkBuild(variant('cut.json', (m) => (m.outputs['main.js']!.size -= 1)));
    assert.deepEqual(cut, { fresh: false, reason: 'build output main.js is changed' });
    assert.equal(checkBuild(join(out, 'no-manifest.json')).fresh, false);
    assert.equal(checkBuild(variant('old-format.json', (m) => (m.version = 0))).fresh, false);
  });

  test('appRoot() is the package root, from the sources as from the build', async () => {
    assert.equal(appRoot(), ROOT.replace(/\/$/, ''));
    // The build's `serve` and `demo` find dist/renderer/ and scripts/ through it, wherever the chunk holding it sits.
    const holder = Object.keys(manifest.outputs).find((p) => readFileSync(join(out, p), 'utf8').includes('function appRoot('));
    assert.ok(holder, 'appRoot is bundled');
    const code = `const m = await import(${JSON.stringify(pathToFileURL(join(out, holder)).href)}); console.log(Object.values(m).find((f) => typeof f === 'function' && String(f).includes('named \\"tidemark\\"'))());`;
    const r = await run(['--input-type=module', '-e', code]);
    assert.equal(r.code, 0, r.stderr);
    const root = r.stdout.trim();
    assert.equal(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).name, 'tidemark');
    // The package the build is in (the same as ROOT, unless node_modules is a link to elsewhere).
    assert.ok(realpathSync(out).startsWith(root + sep), `${root} holds ${realpathSync(out)}`);
  });
});
