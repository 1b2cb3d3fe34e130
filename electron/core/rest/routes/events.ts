/**
 * The live event stream (Server-Sent Events): job created/started/progress/finished, schedule
 * and config changes, as the service core emits them. It is the web UI's transport, and any
 * script can follow a backup with `curl -N`. Progress is dropped, never state changes, when a
 * slow reader lets its buffer fill up.
 */
import { z } from 'zod';
import type { ServiceEvent } from '../../service/tidemark-service.js';
import { NameSchema } from '../../../../shared/schemas/config.js';
import { ApiErrorSchema } from '../../../../shared/schemas/rest.js';
import type { RestApp, RestContext } from '../context.js';

const EventsQuerySchema = z.strictObject({
  routine: NameSchema.optional(),
  job: z.string().uuid('job must be a job id (a UUID)').optional(),
});

/** Above this much unsent data a reader is slow: progress events are skipped for it. */
const SLOW_READER_BYTES = 1024 * 1024;
const PING_MS = 15_000;

function eventName(e: ServiceEvent): string {
  return 'job' in e ? `job-${e.type}` : e.type;
}

export function eventRoutes(app: RestApp, { service }: RestContext): void {
  const streams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of [...streams]) end();
  });

  app.get(
    '/v1/events',
    {
      schema: {
        tags: ['Jobs'],
        operationId: 'events',
        summary: 'Server-Sent Events: job-created, job-started, job-progress, job-finished (data: the job), schedule-changed, config-changed. A "snapshot" event first lists the jobs running now.',
        querystring: EventsQuerySchema,
        produces: ['text/event-stream'],
        response: { 200: z.string().describe('text/event-stream'), 400: ApiErrorSchema },
      },
    },
    (req, reply) => {
      const { routine, job } = req.query;
      // CORS headers set by the access checks; hijacking the reply would drop them.
      const headers = Object.fromEntries(Object.entries(reply.getHeaders()).filter((e): e is [string, string | number | string[]] => e[1] !== undefined));
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      let seq = 0;
      const send = (name: string, data: unknown): void => {
        res.write(`id: ${++seq}\nevent: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      const wanted = (e: ServiceEvent): boolean => {
        if (!('job' in e)) return routine === undefined && job === undefined;
        return (routine === undefined || e.job.routine === routine) && (job === undefined || e.job.id === job);
      };
      send('snapshot', { jobs: service.jobs.running().filter((j) => (routine === undefined || j.routine === routine) && (job === undefined || j.id === job)) });
      const off = service.subscribe((e) => {
        if (!wanted(e)) return;
        if ('job' in e && e.type === 'progress' && res.writableLength > SLOW_READER_BYTES) return;
        send(eventName(e), 'job' in e ? e.job : {});
      });
      const ping = setInterval(() => res.write(': ping\n\n'), PING_MS);
      ping.unref();
      const end = (): void => {
        if (!streams.delete(end)) return;
        off();
        clearInterval(ping);
        res.end();
      };
      streams.add(end);
      req.raw.on('close', end);
      res.on('error', end);
    },
  );
}
