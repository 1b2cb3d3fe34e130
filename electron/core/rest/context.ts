/** What every route module gets: the typed Fastify instance and the service behind it. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { TidemarkService } from '../service/tidemark-service.js';
import type { RestMetrics } from './metrics.js';

export type RestApp = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;

export interface RestContext {
  service: TidemarkService;
  metrics: RestMetrics;
  /** Where the API token file lives (the service's data folder). */
  dataDir: string;
  /** Set once shutdown began: probes report not ready. */
  closing(): boolean;
}

/** One route group: registers its routes on `app`. Adding endpoints is one more module. */
export type RouteModule = (app: RestApp, ctx: RestContext) => void;
