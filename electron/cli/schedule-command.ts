/** `tidemark schedule`: next runs per routine and the paused state; pause and resume. */
import { Command } from 'commander';
import { action, addServiceOptions, formatTime, openService, printJson, table, type ServiceCliOptions } from './service-options.js';

export function registerScheduleCommand(program: Command): void {
  const schedule = addServiceOptions(program.command('schedule').description('Next scheduled runs and paused state; `pause` / `resume` subcommands'));
  schedule.action(
    action('schedule', async (o: ServiceCliOptions) => {
      const service = await openService(o);
      try {
        const runs = service.schedule();
        if (o.json) printJson(runs);
        else if (runs.length === 0) process.stdout.write('no routines are configured\n');
        else {
          if (runs[0]!.globallyPaused) process.stdout.write('all schedules are paused\n');
          process.stdout.write(
            table([
              ['ROUTINE', 'NEXT FULL', 'NEXT INCREMENTAL', 'STATE'],
              ...runs.map((r) => [r.routine, formatTime(r.full), formatTime(r.incremental), r.disabled ? 'disabled' : r.paused || r.globallyPaused ? 'paused' : 'active']),
            ]),
          );
        }
        return 0;
      } finally {
        await service.close();
      }
    }),
  );
  for (const verb of ['pause', 'resume'] as const) {
    addServiceOptions(schedule.command(verb).argument('[routine]', 'one routine (default: every schedule)').description(`${verb === 'pause' ? 'Pause' : 'Resume'} scheduled runs (kept across restarts)`)).action(
      action(`schedule ${verb}`, async (o: ServiceCliOptions, routine?: string) => {
        const service = await openService(o);
        try {
          service[verb](routine);
          process.stdout.write(`${verb === 'pause' ? 'paused' : 'resumed'} ${routine ? `routine '${routine}'` : 'all schedules'}\n`);
          return 0;
        } finally {
          await service.close();
        }
      }),
    );
  }
}
