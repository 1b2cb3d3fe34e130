/**
 * `npm run bench -- <name> [options]`: runs one benchmark and prints its report. Benchmarks
 * report throughput and ratios against baselines measured in the same run, never pass/fail on
 * absolute times (machines here are noisy).
 */
const benches: Record<string, () => Promise<{ run(args: string[]): Promise<void> }>> = {
  testbed: () => import('./testbed.js'),
  backup: () => import('./backup.js'),
  restore: () => import('./restore.js'),
  startup: () => import('./startup.js'),
  // The catalog report includes the record-history lookup time (bench/history.ts, run with
  // its defaults here; `history` alone takes its own options).
  catalog: async () => {
    const [catalog, history] = await Promise.all([import('./catalog.js'), import('./history.js')]);
    return {
      run: async (args: string[]): Promise<void> => {
        await catalog.run(args);
        await history.run([]);
      },
    };
  },
  history: () => import('./history.js'),
  ui: () => import('./ui.js'),
};

const [name, ...args] = process.argv.slice(2);
if (!name || !benches[name]) {
  console.error(`usage: npm run bench -- <${Object.keys(benches).join('|')}> [options]`);
  process.exit(2);
}
const mod = await benches[name]!();
await mod.run(args);
