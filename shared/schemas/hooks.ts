import { z } from 'zod';
import { HookEventSchema, JobStatusSchema, JobTriggerSchema, JobTypeSchema, type HookEvent } from './job.js';

/**
 * Hooks of a backup routine: commands run or webhooks called when one of its jobs starts,
 * succeeds or fails. Kebab-case keys, as in ABS config files:
 *
 *   hooks:
 *     on-start:   [ { command: ["/usr/bin/notify", "--x"], timeout: 30000 } ]
 *     on-success: [ { webhook: "https://example/hook", headers: { X-Token: "..." } } ]
 *     on-failure: [ { command: "echo failed >> /tmp/log", shell: true } ]
 *
 * A parsed hook keeps the keys it was written with (plus the default timeout), so it can be
 * written back to a config file as it is.
 */

export const HOOK_TIMEOUT_DEFAULT_MS = 60_000;
export const HOOK_TIMEOUT_MAX_MS = 60 * 60_000;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** RFC 9110 token: what fetch accepts as a header name. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Set by the runner from the job; a hook overriding them would lie to the command. */
const RESERVED_ENV_PREFIX = 'TIDEMARK_';
/** The runner owns the request framing; a user value here would be dropped or break the request. */
const RESERVED_HEADERS = new Set(['content-type', 'content-length', 'host', 'transfer-encoding', 'connection']);

const TimeoutSchema = z
  .number({ error: 'must be a number of milliseconds' })
  .int('must be a whole number of milliseconds')
  .min(100, 'must be at least 100 ms')
  .max(HOOK_TIMEOUT_MAX_MS, `must be at most ${HOOK_TIMEOUT_MAX_MS} ms (1 hour)`);

// Array elements are checked in the hook's refinement: a union would report a wrong argument only
// as "invalid input" for the whole command, without saying which one.
const CommandSchema = z.union([z.string(), z.array(z.unknown())], {
  error: 'must be a list of arguments (run without a shell) or, with shell: true, one string',
});

// Keys are checked in the hook's refinement: zod reports a bad record key only as "Invalid key in
// record", without the reason.
const EnvSchema = z.record(
  z.string(),
  z.string({ error: 'environment values must be strings' }).refine((v) => !v.includes('\0'), 'environment values cannot contain NUL characters'),
);

const HeadersSchema = z.record(
  z.string(),
  z
    .string({ error: 'header values must be strings' })
    .max(8192, 'header values may be at most 8192 characters')
    .refine((v) => !/[\r\n\0]/.test(v), 'header values cannot contain line breaks or NUL characters'),
);

function envKeyProblem(k: string): string | undefined {
  if (!ENV_NAME.test(k)) return 'environment variable names use letters, digits and "_" and do not start with a digit';
  if (k.toUpperCase().startsWith(RESERVED_ENV_PREFIX)) return `${RESERVED_ENV_PREFIX}* variables are set by Tidemark from the job`;
  return undefined;
}

function headerKeyProblem(k: string): string | undefined {
  if (!HEADER_NAME.test(k)) return 'not a valid HTTP header name';
  if (RESERVED_HEADERS.has(k.toLowerCase())) return 'this header is set by Tidemark (the body is always JSON)';
  return undefined;
}

const unknownKeys =
  (known: string) =>
  (issue: { code?: string; keys?: string[] }): string | undefined =>
    issue.code === 'unrecognized_keys' ? `unknown ${issue.keys?.length === 1 ? 'key' : 'keys'} ${(issue.keys ?? []).map((k) => `'${k}'`).join(', ')} (known: ${known})` : undefined;

const WebhookUrlSchema = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

/** Every key a hook may have; which ones go together is checked below, with messages per field. */
const HookObjectSchema = z.strictObject({
  /** argv (no shell), or a shell script when `shell: true`. */
  command: CommandSchema.optional(),
  /** Says a string command is a shell script; required for one, so quoting is never guessed. */
  shell: z.boolean({ error: 'must be true or false' }).optional(),
  /** Extra environment variables for a command, on top of Tidemark's own environment. */
  env: EnvSchema.optional(),
  /** An http(s) URL; the job is POSTed to it as JSON. */
  webhook: WebhookUrlSchema.optional(),
  headers: HeadersSchema.optional(),
  /** Milliseconds before the hook is stopped and recorded as timed out. */
  timeout: TimeoutSchema.default(HOOK_TIMEOUT_DEFAULT_MS),
}, { error: unknownKeys('command, shell, env, webhook, headers, timeout') });

export interface CommandHook {
  command: string[] | string;
  shell?: boolean;
  env?: Record<string, string>;
  timeout: number;
}

export interface WebhookHook {
  webhook: string;
  headers?: Record<string, string>;
  timeout: number;
}

export type Hook = CommandHook | WebhookHook;

export function isCommandHook(hook: Hook): hook is CommandHook {
  return 'command' in hook;
}

export const HookSchema = HookObjectSchema.superRefine((h, ctx) => {
  const hasCommand = h.command !== undefined;
  const hasWebhook = h.webhook !== undefined;
  if (hasCommand === hasWebhook) {
    ctx.addIssue({ code: 'custom', path: [], message: hasCommand ? 'a hook is either a command or a webhook, not both' : 'give a command or a webhook' });
    return;
  }
  for (const k of Object.keys(h.env ?? {})) {
    const problem = envKeyProblem(k);
    if (problem) ctx.addIssue({ code: 'custom', path: ['env', k], message: problem });
  }
  for (const k of Object.keys(h.headers ?? {})) {
    const problem = headerKeyProblem(k);
    if (problem) ctx.addIssue({ code: 'custom', path: ['headers', k], message: problem });
  }
  if (hasCommand) {
    if (h.headers !== undefined) ctx.addIssue({ code: 'custom', path: ['headers'], message: 'only webhooks take headers' });
    const cmd = h.command!;
    if (Array.isArray(cmd)) {
      if (cmd.length === 0) ctx.addIssue({ code: 'custom', path: ['command'], message: 'give the program to run and its arguments' });
      else if (cmd[0] === '') ctx.addIssue({ code: 'custom', path: ['command', 0], message: 'the program name is empty' });
      cmd.forEach((a, i) => {
        if (typeof a !== 'string') ctx.addIssue({ code: 'custom', path: ['command', i], message: `arguments must be strings (got ${a === null ? 'null' : typeof a})` });
        else if (a.includes('\0')) ctx.addIssue({ code: 'custom', path: ['command', i], message: 'arguments cannot contain NUL characters' });
      });
      if (h.shell === true) ctx.addIssue({ code: 'custom', path: ['shell'], message: 'shell: true runs one string; give the command as a single string, or drop shell to run the list without a shell' });
    } else {
      if (cmd.trim() === '') ctx.addIssue({ code: 'custom', path: ['command'], message: 'the command is empty' });
      else if (h.shell !== true) ctx.addIssue({ code: 'custom', path: ['command'], message: 'a command given as one string runs through the shell: say so with shell: true, or give it as a list of arguments' });
      if (cmd.includes('\0')) ctx.addIssue({ code: 'custom', path: ['command'], message: 'the command cannot contain NUL characters' });
    }
  } else {
    if (h.shell !== undefined) ctx.addIssue({ code: 'custom', path: ['shell'], message: 'only commands take shell' });
    if (h.env !== undefined) ctx.addIssue({ code: 'custom', path: ['env'], message: 'only commands take env' });
    // Refinements run even when the URL itself was refused; that issue is already reported.
    const url = URL.canParse(h.webhook!) ? new URL(h.webhook!) : undefined;
    const inUrl = url !== undefined && (url.username !== '' || url.password !== '');
    const inHeader = Object.keys(h.headers ?? {}).some((k) => k.toLowerCase() === 'authorization');
    if (inUrl && inHeader) ctx.addIssue({ code: 'custom', path: ['webhook'], message: 'give credentials either in the URL or in an Authorization header, not both' });
  }
}).transform((h): Hook => {
  if (h.command !== undefined) {
    // The refinement above has checked every argument is a string.
    const out: CommandHook = { command: h.command as string[] | string, timeout: h.timeout };
    if (h.shell !== undefined) out.shell = h.shell;
    if (h.env !== undefined) out.env = h.env;
    return out;
  }
  const out: WebhookHook = { webhook: h.webhook!, timeout: h.timeout };
  if (h.headers !== undefined) out.headers = h.headers;
  return out;
});

export type HookInput = z.input<typeof HookSchema>;

const HookListSchema = z.array(HookSchema, { error: 'must be a list of hooks' }).max(32, 'at most 32 hooks per event');

export const RoutineHooksSchema = z.strictObject({
  'on-start': HookListSchema.optional(),
  'on-success': HookListSchema.optional(),
  'on-failure': HookListSchema.optional(),
}, { error: unknownKeys('on-start, on-success, on-failure') });
export type RoutineHooks = z.infer<typeof RoutineHooksSchema>;
export type RoutineHooksInput = z.input<typeof RoutineHooksSchema>;

export const HOOK_EVENT_KEYS = { start: 'on-start', success: 'on-success', failure: 'on-failure' } as const satisfies Record<HookEvent, keyof RoutineHooks>;

/** The hooks a routine runs for one event, in their configured order. */
export function hooksForEvent(hooks: RoutineHooks | undefined, event: HookEvent): Hook[] {
  return hooks?.[HOOK_EVENT_KEYS[event]] ?? [];
}

/**
 * What a hook is told about the job: the webhook body's `job` and, flattened, a command's
 * TIDEMARK_* environment. Absent facts are left out (a job that only starts has no status yet
 * beyond `running`, no records, no error).
 */
export const JobFactsSchema = z.object({
  id: z.string(),
  type: JobTypeSchema,
  'backup-type': z.enum(['full', 'incremental']).optional(),
  routine: z.string().optional(),
  trigger: JobTriggerSchema,
  status: JobStatusSchema,
  label: z.string().optional(),
  error: z.string().optional(),
  records: z.number().int().nonnegative().optional(),
  bytes: z.number().int().nonnegative().optional(),
  'duration-ms': z.number().int().nonnegative().optional(),
  /** Storage keys of the backups the job wrote. */
  'backup-keys': z.array(z.string()).optional(),
});
export type JobFacts = z.infer<typeof JobFactsSchema>;

/** The JSON body a webhook receives. */
export const WebhookPayloadSchema = z.object({
  event: HookEventSchema,
  job: JobFactsSchema,
});
export type WebhookPayload = z.infer<typeof WebhookPayloadSchema>;
