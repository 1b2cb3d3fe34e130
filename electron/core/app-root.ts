/**
 * The package root (the folder holding Tidemark's package.json), wherever this code runs from:
 * the TypeScript sources (electron/core/), the CLI build (dist/cli/) or the Electron main bundle
 * (dist/main/, possibly inside an asar archive, whose fs reads Electron patches). Paths to
 * dist/renderer/, scripts/ or .git are taken from here, never relative to import.meta.url, which
 * only holds for one of those layouts.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** The first folder up from this module whose package.json is named "tidemark". */
export function appRoot(): string {
  if (cached !== undefined) return cached;
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    try {
      if ((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown }).name === 'tidemark') return (cached = dir);
    } catch {
      // No package.json here, or not one we can read: keep walking up.
    }
    if (dirname(dir) === dir) throw new Error(`no package.json named "tidemark" in ${start} or any folder above it`);
  }
}
