/** ABS system endpoints: root, health, readiness, version and Prometheus metrics. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appRoot } from '../../app-root.js';
import { z } from 'zod';
import { TOOL_VERSION } from '../../version.js';
import { VersionSchema } from '../../../../shared/schemas/rest.js';
import type { RestApp, RestContext } from '../context.js';

const tags = ['System'];
const STARTED = new Date().toISOString();

/** The checkout's commit, read from .git without running git; "unknown" for an installed copy. */
function commit(): string {
  if (process.env.TIDEMARK_COMMIT) return process.env.TIDEMARK_COMMIT;
  try {
    const git = join(appRoot(), '.git');
    const head = readFileSync(join(git, 'HEAD'), 'utf8').trim();
    if (!head.startsWith('ref: ')) return head.slice(0, 12);
    return readFileSync(join(git, head.slice(5)), 'utf8').trim().slice(0, 12);
  } catch {
    return 'unknown';
  }
}

export function systemRoutes(app: RestApp, { metrics, closing }: RestContext): void {
  const Text = z.string();
  app.get('/', { schema: { tags, operationId: 'root', summary: 'Root endpoint.', response: { 200: Text } } }, async (_req, reply) => reply.type('text/plain').send(''));
  app.get('/health', { schema: { tags, operationId: 'health', summary: 'Liveness: the process answers.', response: { 200: Text } } }, async (_req, reply) => reply.type('text/plain').send('Ok'));
  app.get('/ready', { schema: { tags, operationId: 'ready', summary: 'Readiness: 200 while serving, 503 once shutting down.', response: { 200: Text, 503: Text } } }, async (_req, reply) =>
    closing() ? reply.code(503).type('text/plain').send('Shutting down') : reply.type('text/plain').send('Ok'),
  );
  const version = { version: TOOL_VERSION, 'build-time': STARTED, commit: commit() };
  app.get('/version', { schema: { tags, operationId: 'version', summary: 'Tidemark\'s version.', response: { 200: VersionSchema } } }, async () => version);
  app.get('/metrics', { schema: { tags, operationId: 'metrics', summary: 'Prometheus metrics: jobs started, finished by status, in progress, durations, records and bytes, last successful backup, per routine and type.', produces: ['text/plain'], response: { 200: Text } } }, async (_req, reply) => {
    const m = await metrics.text();
    return reply.type(m.contentType).send(m.body);
  });
}
