// The desktop app's main process and preload script, bundled with esbuild into dist/main/:
// main.mjs (ESM, node_modules and Electron left external: electron-builder packs the production
// dependencies, native modules rebuilt for Electron) and preload.cjs (CommonJS, everything
// inlined: a sandboxed preload can load nothing but `electron`).
import { build } from 'esbuild';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const root = new URL('..', import.meta.url).pathname;
const { values } = parseArgs({ options: { outdir: { type: 'string' } } });
const outdir = values.outdir ?? join(root, 'dist', 'main');
const common = { bundle: true, platform: 'node', target: 'node22', sourcemap: 'linked', logLevel: 'warning', absWorkingDir: root };

await Promise.all([
  build({
    ...common,
    entryPoints: { main: 'electron/main/main.ts' },
    outdir,
    outExtension: { '.js': '.mjs' },
    format: 'esm',
    packages: 'external',
    external: ['electron'],
    // ESM output still meets CommonJS dependencies that call require().
    banner: { js: "import { createRequire as __tidemarkRequire } from 'node:module'; const require = __tidemarkRequire(import.meta.url);" },
  }),
  build({ ...common, entryPoints: { preload: 'electron/main/preload.ts' }, outdir, outExtension: { '.js': '.cjs' }, format: 'cjs', external: ['electron'] }),
]);
console.log(`desktop: ${outdir}/main.mjs, preload.cjs`);
