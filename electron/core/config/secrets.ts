/**
 * The config's secrets: where they are, how they are stored and how they are read back.
 *
 * On disk a secret is either a reference (password-path, password-env, an AWS profile), or the
 * value encrypted by the OS keychain under KEYCHAIN_PREFIX, or — only when the user explicitly
 * allowed it with `tidemark.plaintext-secrets` — the value itself. In memory the service keeps
 * the decrypted values, so the engine can use them; transports show only masked copies.
 */
import { readFile } from 'node:fs/promises';
import { KEYCHAIN_PREFIX, type Config, type Credentials } from '../../../shared/schemas/config.js';
import { ConfigError } from './config-error.js';
import type { Keychain } from './keychain.js';

export const MASK = '********';

interface SecretSlot {
  path: Array<string>;
  get(): string | undefined;
  set(v: string | undefined): void;
}

/** Every secret value slot of a config document (not validated yet: works on plain objects). */
function slots(doc: Record<string, unknown>): SecretSlot[] {
  const out: SecretSlot[] = [];
  const obj = (v: unknown): Record<string, unknown> | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
  const slot = (holder: Record<string, unknown>, key: string, path: string[]): void => {
    if (typeof holder[key] !== 'string') return;
    out.push({
      path: [...path, key],
      get: () => holder[key] as string,
      set: (v) => {
        if (v === undefined) delete holder[key];
        else holder[key] = v;
      },
    });
  };
  for (const [name, c] of Object.entries(obj(doc['aerospike-clusters']) ?? {})) {
    const cred = obj(obj(c)?.credentials);
    if (cred) slot(cred, 'password', ['aerospike-clusters', name, 'credentials']);
  }
  for (const [name, s] of Object.entries(obj(doc.storage) ?? {})) {
    const s3 = obj(obj(s)?.['s3-storage']);
    if (!s3) continue;
    for (const key of ['s3-secret-access-key', 's3-session-token', 's3-access-key-id']) slot(s3, key, ['storage', name, 's3-storage']);
  }
  for (const [name, r] of Object.entries(obj(doc['backup-routines']) ?? {})) {
    const hooks = obj(obj(r)?.hooks);
    for (const [event, list] of Object.entries(hooks ?? {})) {
      if (!Array.isArray(list)) continue;
      list.forEach((h, i) => {
        // Header values and command environment variables with secret-looking names.
        for (const field of ['headers', 'env']) {
          const map = obj(obj(h)?.[field]);
          for (const key of Object.keys(map ?? {})) {
            if (/authorization|token|secret|key|password|passwd|cookie|credential/i.test(key)) slot(map!, key, ['backup-routines', name, 'hooks', event, String(i), field]);
          }
        }
      });
    }
  }
  return out;
}

/** Paths of the secrets a document holds, e.g. for a profile preview. */
export function secretPaths(doc: Record<string, unknown>): string[] {
  return slots(doc).map((s) => s.path.join('.'));
}

/**
 * Every secret a document holds, with its path as segments (names may contain '.', so a joined
 * path is ambiguous) and its value as stored: plain, MASK or keychain-sealed.
 */
export function secretEntries(doc: Record<string, unknown>): Array<{ path: string[]; value: string }> {
  return slots(doc).map((s) => ({ path: s.path, value: s.get()! }));
}

/** A deep copy with every secret value replaced by MASK. */
export function maskSecrets<T extends object>(doc: T): T {
  const copy = structuredClone(doc) as Record<string, unknown>;
  for (const s of slots(copy)) s.set(MASK);
  maskApiHashes(copy);
  return copy as T;
}

/**
 * The REST API's credential hashes (`tidemark.api`) are stored as they are — a hash opens
 * nothing — but a bcrypt hash of a password a person chose can be attacked offline, so they are
 * never shown either. A masked hash sent back means "unchanged" (see keepApiAccess).
 */
function maskApiHashes(doc: Record<string, unknown>): void {
  const api = (doc.tidemark as { api?: Record<string, unknown> } | undefined)?.api;
  if (!api || typeof api !== 'object') return;
  if (typeof api['token-sha256'] === 'string') api['token-sha256'] = MASK;
  const basic = api['basic-auth'] as Record<string, unknown> | undefined;
  if (basic && typeof basic['password-bcrypt'] === 'string') basic['password-bcrypt'] = MASK;
}

/** A deep copy without any secret value. */
export function stripSecrets<T extends object>(doc: T): T {
  const copy = structuredClone(doc) as Record<string, unknown>;
  for (const s of slots(copy)) s.set(undefined);
  return copy as T;
}

/**
 * Turns the in-memory form (plain values) into what is written to disk: keychain-encrypted where
 * a keychain exists, as is where plain text is explicitly allowed, else refused naming each field.
 * A masked value coming back from a UI means "unchanged" and takes the previous value.
 */
export function sealSecrets(doc: Record<string, unknown>, keychain: Keychain, previous: Record<string, unknown> | undefined): Record<string, unknown> {
  const out = structuredClone(doc);
  const prev = new Map(previous ? slots(structuredClone(previous)).map((s) => [s.path.join('.'), s.get()]) : []);
  const tidemark = (out.tidemark ?? {}) as Record<string, unknown>;
  const plainAllowed = tidemark['plaintext-secrets'] === true;
  const refused: Array<{ path: string[]; message: string }> = [];
  for (const s of slots(out)) {
    let v = s.get()!;
    if (v === MASK) {
      const old = prev.get(s.path.join('.'));
      if (old === undefined) {
        refused.push({ path: s.path, message: 'a masked value can only stand for a secret that is already set' });
        continue;
      }
      v = old;
    }
    if (v.startsWith(KEYCHAIN_PREFIX)) s.set(v);
    else if (keychain.isAvailable()) s.set(KEYCHAIN_PREFIX + keychain.encrypt(v));
    else if (plainAllowed) s.set(v);
    else refused.push({ path: s.path, message: 'secrets are not written to the config file in plain text: reference them (password-path, password-env, an S3 profile or the environment), or set tidemark.plaintext-secrets to true to allow it' });
  }
  if (refused.length) throw new ConfigError('secret', refused);
  return out;
}

/** Decrypts keychain values for use in memory; values this process cannot decrypt stay sealed. */
export function openSecrets(doc: Record<string, unknown>, keychain: Keychain): Record<string, unknown> {
  const out = structuredClone(doc);
  if (!keychain.isAvailable()) return out;
  for (const s of slots(out)) {
    const v = s.get()!;
    if (v.startsWith(KEYCHAIN_PREFIX)) s.set(keychain.decrypt(v.slice(KEYCHAIN_PREFIX.length)));
  }
  return out;
}

/** Every secret value in memory, for the logger's redaction. */
export function secretValues(doc: Record<string, unknown>): string[] {
  return slots(doc)
    .map((s) => s.get()!)
    .filter((v) => v !== MASK && v.length >= 3);
}

/** The password a cluster's credentials lead to: the value, a file's content or an env variable. */
export async function resolvePassword(cred: Credentials | undefined, where: string): Promise<string | undefined> {
  if (!cred?.user) return undefined;
  if (cred['password-path']) {
    try {
      return (await readFile(cred['password-path'], 'utf8')).replace(/\r?\n$/, '');
    } catch (err) {
      throw ConfigError.at('invalid', [where, 'credentials', 'password-path'], `cannot read ${cred['password-path']}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  if (cred['password-env']) {
    const v = process.env[cred['password-env']];
    if (v === undefined) throw ConfigError.at('invalid', [where, 'credentials', 'password-env'], `environment variable ${cred['password-env']} is not set`);
    return v;
  }
  if (cred.password?.startsWith(KEYCHAIN_PREFIX)) {
    throw ConfigError.at('secret', [where, 'credentials', 'password'], 'the password was encrypted with the desktop app\'s OS keychain, which this process cannot use: run this in the desktop app or set password-path / password-env');
  }
  return cred.password;
}

export type { Config };
