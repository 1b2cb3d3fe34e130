import type { HookEvent } from '../../../shared/schemas/job.js';
import type { JobFacts, WebhookPayload } from '../../../shared/schemas/hooks.js';

/**
 * The environment a command hook sees: Tidemark's own environment (without any inherited
 * TIDEMARK_* variables, so a nested Tidemark never passes on stale facts), then the hook's `env`,
 * then the job facts:
 *
 *   TIDEMARK_EVENT          start | success | failure
 *   TIDEMARK_JOB_ID         the job's id
 *   TIDEMARK_JOB_TYPE       backup | restore | verify | copy | merge | delete | retention
 *   TIDEMARK_BACKUP_TYPE    full | incremental (backups only)
 *   TIDEMARK_ROUTINE        the routine's name
 *   TIDEMARK_TRIGGER        schedule | on-demand | catch-up
 *   TIDEMARK_STATUS         running | success | failure | …
 *   TIDEMARK_LABEL          the job's label
 *   TIDEMARK_ERROR          why the job failed (failure hooks)
 *   TIDEMARK_RECORDS        records handled
 *   TIDEMARK_BYTES          bytes written or read
 *   TIDEMARK_DURATION_MS    how long the job ran, in milliseconds
 *   TIDEMARK_BACKUP_KEYS    storage keys of the backups written, one per line
 *   TIDEMARK_JOB_JSON       the webhook body, {"event": …, "job": {…}}, for scripts that prefer jq
 *
 * A fact the job does not have is left unset rather than set empty, so `${TIDEMARK_X-default}`
 * works in shell scripts. Values are capped at ENV_VALUE_MAX characters (Linux refuses to start a
 * program with a single environment string over 128 KiB); a cut value ends with TRUNCATED_MARK,
 * and TIDEMARK_JOB_JSON, which cannot be cut and stay JSON, is left out when it is too long.
 */

export const ENV_PREFIX = 'TIDEMARK_';
export const ENV_VALUE_MAX = 64 * 1024;
export const TRUNCATED_MARK = ' …[truncated]';

export function webhookPayload(event: HookEvent, facts: JobFacts): WebhookPayload {
  return { event, job: facts };
}

export function hookEnvironment(event: HookEvent, facts: JobFacts, hookEnv: Record<string, string> | undefined, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) {
    if (v !== undefined && !k.toUpperCase().startsWith(ENV_PREFIX)) env[k] = v;
  }
  Object.assign(env, hookEnv ?? {});
  const set = (name: string, value: string | number | undefined): void => {
    if (value === undefined) return;
    env[ENV_PREFIX + name] = cap(String(value));
  };
  set('EVENT', event);
  set('JOB_ID', facts.id);
  set('JOB_TYPE', facts.type);
  set('BACKUP_TYPE', facts['backup-type']);
  set('ROUTINE', facts.routine);
  set('TRIGGER', facts.trigger);
  set('STATUS', facts.status);
  set('LABEL', facts.label);
  set('ERROR', facts.error);
  set('RECORDS', facts.records);
  set('BYTES', facts.bytes);
  set('DURATION_MS', facts['duration-ms']);
  set('BACKUP_KEYS', facts['backup-keys']?.join('\n'));
  const json = JSON.stringify(webhookPayload(event, facts));
  if (json.length <= ENV_VALUE_MAX) env[ENV_PREFIX + 'JOB_JSON'] = json;
  return env;
}

function cap(value: string): string {
  // The OS refuses NUL inside an environment string; a job's error text could carry one.
  const clean = value.includes('\0') ? value.replaceAll('\0', '\uFFFD') : value;
  return clean.length <= ENV_VALUE_MAX ? clean : clean.slice(0, ENV_VALUE_MAX - TRUNCATED_MARK.length) + TRUNCATED_MARK;
}
