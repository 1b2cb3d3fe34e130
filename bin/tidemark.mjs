#!/usr/bin/env node
// The CLI runs from its build (dist/cli/, made by `npm run build`) while the build is fresh: no
// source file that went into it has changed since (bin/fresh-build.mjs checks, in a few ms).
// Otherwise — no build yet, a file edited since, or TIDEMARK_FROM_SOURCE=1 — it runs the
// TypeScript sources directly through tsx's loader, so the CLI never drifts from the code the
// tests exercise and a developer's edit takes effect without rebuilding. `tidemark --version`
// alone is answered here, from package.json, as electron/core/version.ts reads it.
import { readFileSync } from 'node:fs';
import { checkBuild } from './fresh-build.mjs';

const fromSource = !!process.env.TIDEMARK_FROM_SOURCE && process.env.TIDEMARK_FROM_SOURCE !== '0';
const args = process.argv.slice(2);
if (!fromSource && args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
} else {
  const build = fromSource ? undefined : checkBuild();
  let main;
  if (build?.fresh) ({ main } = await import(build.entry));
  else {
    const { register } = await import('tsx/esm/api');
    register();
    ({ main } = await import('../electron/cli/main.ts'));
  }
  process.exitCode = await main(process.argv);
}
