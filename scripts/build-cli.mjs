// `node scripts/build-cli.mjs [--outdir DIR]`: the CLI bundled for a fast start (issue 13) into
// dist/cli/ — electron/cli/main.ts and the sources it imports as ESM for Node 20, each lazily
// imported command in its own chunk so `--version`, `--help` and every command load only what
// they use. Packages stay in node_modules (native addons, the AWS SDK, fastify, SQLite: loaded
// only by the commands that need them), except the few pure-JavaScript ones nearly every start
// loads (BUNDLED): from node_modules they cost ~100 ms of module loading on a backup — zod alone
// is 95 files, 64 of them locales — bundled a few ms. build.json records every file that went in
// (size, modification time, SHA-256 of the bytes bundled) and every output; bin/tidemark.mjs runs
// the build only while all of them are unchanged (bin/fresh-build.mjs), the sources through tsx
// otherwise. meta.json is esbuild's metafile (what each chunk imports), for analysis. An --outdir
// must sit inside this package (node_modules/.cache/… is fine) so the bundle's imports of
// packages still resolve.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { build } from 'esbuild';
import { MANIFEST, MANIFEST_VERSION } from '../bin/fresh-build.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { outdir: { type: 'string', default: join(root, 'dist', 'cli') } } });
const outdir = resolve(values.outdir);
if (relative(root, outdir).startsWith('..') || isAbsolute(relative(root, outdir)) || outdir === root) {
  console.error(`build-cli: --outdir must be a folder inside ${root} (packages are resolved from there), got ${outdir}`);
  process.exit(2);
}
// The folder is emptied first: only when it holds a previous build, or nothing.
if (existsSync(outdir) && readdirSync(outdir).length > 0 && !existsSync(join(outdir, MANIFEST)) && !existsSync(join(outdir, 'main.js'))) {
  console.error(`build-cli: ${outdir} is not empty and holds no CLI build: give another --outdir`);
  process.exit(2);
}
const started = performance.now();

/**
 * Bundled rather than imported from node_modules. fastify-type-provider-zod comes along so that
 * `serve` has one zod, the bundled one. Anything added here must be plain JavaScript that reads
 * no files of its own at run time.
 */
const BUNDLED = new Set(['commander', 'yaml', 'zod', 'fastify-type-provider-zod']);
const packageOf = (spec) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');
const externals = {
  name: 'externals',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => (args.kind === 'entry-point' || BUNDLED.has(packageOf(args.path)) ? undefined : { path: args.path, external: true }));
  },
};

// The files the build depends on besides the bundled sources: a change to one makes it stale too.
const EXTRA = ['scripts/build-cli.mjs', 'tsconfig.json'];
const LOADERS = { '.ts': 'ts', '.mts': 'ts', '.tsx': 'tsx', '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.json': 'json' };

/**
 * A file's bytes and what the manifest records of them. The time is taken before reading: an edit
 * in between leaves a time older than the file's, so the next check hashes the file and finds the
 * bytes that were bundled (fresh) or not (stale); never a current time with older bytes.
 */
function readWithFingerprint(path) {
  const { mtimeMs } = statSync(path);
  const bytes = readFileSync(path);
  return { bytes, fingerprint: { size: bytes.length, mtimeMs, sha256: createHash('sha256').update(bytes).digest('hex') } };
}

// Every source esbuild bundles is read here, so the manifest holds the bytes that went in.
const read = new Map();
const recordInputs = {
  name: 'record-inputs',
  setup(b) {
    b.onLoad({ filter: /\.([cm]?[jt]sx?|json)$/ }, (args) => {
      const loader = LOADERS[extname(args.path)];
      if (!loader || args.namespace !== 'file') return undefined;
      const { bytes, fingerprint } = readWithFingerprint(args.path);
      read.set(args.path, fingerprint);
      return { contents: bytes, loader };
    });
  },
};

// A bin that starts during the build finds no manifest and runs the sources.
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { main: 'electron/cli/main.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunks/[name]-[hash]',
  // commander and yaml are CommonJS: their require() of Node's modules needs one in ESM.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  sourcemap: 'linked',
  sourcesContent: false,
  metafile: true,
  plugins: [externals, recordInputs],
  logLevel: 'warning',
});

// Our sources one by one; a bundled package by its package.json, which an install or an update
// rewrites (its version, when it changed): a few stats instead of its hundreds of files.
const inputs = {};
const packages = new Set();
for (const rel of Object.keys(result.metafile.inputs).sort()) {
  const abs = resolve(root, rel);
  const fp = read.get(abs);
  if (!fp) throw new Error(`build-cli: ${rel} was bundled but not read through record-inputs (not a .ts/.js/.json file?)`);
  const path = relative(root, abs).split(sep).join('/');
  const pkg = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(path);
  if (pkg) packages.add(`${pkg[1]}/package.json`);
  else inputs[path] = fp;
}
for (const rel of [...packages, ...EXTRA]) inputs[rel] = readWithFingerprint(join(root, rel)).fingerprint;

// The code files (not their source maps): a build with one missing or cut short is not used.
const outputs = {};
for (const [path, out] of Object.entries(result.metafile.outputs)) if (path.endsWith('.js')) outputs[relative(outdir, resolve(root, path)).split(sep).join('/')] = { size: out.bytes };

const manifest = {
  version: MANIFEST_VERSION,
  entry: 'main.js',
  // The package root as seen from the manifest's folder, so a moved checkout still finds its sources.
  root: relative(outdir, root).split(sep).join('/'),
  built: new Date().toISOString(),
  inputs,
  outputs,
};
// esbuild's own account of the bundle (what each chunk imports, statically or lazily), for analysis.
writeFileSync(join(outdir, 'meta.json'), JSON.stringify(result.metafile));
const tmp = join(outdir, `${MANIFEST}.tmp`);
writeFileSync(tmp, `${JSON.stringify(manifest, null, 1)}\n`);
renameSync(tmp, join(outdir, MANIFEST));

const bytes = Object.values(outputs).reduce((n, o) => n + o.size, 0);
const sources = Object.keys(inputs).length - EXTRA.length - packages.size;
console.log(`cli: ${relative(root, outdir).split(sep).join('/')}/ — ${Object.keys(outputs).length} files, ${(bytes / 1024).toFixed(1)} KiB from ${sources} sources and ${[...BUNDLED].join(', ')} in ${Math.round(performance.now() - started)} ms`);
