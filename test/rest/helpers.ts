/**
 * What the REST tests share: a real `tidemark serve` child process, an HTTP client that speaks
 * to it, a Server-Sent Events reader, a small OpenAPI 3 schema validator (so answers are checked
 * against the document the server itself serves, or against ABS's), and a seeded PRNG.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import { createInterface } from 'node:readline';

export const TOKEN = 'tm_test-token-0123456789abcdef';

export interface ServeHandle {
  child: ChildProcess;
  port: number;
  base: string;
  stdout: string[];
  stderr: () => string;
  exited: Promise<[number | null, NodeJS.Signals | null]>;
  stop(signal?: NodeJS.Signals): Promise<[number | null, NodeJS.Signals | null]>;
}

/** Spawns `tidemark serve --port 0` and resolves once it printed its listening line. */
export async function startServe(configPath: string, extraArgs: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<ServeHandle> {
  const child = spawn(process.execPath, ['bin/tidemark.mjs', 'serve', '--port', '0', '--config', configPath, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TIDEMARK_API_TOKEN: TOKEN, ...env },
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const stdout: string[] = [];
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    lines.on('line', (l) => {
      stdout.push(l);
      const m = /^listening on http:\/\/127\.0\.0\.1:(\d+)$/.exec(l);
      if (m) resolve(Number(m[1]));
    });
    void exited.then(([code]) => reject(new Error(`serve exited (${code}) before listening: ${err}`)));
  });
  return {
    child,
    port,
    base: `http://127.0.0.1:${port}`,
    stdout,
    stderr: () => err,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
}

/** One HTTP request with full control over headers (fetch would refuse a foreign Host header). */
export function http(
  base: string,
  method: string,
  path: string,
  o: { body?: unknown; raw?: string; headers?: Record<string, string>; token?: string | null } = {},
): Promise<HttpAnswer> {
  const url = new URL(path, base);
  const payload = o.raw ?? (o.body !== undefined ? JSON.stringify(o.body) : undefined);
  const headers: Record<string, string> = {
    ...(o.token === null ? {} : { authorization: `Bearer ${o.token ?? TOKEN}` }),
    ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
    ...o.headers,
  };
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path: url.pathname + url.search, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

export interface SseEvent {
  event: string;
  data: unknown;
}

/** Reads Server-Sent Events; `next(pred)` resolves with the first (buffered or future) match. */
export class EventReader {
  private readonly seen: SseEvent[] = [];
  private readonly waiters: Array<{ pred: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }> = [];
  private closeFn: () => void = () => undefined;
  readonly ready: Promise<void>;

  constructor(base: string, path = '/v1/events', token = TOKEN) {
    const url = new URL(path, base);
    this.ready = new Promise((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, path: url.pathname + url.search, headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`events: HTTP ${res.statusCode}`));
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          buf += c;
          let i: number;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (event === undefined || data === undefined) continue;
            this.push({ event, data: JSON.parse(data) });
            if (event === 'snapshot') resolve();
          }
        });
      });
      req.on('error', reject);
      req.end();
      this.closeFn = () => req.destroy();
    });
  }

  private push(e: SseEvent): void {
    this.seen.push(e);
    for (const w of [...this.waiters]) {
      if (w.pred(e)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  }

  all(): SseEvent[] {
    return [...this.seen];
  }

  next(pred: (e: SseEvent) => boolean): Promise<SseEvent> {
    const hit = this.seen.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve) => this.waiters.push({ pred, resolve }));
  }

  /** The job-finished event of job `id`. */
  finished(id: string): Promise<Record<string, unknown>> {
    return this.next((e) => e.event === 'job-finished' && (e.data as { id?: string }).id === id).then((e) => e.data as Record<string, unknown>);
  }

  close(): void {
    this.closeFn();
  }
}

// ---------------------------------------------------------------------------------------------
// A small OpenAPI 3.0 schema validator: enough of JSON Schema for the documents at hand.

export type JsonSchema = Record<string, unknown>;
export type OpenApiDoc = { paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { schema?: JsonSchema }> }> }>>; components?: { schemas?: Record<string, JsonSchema> } };

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

export function validateSchema(doc: OpenApiDoc, schema: JsonSchema | undefined, value: unknown, at = '$'): string[] {
  if (!schema || Object.keys(schema).length === 0) return [];
  const errs: string[] = [];
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace(/^#\/components\/schemas\//, '');
    const target = doc.components?.schemas?.[name];
    if (!target) return [`${at}: unresolved $ref ${schema.$ref}`];
    return validateSchema(doc, target, value, at);
  }
  if (value === null && schema.nullable === true) return [];
  for (const sub of (schema.allOf as JsonSchema[] | undefined) ?? []) errs.push(...validateSchema(doc, sub, value, at));
  if (Array.isArray(schema.anyOf) && !(schema.anyOf as JsonSchema[]).some((s) => validateSchema(doc, s, value, at).length === 0)) errs.push(`${at}: matches none of anyOf`);
  if (Array.isArray(schema.oneOf) && (schema.oneOf as JsonSchema[]).filter((s) => validateSchema(doc, s, value, at).length === 0).length !== 1) errs.push(`${at}: does not match exactly one of oneOf`);
  if (Array.isArray(schema.enum) && !(schema.enum as unknown[]).some((e) => e === value)) errs.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if ('const' in schema && schema.const !== value) errs.push(`${at}: must be ${JSON.stringify(schema.const)}`);
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
  if (types.length) {
    const t = typeOf(value);
    const ok = types.some((want) => want === t || (want === 'number' && t === 'integer'));
    if (!ok) return [...errs, `${at}: is ${t}, want ${types.join('|')}`];
  }
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) errs.push(`${at}: shorter than ${schema.minLength}`);
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) errs.push(`${at}: longer than ${schema.maxLength}`);
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) errs.push(`${at}: does not match ${schema.pattern}`);
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) errs.push(`${at}: below ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) errs.push(`${at}: above ${schema.maximum}`);
  }
  if (Array.isArray(value)) value.forEach((item, i) => errs.push(...validateSchema(doc, schema.items as JsonSchema | undefined, item, `${at}[${i}]`)));
  if (typeOf(value) === 'object') {
    const obj = value as Record<string, unknown>;
    const props = (schema.properties as Record<string, JsonSchema> | undefined) ?? {};
    for (const r of (schema.required as string[] | undefined) ?? []) if (!(r in obj)) errs.push(`${at}: missing required '${r}'`);
    for (const [k, v] of Object.entries(obj)) {
      if (props[k]) errs.push(...validateSchema(doc, props[k], v, `${at}.${k}`));
      else if (schema.additionalProperties === false) errs.push(`${at}: unexpected property '${k}'`);
      else if (typeof schema.additionalProperties === 'object') errs.push(...validateSchema(doc, schema.additionalProperties as JsonSchema, v, `${at}.${k}`));
    }
  }
  return errs;
}

/** The OpenAPI path template that `path` (no query) matches, e.g. /v1/restore/status/{jobId}. */
export function templateOf(doc: OpenApiDoc, path: string): string | undefined {
  const exact = Object.keys(doc.paths).find((t) => t === path);
  if (exact) return exact;
  return Object.keys(doc.paths).find((t) => new RegExp(`^${t.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path));
}

/** Checks an answer against the document's response schema for that path, method and status. */
export function checkAnswer(doc: OpenApiDoc, method: string, path: string, a: HttpAnswer): string[] {
  const template = templateOf(doc, path.split('?')[0]!);
  if (!template) return [`${method} ${path}: not in the document`];
  const op = doc.paths[template]![method.toLowerCase()];
  if (!op) return [`${method} ${template}: method not in the document`];
  const response = op.responses?.[String(a.status)] ?? op.responses?.default;
  if (!response) return [`${method} ${template}: status ${a.status} not documented (${Object.keys(op.responses ?? {}).join(', ')})`];
  const content = response.content ?? {};
  const media = content['application/json'] ?? content['*/*'] ?? Object.values(content)[0];
  if (!media?.schema || a.json === undefined) return [];
  return validateSchema(doc, media.schema, a.json).map((e) => `${method} ${template} ${a.status}: ${e}`);
}

/** mulberry32: small, seeded, good enough to pick fuzz cases reproducibly. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
