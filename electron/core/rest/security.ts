/**
 * Who may talk to the API, checked before any route runs: the Host header must be a loopback
 * name (a page on another site that resolves its own name to 127.0.0.1 — DNS rebinding — gets
 * nothing), a browser Origin must be this server or a configured CORS origin (so a page cannot
 * make the browser replay basic-auth credentials), and every request but the probes and the API
 * document carries valid credentials. Refusals say why and carry no data.
 */
import { isIP } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { apiAccess, checkAuthorization } from '../service/api-access.js';
import type { TidemarkService } from '../service/tidemark-service.js';
import { apiError, sendError } from './errors.js';

/** Paths that answer without credentials: liveness probes and the API's own description. */
const PUBLIC = [/^\/$/, /^\/health$/, /^\/ready$/, /^\/api-docs(\/.*)?$/, /^\/ui(\/.*)?$/];

export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

/** The host name of a Host header (`name`, `name:port`, `[v6]:port`). */
export function hostName(header: string): string {
  const h = header.trim();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.lastIndexOf(':');
  return colon > 0 && h.indexOf(':') === colon ? h.slice(0, colon) : h;
}

export interface SecurityOptions {
  /** The address the server is bound to. */
  host: string;
  /** Set when the user explicitly allowed a non-loopback address: any Host header is taken. */
  allowRemote: boolean;
  env?: NodeJS.ProcessEnv;
}

/**
 * Refuses a binding that would expose the API: a non-loopback address needs the explicit flag
 * and credentials switched on.
 */
export function checkBinding(service: TidemarkService, o: SecurityOptions): void {
  if (isLoopbackHost(o.host)) return;
  if (!o.allowRemote) throw new Error(`refusing to listen on ${o.host}: it is not a loopback address (pass --allow-remote to expose the API to the network)`);
  if (apiAccess(service.config.config).auth === false) throw new Error(`refusing to listen on ${o.host} with tidemark.api.auth off: the network would reach the API without credentials`);
}

function refuse(reply: FastifyReply, status: number, message: string): FastifyReply {
  return sendError(reply, status, apiError(message));
}

/** A page served by this very server (the web UI) may call it. */
function sameOrigin(origin: string, host: string | undefined): boolean {
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

function corsHeaders(reply: FastifyReply, origin: string): void {
  reply.header('access-control-allow-origin', origin);
  reply.header('vary', 'Origin');
  reply.header('access-control-allow-headers', 'authorization, content-type');
  reply.header('access-control-allow-methods', 'GET, POST, PUT, DELETE');
  reply.header('access-control-max-age', '600');
}

export function installSecurity(app: FastifyInstance, service: TidemarkService, o: SecurityOptions): void {
  const env = o.env ?? process.env;
  const remote = o.allowRemote && !isLoopbackHost(o.host);
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const host = req.headers.host;
    if (!remote && (!host || !isLoopbackHost(hostName(host)))) {
      return refuse(reply, 403, `Host header ${host ? `'${host.slice(0, 100)}'` : '(missing)'} is not a loopback name: this API answers only requests addressed to localhost or 127.0.0.1`);
    }
    const origin = req.headers.origin;
    if (origin !== undefined) {
      const allowed = apiAccess(service.config.config)['cors-origins'] ?? [];
      const normalized = origin.replace(/\/+$/, '');
      if (allowed.some((a) => a.replace(/\/+$/, '') === normalized)) {
        corsHeaders(reply, origin);
        if (req.method === 'OPTIONS') return reply.code(204).send();
      } else {
        if (!sameOrigin(origin, host)) return refuse(reply, 403, `cross-origin requests from ${origin.slice(0, 100)} are refused (allow an origin with tidemark.api.cors-origins)`);
      }
    }
    const path = req.url.split('?')[0] ?? '';
    if (PUBLIC.some((p) => p.test(path))) return undefined;
    const check = checkAuthorization(service.config.config, req.headers.authorization, env);
    if (!check.ok) {
      reply.header('www-authenticate', 'Bearer realm="tidemark", Basic realm="tidemark", charset="UTF-8"');
      return refuse(reply, 401, check.reason);
    }
    return undefined;
  });
}
