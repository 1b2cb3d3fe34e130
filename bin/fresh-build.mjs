// Whether the CLI build (scripts/build-cli.mjs → dist/cli/) still matches the sources, so that
// bin/tidemark.mjs may run it instead of compiling the TypeScript at start. Its manifest lists
// every source file that went into the build (a bundled package by its package.json) with its
// size, modification time and SHA-256, and every output with its size: a file whose size differs,
// or whose time differs and whose bytes hash differently, makes the build stale (a checkout or
// copy that only touched the times leaves it fresh). A stat per file — a couple of hundred — costs
// a few milliseconds; hashing happens only for files whose time changed.
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const MANIFEST = 'build.json';
export const MANIFEST_VERSION = 1;
/** Where `npm run build` puts the CLI build's manifest. */
export const DEFAULT_MANIFEST = fileURLToPath(new URL(`../dist/cli/${MANIFEST}`, import.meta.url));

/**
 * `{ fresh: true, entry }` (a file URL to import) when the build described by the manifest at
 * `manifestPath` is complete and no file that went into it changed, else `{ fresh: false, reason }`.
 */
export function checkBuild(manifestPath = DEFAULT_MANIFEST) {
  let m;
  try {
    m = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch {
    return { fresh: false, reason: `no readable build manifest at ${manifestPath}` };
  }
  if (m?.version !== MANIFEST_VERSION || typeof m.entry !== 'string' || typeof m.root !== 'string' || !m.inputs || !m.outputs) {
    return { fresh: false, reason: `${manifestPath} is not a version ${MANIFEST_VERSION} build manifest` };
  }
  const dir = dirname(manifestPath);
  for (const [rel, want] of Object.entries(m.outputs)) {
    const st = statSync(join(dir, rel), { throwIfNoEntry: false });
    if (!st || st.size !== want.size) return { fresh: false, reason: `build output ${rel} is ${st ? 'changed' : 'missing'}` };
  }
  const root = resolve(dir, m.root);
  for (const [rel, want] of Object.entries(m.inputs)) {
    const path = join(root, rel);
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) return { fresh: false, reason: `${rel} is gone` };
    if (st.size !== want.size || (st.mtimeMs !== want.mtimeMs && sha256(path) !== want.sha256)) return { fresh: false, reason: `${rel} changed` };
  }
  return { fresh: true, entry: pathToFileURL(join(dir, m.entry)).href };
}

function sha256(path) {
  // Loaded only when a time differs: most starts never need it.
  const { createHash } = process.getBuiltinModule('node:crypto');
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}
