// `npm run build`: the renderer's production bundle into dist/renderer/ (vite) and its size, then
// the desktop app's main process and preload into dist/main/ (scripts/build-desktop.mjs) and the
// CLI into dist/cli/ (scripts/build-cli.mjs), which bin/tidemark.mjs runs while it is fresh.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'dist', 'renderer');
const vite = join(root, 'node_modules', '.bin', 'vite');

const code = await new Promise((resolve) => {
  const child = spawn(vite, ['build', '--config', 'renderer/vite.config.ts', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
  child.on('exit', (c, signal) => resolve(signal ? 1 : (c ?? 1)));
});
if (code !== 0) process.exit(code);

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
let total = 0;
let gz = 0;
for (const f of files(out).sort()) {
  const size = statSync(f).size;
  const g = /\.(js|css|html|svg)$/.test(f) ? gzipSync(readFileSync(f)).length : size;
  total += size;
  gz += g;
}
console.log(`bundle: ${relative(root, out)}/ — ${kb(total)} (${kb(gz)} gzipped) in ${files(out).length} files`);

for (const script of ['build-desktop.mjs', 'build-cli.mjs']) {
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'scripts', script)], { cwd: root, stdio: 'inherit' });
    child.on('exit', (c, signal) => resolve(signal ? 1 : (c ?? 1)));
  });
  if (code !== 0) process.exit(code);
}
