/**
 * The localhost REST API: ABS's endpoints (same paths, methods, status codes and JSON shapes,
 * so ABS scripts work by changing the base URL) plus Tidemark's jobs, schedule, events and
 * access endpoints, over the service core. Requests and answers are described by the shared zod
 * schemas, and the OpenAPI 3 document at /api-docs is generated from those same schemas.
 *
 * Routes only validate, call the core and shape the answer; access checks run before them
 * (security.ts) and every refusal has one JSON shape (errors.ts).
 */
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { TOOL_VERSION } from '../version.js';
import { DEFAULT_REST_PORT } from '../../../shared/schemas/desktop.js';
import type { TidemarkService } from '../service/tidemark-service.js';
import type { RestApp, RestContext, RouteModule } from './context.js';
import { apiError, routeOf, sendError, toApiError, zodValidatorCompiler } from './errors.js';
import { RestMetrics } from './metrics.js';
import { accessRoutes } from './routes/access.js';
import { backupRoutes } from './routes/backups.js';
import { catalogRoutes } from './routes/catalog.js';
import { catalogOperationRoutes } from './routes/catalog-operations.js';
import { connectionTestRoutes } from './routes/connection-tests.js';
import { profileRoutes } from './routes/profiles.js';
import { configRoutes } from './routes/config.js';
import { eventRoutes } from './routes/events.js';
import { jobRoutes } from './routes/jobs.js';
import { restoreRoutes } from './routes/restore.js';
import { systemRoutes } from './routes/system.js';
import { uiRoutes } from './routes/ui.js';
import { installSecurity, type SecurityOptions } from './security.js';

export const DEFAULT_PORT = DEFAULT_REST_PORT;
export const DEFAULT_HOST = '127.0.0.1';
/** Largest request body: a whole config with many routines fits easily. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** Every route group, in the order they appear in the API document. */
export const ROUTE_MODULES: readonly RouteModule[] = [backupRoutes, restoreRoutes, catalogRoutes, catalogOperationRoutes, configRoutes, connectionTestRoutes, profileRoutes, jobRoutes, eventRoutes, accessRoutes, systemRoutes, uiRoutes()];

export interface RestServerOptions {
  /** Address the server will listen on (default 127.0.0.1); decides the Host-header rule. */
  host?: string;
  /** Explicitly allow a non-loopback address. */
  allowRemote?: boolean;
  bodyLimit?: number;
  /** The data folder (holds the api-token file); the config file's folder by default. */
  dataDir?: string;
  /** Environment for TIDEMARK_API_TOKEN (tests pass their own). */
  env?: NodeJS.ProcessEnv;
  /** More route groups (the catalog's, for instance). */
  extraRoutes?: readonly RouteModule[];
}

/** Where to listen: options first, then the config's `service.http`, then the defaults. */
export function resolveBinding(service: TidemarkService, o: { host?: string; port?: number }): { host: string; port: number } {
  const http = service.config.config.service?.http;
  return { host: o.host ?? http?.address ?? DEFAULT_HOST, port: o.port ?? http?.port ?? DEFAULT_PORT };
}

export interface RestServer {
  app: FastifyInstance;
  metrics: RestMetrics;
  /** Answer 503 from now on (shutdown began) without closing connections yet. */
  beginClosing(): void;
}

export async function createRestServer(service: TidemarkService, o: RestServerOptions = {}): Promise<RestServer> {
  const security: SecurityOptions = { host: o.host ?? DEFAULT_HOST, allowRemote: o.allowRemote ?? false, ...(o.env ? { env: o.env } : {}) };
  // Request logging is ours (onResponse below): Fastify's would log raw URLs, query strings included.
  const app = Fastify({
    logger: false,
    bodyLimit: o.bodyLimit ?? DEFAULT_BODY_LIMIT,
    return503OnClosing: true,
    forceCloseConnections: true,
    // Errors Fastify raises before routing (a URL that does not decode) get the same shape.
    frameworkErrors: (err, _req, reply) => {
      const { status, body } = toApiError(err);
      void sendError(reply, status, body);
    },
  });
  const typed = app.withTypeProvider<ZodTypeProvider>() as RestApp;
  app.setValidatorCompiler(zodValidatorCompiler);
  // Answers are plain JSON; their shapes are pinned by the contract tests against the document.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  // An empty JSON body (ABS clients send one with POST triggers) is no body, not an error.
  const jsonParser = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    jsonParser(req, text, done);
  });

  let closing = false;
  const metrics = new RestMetrics(service);
  const ctx: RestContext = { service, metrics, dataDir: o.dataDir ?? service.dataDir, closing: () => closing };

  app.addHook('onRequest', async (_req, reply) => {
    if (closing) return sendError(reply, 503, apiError('Tidemark is shutting down'));
    return undefined;
  });
  installSecurity(app, service, security);
  app.addHook('onResponse', async (req, reply) => {
    service.log.debug({ method: req.method, route: routeOf(req), status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'http request');
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const { status, body } = toApiError(err);
    if (status >= 500) service.log.error({ err, method: req.method, route: routeOf(req) }, 'http request failed');
    return sendError(reply, status, body);
  });
  app.setNotFoundHandler((req, reply) => sendError(reply, 404, apiError(`no endpoint ${req.method} ${(req.url.split('?')[0] ?? '').slice(0, 200)}`, [{ path: ['url'], message: 'unknown path or method' }])));

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Tidemark REST API',
        description: 'Aerospike Backup Service (ABS) compatible API of Tidemark, plus Tidemark\'s jobs, schedule and live events. Every request but /health, /ready and /api-docs needs "Authorization: Bearer <token>" or HTTP basic auth.',
        version: TOOL_VERSION,
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'The API token (data folder\'s api-token file, or TIDEMARK_API_TOKEN)' },
          basic: { type: 'http', scheme: 'basic' },
        },
      },
      security: [{ bearer: [] }, { basic: [] }],
      tags: [
        { name: 'Backup', description: 'ABS: trigger, cancel, watch and list backups' },
        { name: 'Restore', description: 'ABS: restore by key or to a point in time' },
        { name: 'Catalog', description: 'Tidemark: every backup, timeline, verify, delete' },
        { name: 'Configuration', description: 'ABS: clusters, storage, policies and routines' },
        { name: 'System', description: 'ABS: version, health, readiness, metrics' },
        { name: 'Jobs', description: 'Tidemark: every job, the schedule and live events' },
        { name: 'Access', description: 'Tidemark: API credentials' },
      ],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api-docs' });

  for (const register of [...ROUTE_MODULES, ...(o.extraRoutes ?? [])]) register(typed, ctx);
  typed.get('/api-docs/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.addHook('onClose', async () => metrics.close());
  await app.ready();
  return {
    app,
    metrics,
    beginClosing: () => {
      closing = true;
    },
  };
}
