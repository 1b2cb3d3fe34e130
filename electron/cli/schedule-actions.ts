/** What `tidemark schedule`, `schedule pause` and `schedule resume` do (schedule-command.ts defines their options). */
import { openService } from './service-open.js';
import { formatTime, printJson, table, type ServiceCliOptions } from './service-options.js';

export async function scheduleCommand(o: ServiceCliOptions): Promise<number> {
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
}

export async function pauseOrResume(verb: 'pause' | 'resume', o: ServiceCliOptions, routine?: string): Promise<number> {
  const service = await openService(o);
  try {
    service[verb](routine);
    process.stdout.write(`${verb === 'pause' ? 'paused' : 'resumed'} ${routine ? `routine '${routine}'` : 'all schedules'}\n`);
    return 0;
  } finally {
    await service.close();
  }
}
