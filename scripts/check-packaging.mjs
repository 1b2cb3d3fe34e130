// `npm run check:packaging`: runs electron-builder --dir for Linux as far as it goes without the
// Electron binary (which these machines cannot download): a stand-in "Electron distribution"
// takes the binary's place, native modules are not rebuilt and the fuses are not flipped (both
// need the real binary or its headers). Everything else is electron-builder's real work — its
// schema validation, the file selection, the asar archive, asarUnpack and its own sanity check
// that the package.json entry exists in the archive — and then this script checks what landed:
// the main process, preload, UI and tray icons inside app.asar, the three native modules
// unpacked beside it, and nothing that should have been left out. Needs `npm run build` first.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';

const root = new URL('..', import.meta.url).pathname;
const require = createRequire(import.meta.url);
const work = mkdtempSync(join(tmpdir(), 'tidemark-pack-'));
const fail = (msg) => {
  console.error(`check:packaging FAILED: ${msg}`);
  process.exitCode = 1;
};

try {
  for (const f of ['dist/main/main.mjs', 'dist/main/preload.cjs', 'dist/renderer/index.html']) {
    if (!existsSync(join(root, f))) throw new Error(`${f} is missing: run \`npm run build\` first`);
  }
  const electronVersion = JSON.parse(readFileSync(join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version;
  const dist = join(work, 'electron-dist');
  mkdirSync(dist);
  writeFileSync(join(dist, 'electron'), '#!/bin/sh\necho "stand-in for the Electron binary"\n');
  chmodSync(join(dist, 'electron'), 0o755);
  writeFileSync(join(dist, 'version'), electronVersion);

  const config = YAML.parse(readFileSync(join(root, 'electron-builder.yml'), 'utf8'));
  delete config.electronFuses;
  Object.assign(config, { electronDist: dist, electronVersion, npmRebuild: false, directories: { ...config.directories, output: join(work, 'out') } });
  const configFile = join(work, 'electron-builder.yml');
  writeFileSync(configFile, YAML.stringify(config));

  const r = spawnSync(join(root, 'node_modules', '.bin', 'electron-builder'), ['--dir', '--linux', '--x64', '--config', configFile], { cwd: root, encoding: 'utf8' });
  const log = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => !l.includes('duplicate dependency references')).join('\n');
  if (r.status !== 0) throw new Error(`electron-builder --dir exited ${r.status}:\n${log}`);

  const resources = join(work, 'out', 'linux-unpacked', 'resources');
  const asar = require('@electron/asar');
  const inArchive = new Set(asar.listPackage(join(resources, 'app.asar')).map((p) => p.replaceAll('\\', '/')));
  for (const f of ['/package.json', '/dist/main/main.mjs', '/dist/main/preload.cjs', '/dist/renderer/index.html', '/assets/tray/idle-light.png', '/assets/icon.png']) {
    if (!inArchive.has(f)) fail(`${f} is not in app.asar`);
  }
  const packed = JSON.parse(asar.extractFile(join(resources, 'app.asar'), 'package.json').toString('utf8'));
  if (packed.main !== 'dist/main/main.mjs') fail(`package.json main is ${packed.main}`);
  for (const m of ['aerospike', 'better-sqlite3', 'zstd-napi']) {
    if (!existsSync(join(resources, 'app.asar.unpacked', 'node_modules', m, 'package.json'))) fail(`${m} is not unpacked beside the archive`);
  }
  const unwanted = [...inArchive].filter((p) => /\/node_modules\/(tsx|esbuild|@esbuild|react|react-dom|@mantine|typescript|vite|electron)\//.test(p) || /\.map$/.test(p));
  if (unwanted.length) fail(`left out on purpose, yet packed: ${unwanted.slice(0, 5).join(', ')}${unwanted.length > 5 ? ` and ${unwanted.length - 5} more` : ''}`);
  const bindings = join(resources, 'app.asar.unpacked', 'node_modules', 'aerospike', 'lib', 'binding');
  if (existsSync(bindings) && readdirSync(bindings).some((d) => d.startsWith('node-v'))) fail('the Aerospike client\'s plain-Node bindings were packed');
  if (!process.exitCode) console.log(`check:packaging ok: electron-builder --dir (Electron ${electronVersion}, stand-in binary) packed ${inArchive.size} entries; main, preload, UI, tray icons in app.asar; aerospike, better-sqlite3, zstd-napi unpacked`);
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
} finally {
  rmSync(work, { recursive: true, force: true });
}
