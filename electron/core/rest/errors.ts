/**
 * One error shape for every refusal: `{ error, issues: [{ path, message }] }`, the status telling
 * what kind (400 bad input, 401/403 access, 404 unknown name, 409 conflict). Bad input is never a
 * 500: schema failures, config refusals and Fastify's own parse errors all land here.
 */
import type { FastifyError, FastifyReply, FastifyRequest, FastifySchemaCompiler } from 'fastify';
import type { z } from 'zod';
import { ApiFailure, failureOf } from '../api/api-failure.js';
import type { ApiError } from '../../../shared/schemas/rest.js';

type Path = Array<string | number>;

/** The core's refusal type, under the name the routes use. */
export { ApiFailure as HttpError };

/** A validation failure as the validator compiler reports it: zod's issue, path kept as segments. */
interface ValidationIssue {
  instancePath: string;
  message?: string;
  path?: Path;
}

/** Validates with zod and keeps each issue's path as segments (names may hold '/' or '.'). */
export const zodValidatorCompiler: FastifySchemaCompiler<z.ZodType> =
  ({ schema }) =>
  (data) => {
    const r = schema.safeParse(data);
    if (r.success) return { value: r.data };
    return {
      error: r.error.issues.map((i) => {
        const path = i.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
        return { keyword: i.code, instancePath: `/${path.join('/')}`, schemaPath: '', params: {}, message: i.message, path };
      }),
    } as unknown as { error: Error };
  };

export function apiError(error: string, issues: ApiError['issues'] = []): ApiError {
  return { error, issues };
}

/** Maps anything thrown by a route or by Fastify to a status and the error body. */
export function toApiError(err: FastifyError | Error): { status: number; body: ApiError } {
  const failure = failureOf(err);
  if (failure) return { status: failure.status, body: apiError(failure.message, failure.issues) };
  const fe = err as Omit<FastifyError, 'validation'> & { validation?: ValidationIssue[]; validationContext?: string };
  if (Array.isArray(fe.validation)) {
    const where = fe.validationContext ?? 'request';
    const issues = fe.validation.map((v) => ({
      path: [where, ...(v.path ?? v.instancePath.split('/').filter(Boolean))],
      message: v.message ?? 'invalid',
    }));
    const first = issues[0];
    return { status: 400, body: apiError(first ? `${first.path.join('.')}: ${first.message}` : `invalid ${where}`, issues) };
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const where = fe.code?.startsWith('FST_ERR_CTP') || fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ? ['body'] : [];
    return { status: fe.statusCode, body: apiError(fe.message, [{ path: where, message: fe.message }]) };
  }
  if (fe.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') return { status: 400, body: apiError(fe.message) };
  return { status: 500, body: apiError('internal error: see the Tidemark log') };
}

export function sendError(reply: FastifyReply, status: number, body: ApiError): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}

/** The route's name for logs: its pattern, never the raw URL (query strings may carry anything). */
export function routeOf(req: FastifyRequest): string {
  return req.routeOptions.url ?? '(no route)';
}
