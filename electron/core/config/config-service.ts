/**
 * The configuration as the service core sees it: loaded, validated (schema, references, cron),
 * changed only as a whole valid document, and written atomically with a last-good copy beside it.
 *
 * A broken or hand-edited file that does not validate is never replaced: it stays where it is,
 * the service runs on the last good copy and reports the problem, and changes are refused until
 * the user fixes the file or explicitly restores the last good copy (which moves the broken file
 * aside, kept).
 */
import { EventEmitter } from 'node:events';
import {
  ConfigSchema,
  NameSchema,
  SECTIONS,
  checkReferences,
  formatIssues,
  routinesUsing,
  zodIssues,
  type Config,
  type ConfigIssue,
  type Section,
} from '../../../shared/schemas/config.js';
import { validateCron } from '../scheduler/cron.js';
import { ConfigError } from './config-error.js';
import type { ConfigDocumentStore } from './config-file.js';
import { noKeychain, type Keychain } from './keychain.js';
import { maskSecrets, openSecrets, sealSecrets, secretValues } from './secrets.js';

export interface ConfigProblem {
  file: string;
  message: string;
  issues: ConfigIssue[];
  /** What the service runs on instead. */
  running: 'last-good' | 'empty';
}

export interface ConfigServiceDeps {
  store: ConfigDocumentStore;
  /** Holds the last configuration that loaded cleanly. */
  lastGood: ConfigDocumentStore;
  keychain?: Keychain;
}

export type ConfigChange = { kind: 'replaced' } | { kind: 'put' | 'removed'; section: Section; name: string };

/** Validates a whole document: schema, then references and cron expressions. */
export function validateConfig(doc: unknown): { ok: true; config: Config } | { ok: false; issues: ConfigIssue[] } {
  const parsed = ConfigSchema.safeParse(doc);
  if (!parsed.success) return { ok: false, issues: zodIssues(parsed.error) };
  const config = parsed.data;
  const issues = checkReferences(config);
  for (const [name, r] of Object.entries(config['backup-routines'])) {
    for (const field of ['interval-cron', 'incr-interval-cron', 'verify-cron'] as const) {
      const expr = r[field];
      if (expr === undefined || (field === 'incr-interval-cron' && expr === '')) continue;
      const problem = validateCron(expr, field, r.timezone ? { timezone: r.timezone } : {});
      if (problem) issues.push({ path: ['backup-routines', name, field], message: problem });
    }
  }
  return issues.length ? { ok: false, issues } : { ok: true, config };
}

/** Names are checked before they are used as keys, so `__proto__` can never pass as an entry. */
function checkName(section: Section, name: string): void {
  const r = NameSchema.safeParse(name);
  if (!r.success) throw ConfigError.at('invalid', [section, name], r.error.issues[0]?.message ?? 'not a valid name');
}

export class ConfigService extends EventEmitter<{ changed: [ConfigChange]; problem: [ConfigProblem | undefined] }> {
  private current: Config = ConfigSchema.parse({});
  private currentProblem: ConfigProblem | undefined;
  private readonly keychain: Keychain;

  constructor(private readonly deps: ConfigServiceDeps) {
    super();
    this.keychain = deps.keychain ?? noKeychain;
  }

  get path(): string {
    return this.deps.store.path;
  }

  /** The configuration with secrets in the clear: for the core only, never for a transport. */
  get config(): Config {
    return this.current;
  }

  /** A copy safe to show: every secret masked. */
  masked(): Config {
    return maskSecrets(this.current);
  }

  get problem(): ConfigProblem | undefined {
    return this.currentProblem;
  }

  /** Secret values currently in use, for the logger's redaction. */
  secrets(): string[] {
    return secretValues(this.current as unknown as Record<string, unknown>);
  }

  /** Reads the file (and, when it is broken, the last good copy). Never writes the config file. */
  load(): ConfigProblem | undefined {
    const r = this.deps.store.read();
    if (r.state === 'missing') {
      this.set(ConfigSchema.parse({}), undefined);
      return undefined;
    }
    let issues: ConfigIssue[];
    let message: string;
    if (r.state === 'ok') {
      const v = validateConfig(r.doc);
      if (v.ok) {
        this.set(this.open(v.config), undefined);
        this.saveLastGood(r.doc as Record<string, unknown>);
        return undefined;
      }
      issues = v.issues;
      message = `${this.path} does not validate: ${formatIssues(issues)}`;
    } else {
      issues = [{ path: [], message: r.message }];
      message = `${this.path} cannot be read: ${r.message}`;
    }
    const good = this.deps.lastGood.read();
    const v = good.state === 'ok' ? validateConfig(good.doc) : undefined;
    const problem: ConfigProblem = { file: this.path, message, issues, running: v?.ok ? 'last-good' : 'empty' };
    this.set(v?.ok ? this.open(v.config) : ConfigSchema.parse({}), problem);
    return problem;
  }

  /** Validates without changing anything. */
  validate(doc: unknown): { ok: true; config: Config } | { ok: false; issues: ConfigIssue[] } {
    return validateConfig(doc);
  }

  /** Replaces the whole configuration (ABS `PUT /config`). */
  replace(doc: unknown): Config {
    this.mutate(() => doc);
    this.emit('changed', { kind: 'replaced' });
    return this.current;
  }

  get<S extends Section>(section: S, name: string): Config[S][string] {
    const entries = this.current[section] as Record<string, Config[S][string]>;
    if (!Object.prototype.hasOwnProperty.call(entries, name)) throw ConfigError.at('not-found', [section, name], `${SECTIONS[section]} '${name}' is not defined`);
    return entries[name]!;
  }

  has(section: Section, name: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.current[section], name);
  }

  /** Adds (`create`), changes (`update`) or either (`upsert`) one named entry. */
  put(section: Section, name: string, value: unknown, mode: 'create' | 'update' | 'upsert' = 'upsert'): void {
    checkName(section, name);
    this.mutate((doc) => {
      const entries = { ...((doc[section] as Record<string, unknown> | undefined) ?? {}) };
      const exists = Object.prototype.hasOwnProperty.call(entries, name);
      if (mode === 'create' && exists) throw ConfigError.at('conflict', [section, name], `${SECTIONS[section]} '${name}' already exists`);
      if (mode === 'update' && !exists) throw ConfigError.at('not-found', [section, name], `${SECTIONS[section]} '${name}' is not defined`);
      entries[name] = value;
      return { ...doc, [section]: entries };
    });
    this.emit('changed', { kind: 'put', section, name });
  }

  /** Deletes one entry; a cluster, storage or policy that a routine uses is refused. */
  remove(section: Section, name: string): void {
    checkName(section, name);
    this.mutate((doc) => {
      const entries = { ...((doc[section] as Record<string, unknown> | undefined) ?? {}) };
      if (!Object.prototype.hasOwnProperty.call(entries, name)) throw ConfigError.at('not-found', [section, name], `${SECTIONS[section]} '${name}' is not defined`);
      if (section !== 'backup-routines') {
        const users = routinesUsing(this.current, section, name);
        if (users.length) throw ConfigError.at('in-use', [section, name], `${SECTIONS[section]} '${name}' is used by routine${users.length > 1 ? 's' : ''} ${users.map((u) => `'${u}'`).join(', ')}`);
      }
      delete entries[name];
      return { ...doc, [section]: entries };
    });
    this.emit('changed', { kind: 'removed', section, name });
  }

  setRoutineDisabled(name: string, disabled: boolean): void {
    const routine = this.get('backup-routines', name);
    const next: Record<string, unknown> = { ...routine };
    if (disabled) next.disabled = true;
    else delete next.disabled;
    this.put('backup-routines', name, next, 'update');
  }

  /**
   * The way out of a broken file that the user chose: the broken file is moved aside (kept) and
   * the last good copy becomes the config. Returns where the broken file went.
   */
  restoreLastGood(): string | undefined {
    if (!this.currentProblem) return undefined;
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const aside = this.deps.store.moveAside(`broken-${stamp}`);
    const good = this.deps.lastGood.read();
    if (good.state === 'ok') this.deps.store.write(good.doc as Record<string, unknown>);
    this.load();
    this.emit('changed', { kind: 'replaced' });
    return aside;
  }

  /**
   * Read the file again, apply `change`, validate the whole result, seal secrets and write it.
   * Re-reading first keeps a change made meanwhile by another process (a CLI next to the server).
   */
  private mutate(change: (doc: Record<string, unknown>) => unknown): void {
    const r = this.deps.store.read();
    if (r.state === 'unreadable' || (r.state === 'ok' && !validateConfig(r.doc).ok)) {
      this.load();
      throw new ConfigError('broken-file', [
        { path: [], message: `${this.path} is broken and is kept as it is (${this.currentProblem?.message ?? 'unreadable'}): fix it by hand, or restore the last good copy, before changing the config` },
      ]);
    }
    const onDisk = r.state === 'ok' ? (r.doc as Record<string, unknown>) : {};
    // Work on the decrypted form so masked values and new plain values are handled alike.
    const base = openSecrets(onDisk, this.keychain);
    const next = change(structuredClone(base));
    const v = validateConfig(next);
    if (!v.ok) throw new ConfigError('invalid', v.issues);
    const sealed = sealSecrets(v.config as unknown as Record<string, unknown>, this.keychain, base);
    this.deps.store.write(sealed);
    this.saveLastGood(sealed);
    // From the sealed form, so a masked value that stood for the previous secret opens to it.
    this.set(this.open(ConfigSchema.parse(sealed)), undefined);
  }

  private open(c: Config): Config {
    return openSecrets(c as unknown as Record<string, unknown>, this.keychain) as unknown as Config;
  }

  private saveLastGood(doc: Record<string, unknown>): void {
    try {
      this.deps.lastGood.write(doc);
    } catch {
      // The last-good copy is a safety net; failing to refresh it must not fail the change.
    }
  }

  private set(config: Config, problem: ConfigProblem | undefined): void {
    this.current = config;
    const changed = (problem === undefined) !== (this.currentProblem === undefined) || problem?.message !== this.currentProblem?.message;
    this.currentProblem = problem;
    if (changed) this.emit('problem', problem);
  }
}
