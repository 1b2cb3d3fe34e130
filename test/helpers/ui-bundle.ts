/** The built web UI (dist/renderer/) the end-to-end tests and the UI benchmark load. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('../../', import.meta.url).pathname;
export const UI_BUNDLE_DIR = join(ROOT, 'dist', 'renderer');

/** The bundle is missing or older than a renderer or shared source file. */
export function bundleIsStale(): boolean {
  const index = join(UI_BUNDLE_DIR, 'index.html');
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  const newer = (d: string): boolean => readdirSync(d, { withFileTypes: true }).some((e) => (e.isDirectory() ? newer(join(d, e.name)) : statSync(join(d, e.name)).mtimeMs > built));
  return newer(join(ROOT, 'renderer')) || newer(join(ROOT, 'shared'));
}
