/**
 * `tidemark schedule`: next runs per routine and the paused state; pause and resume. The options
 * are defined here; what the commands do is in schedule-actions.ts, loaded when one runs.
 */
import { Command } from 'commander';
import { action, addServiceOptions, type ServiceCliOptions } from './service-options.js';

const load = () => import('./schedule-actions.js');

export function registerScheduleCommand(program: Command): void {
  const schedule = addServiceOptions(program.command('schedule').description('Next scheduled runs and paused state; `pause` / `resume` subcommands'));
  schedule.action(
    action('schedule', async (o: ServiceCliOptions) => (await load()).scheduleCommand(o)),
  );
  for (const verb of ['pause', 'resume'] as const) {
    addServiceOptions(schedule.command(verb).argument('[routine]', 'one routine (default: every schedule)').description(`${verb === 'pause' ? 'Pause' : 'Resume'} scheduled runs (kept across restarts)`)).action(
      action(`schedule ${verb}`, async (o: ServiceCliOptions, routine?: string) => (await load()).pauseOrResume(verb, o, routine)),
    );
  }
}
