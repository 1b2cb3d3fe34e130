import type { WebhookHook } from '../../../shared/schemas/hooks.js';
import type { HookResult } from '../../../shared/schemas/job.js';
import { displayUrl } from '../logging/redact.js';
import { TOOL_VERSION } from '../version.js';
import { abortText, type HookContext } from './hook-context.js';
import { webhookPayload } from './hook-env.js';

/** Bytes of a webhook's answer read for the recorded message; the rest is not waited for. */
const BODY_KEEP_BYTES = 2048;
const MESSAGE_BODY_CHARS = 300;

export interface WebhookOutcome {
  result: HookResult;
  /** The start of the answer's body, for the log. */
  output: string;
}

/**
 * POSTs `{event, job}` as JSON to the hook's URL. Never rejects: no answer within the timeout,
 * a connection error or a non-2xx status is a result with ok: false.
 *
 * Redirects are not followed: following one would resend the hook's headers (often a token) to
 * wherever the redirect points. The answer says where it pointed, so the URL can be fixed.
 */
export async function runWebhookHook(hook: WebhookHook, ctx: HookContext): Promise<WebhookOutcome> {
  const { clock } = ctx;
  const started = clock.now();
  const target = displayUrl(hook.webhook);
  let output = '';
  const result = (fields: Partial<HookResult> & { ok: boolean }): WebhookOutcome => ({
    result: { event: ctx.event, kind: 'webhook', target, 'duration-ms': Math.max(0, Math.round(clock.now() - started)), ...fields },
    output,
  });

  if (ctx.signal?.aborted) return result({ ok: false, message: `not run: ${abortText(ctx.signal)}` });

  let url: URL;
  try {
    url = new URL(hook.webhook);
  } catch {
    return result({ ok: false, message: 'not a valid URL' });
  }
  // Headers, not a plain object: a user's `User-Agent` must replace ours, not join it.
  const headers = new Headers({ 'user-agent': `Tidemark/${TOOL_VERSION}` });
  for (const [k, v] of Object.entries(hook.headers ?? {})) headers.set(k, v);
  headers.set('content-type', 'application/json');
  // fetch refuses URLs with credentials in them; they mean HTTP basic authentication.
  if (url.username !== '' || url.password !== '') {
    const user = decodeURIComponent(url.username);
    const pass = decodeURIComponent(url.password);
    headers.set('authorization', `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`);
    url.username = '';
    url.password = '';
  }

  const ctrl = new AbortController();
  let timedOut = false;
  const cancelTimer = clock.setTimer(hook.timeout, () => {
    timedOut = true;
    ctrl.abort(new Error(`no answer within ${hook.timeout} ms`));
  });
  const onAbort = (): void => ctrl.abort(ctx.signal?.reason);
  ctx.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify(webhookPayload(ctx.event, ctx.facts)),
      signal: ctrl.signal,
      redirect: 'manual',
    });
    output = await readStart(res, BODY_KEEP_BYTES);
    const body = shorten(output.trim(), MESSAGE_BODY_CHARS);
    const status = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
    if (res.status >= 200 && res.status < 300) return result({ ok: true, 'http-status': res.status, ...(body ? { message: body } : {}) });
    if (res.status >= 300 && res.status < 400) {
      const location = res.headers.get('location');
      const where = location ? ` to ${displayUrl(new URL(location, url).toString())}` : '';
      return result({ ok: false, 'http-status': res.status, message: `${status}: redirected${where}; redirects are not followed, use the final URL` });
    }
    return result({ ok: false, 'http-status': res.status, message: body ? `${status}: ${body}` : status });
  } catch (err) {
    if (timedOut) return result({ ok: false, 'timed-out': true, message: `no answer within ${hook.timeout} ms` });
    if (ctx.signal?.aborted) return result({ ok: false, message: `stopped: ${abortText(ctx.signal)}` });
    return result({ ok: false, message: fetchErrorText(err) });
  } finally {
    cancelTimer();
    ctx.signal?.removeEventListener('abort', onAbort);
  }
}

/** The first `limit` bytes of the body as text; the rest is discarded unread. */
async function readStart(res: Response, limit: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8').replace(/\uFFFD+$/, '');
}

function shorten(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}…`;
}

/**
 * fetch reports every network problem as "fetch failed"; the reason (refused, DNS, TLS) is in the
 * cause chain, sometimes as an AggregateError of one error per address tried.
 */
function fetchErrorText(err: unknown): string {
  const messages: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e instanceof Error && depth < 5; depth++) {
    if (e instanceof AggregateError && e.errors.length > 0) {
      messages.push([...new Set(e.errors.map((x: unknown) => (x instanceof Error ? x.message : String(x))))].join('; '));
      break;
    }
    if (e.message && e.message !== 'fetch failed') messages.push(e.message);
    e = e.cause;
  }
  const text = messages.at(-1) ?? (err instanceof Error ? err.message : String(err));
  return `request failed: ${text}`;
}
