/**
 * electron-builder.yml checked with electron-builder's own validation (the schema it refuses a
 * build with), and what it must say for the app to work once packed: the entry the package.json
 * names is what the desktop build writes, native modules stay outside the asar, the fuses turn
 * off RunAsNode and Node's CLI options, and every icon it references exists. `npm run
 * check:packaging` (run by CI) goes further and packs the app with a stand-in Electron binary.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

const root = fileURLToPath(new URL('../../', import.meta.url));
const require = createRequire(import.meta.url);
const config = YAML.parse(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as Record<string, unknown> & {
  files: string[];
  asarUnpack: string[];
  electronFuses: Record<string, boolean>;
  linux: { icon: string; target: string[] };
  mac: { icon: string; target: string[] };
  win: { icon: string; target: string[] };
};
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main: string; productName: string; scripts: Record<string, string>; dependencies: Record<string, string> };

test('electron-builder accepts the configuration (its own schema validation)', async () => {
  const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as { validateConfiguration(c: unknown, l: unknown): Promise<void> };
  const { DebugLogger } = require('builder-util/out/DebugLogger.js') as { DebugLogger: new (enabled: boolean) => unknown };
  await validateConfiguration(structuredClone(config), new DebugLogger(false));
  // The validation is real: a misspelt option is refused.
  await assert.rejects(validateConfiguration({ ...structuredClone(config), asarUnpak: ['x'] }, new DebugLogger(false)), /asarUnpak|Invalid configuration/);
});

test('the packaged entry is what the desktop build writes, and the product name matches the data folder', () => {
  assert.equal(pkg.main, 'dist/main/main.mjs');
  assert.match(readFileSync(join(root, 'scripts', 'build-desktop.mjs'), 'utf8'), /outExtension: \{ '\.js': '\.mjs' \}/);
  assert.ok(config.files.some((f) => f === 'dist/main/**'));
  assert.ok(config.files.some((f) => f === 'dist/renderer/**'));
  assert.ok(config.files.some((f) => f === 'assets/tray/**'));
  // The CLI and the desktop app share one data folder: Electron names it after productName.
  assert.equal(pkg.productName, 'Tidemark');
  assert.equal(config.productName, 'Tidemark');
  assert.match(readFileSync(join(root, 'electron', 'core', 'service', 'paths.ts'), 'utf8'), /'Tidemark'/);
  assert.match(pkg.scripts.dist ?? '', /build\.mjs && electron-builder/);
});

test('native modules are unpacked from the asar and rebuilt for Electron', () => {
  for (const m of ['aerospike', 'better-sqlite3', 'zstd-napi']) {
    assert.ok(pkg.dependencies[m], `${m} is a production dependency`);
    assert.ok(config.asarUnpack.some((p) => p.includes(`node_modules/${m}/`)), `${m} unpacked`);
  }
  assert.ok(config.asarUnpack.includes('**/*.node'));
  assert.equal(config.asar, true);
  assert.equal(config.npmRebuild, true);
});

test('the fuses turn the packaged app into nothing but Tidemark', () => {
  assert.equal(config.electronFuses.runAsNode, false);
  assert.equal(config.electronFuses.enableNodeOptionsEnvironmentVariable, false);
  assert.equal(config.electronFuses.enableNodeCliInspectArguments, false);
  assert.equal(config.electronFuses.onlyLoadAppFromAsar, true);
  assert.equal(config.electronFuses.enableEmbeddedAsarIntegrityValidation, true);
  assert.equal(config.electronFuses.grantFileProtocolExtraPrivileges, false);
});

test('every platform has its targets and its icon, and the icons exist', () => {
  assert.deepEqual(config.linux.target, ['AppImage', 'deb']);
  assert.deepEqual(config.mac.target, ['dmg']);
  assert.deepEqual(config.win.target, ['nsis']);
  assert.ok(existsSync(join(root, config.mac.icon)), config.mac.icon);
  assert.ok(existsSync(join(root, config.win.icon)), config.win.icon);
  for (const size of [16, 32, 48, 64, 128, 256, 512]) assert.ok(existsSync(join(root, config.linux.icon, `${size}x${size}.png`)), `${size}px`);
});
