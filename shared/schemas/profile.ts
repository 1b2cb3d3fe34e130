import { z } from 'zod';
import { NameSchema } from './config.js';

/**
 * A Tidemark profile: a configuration (whole, or chosen routines with what they use) written to a
 * JSON or YAML file to be imported elsewhere. The envelope says what the file is and how its
 * secrets travel:
 *
 *   format: tidemark-profile
 *   version: 1
 *   exported-at: 2025-05-01T10:00:00.000Z
 *   tool-version: 0.1.0
 *   scope: { kind: routines, routines: [nightly] }     # or { kind: full }
 *   secrets:                                           # always present
 *     mode: none                                       # no secret values in the file;
 *     omitted: [[aerospike-clusters, prod, credentials, password]]   # where they were left out
 *   config: { aerospike-clusters: …, storage: …, backup-policies: …, backup-routines: … }
 *
 * With a passphrase, `secrets` is `mode: encrypted`: the secret values (in the order of `paths`)
 * as JSON, encrypted with AES-256-GCM under a key derived by scrypt from the passphrase. The rest
 * of the envelope (everything but `ciphertext` and `tag`, serialised canonically) is the GCM
 * additional data, so a change anywhere in the file is detected — and because the canonical form
 * is independent of the file's syntax, a profile converted between JSON and YAML still verifies.
 * `key-check` (an HMAC made with a second derived key) tells a wrong passphrase from a changed
 * file; it lets nobody test passphrases faster than decrypting would.
 *
 * `config` is in the config-file shape (shared/schemas/config.ts) without the secret values; it is
 * checked against ConfigSchema when imported, not here, so its issues carry config field paths.
 */

export const PROFILE_FORMAT = 'tidemark-profile' as const;
export const PROFILE_VERSION = 1 as const;

/** Where one secret sits in `config`, as segments (names may contain '.'). */
export const SecretPathSchema = z.array(z.string().min(1).max(1024)).min(3, 'a secret path names a section, an entry and a field').max(16);
export type SecretPath = z.infer<typeof SecretPathSchema>;

export const ProfileScopeSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('full') }),
  z.strictObject({ kind: z.literal('routines'), routines: z.array(NameSchema).min(1, 'name at least one routine').max(10_000) }),
]);
export type ProfileScope = z.infer<typeof ProfileScopeSchema>;

/** Bounds on scrypt's cost accepted from a file: weak enough to be useless, or costly enough to hang the app, is refused. */
export const SCRYPT_LIMITS = {
  minN: 2 ** 14,
  maxN: 2 ** 20,
  maxR: 32,
  maxP: 16,
  /** scrypt needs 128·N·r bytes. */
  maxMemoryBytes: 512 * 1024 * 1024,
} as const;

/** Recommended cost (OWASP: N=2^17, r=8, p=1): about 128 MiB and a fraction of a second. */
export const SCRYPT_DEFAULTS = { N: 2 ** 17, r: 8, p: 1 } as const;

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * Canonical base64 (padded, no whitespace, unused bits zero): a lenient decoder would let
 * characters change without changing the bytes, which an integrity check must not allow.
 */
export function isCanonicalBase64(s: string): boolean {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s)) return false;
  if (s.endsWith('==')) return B64.indexOf(s[s.length - 3]!) % 16 === 0;
  if (s.endsWith('=')) return B64.indexOf(s[s.length - 2]!) % 4 === 0;
  return true;
}

export function base64ByteLength(s: string): number {
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  return (s.length / 4) * 3 - pad;
}

const base64 = (what: string, bytes?: { min: number; max: number }) =>
  z
    .string()
    .max(24 * 1024 * 1024)
    .refine(isCanonicalBase64, { message: `${what} must be canonical base64`, abort: true })
    .refine((s) => bytes === undefined || (base64ByteLength(s) >= bytes.min && base64ByteLength(s) <= bytes.max), {
      message: bytes === undefined ? '' : bytes.min === bytes.max ? `${what} must be ${bytes.min} bytes` : `${what} must be ${bytes.min}-${bytes.max} bytes`,
    });

export const ScryptParamsSchema = z
  .strictObject({
    name: z.literal('scrypt'),
    N: z
      .number()
      .int()
      .min(SCRYPT_LIMITS.minN, `at least ${SCRYPT_LIMITS.minN}`)
      .max(SCRYPT_LIMITS.maxN, `at most ${SCRYPT_LIMITS.maxN}`)
      .refine((n) => (n & (n - 1)) === 0, 'must be a power of two'),
    r: z.number().int().min(1).max(SCRYPT_LIMITS.maxR),
    p: z.number().int().min(1).max(SCRYPT_LIMITS.maxP),
    salt: base64('the salt', { min: 16, max: 64 }),
  })
  .superRefine((k, ctx) => {
    if (128 * k.N * k.r > SCRYPT_LIMITS.maxMemoryBytes) ctx.addIssue({ code: 'custom', path: ['r'], message: `N and r together need ${(128 * k.N * k.r) / 2 ** 20} MiB, more than the ${SCRYPT_LIMITS.maxMemoryBytes / 2 ** 20} MiB allowed` });
  });
export type ScryptParams = z.infer<typeof ScryptParamsSchema>;

const SecretPathsSchema = z.array(SecretPathSchema).max(10_000);

/** No secret values in the file. */
export const PlainSecretsSchema = z.strictObject({
  mode: z.literal('none'),
  /** Secrets the exported config had and the file does not carry. */
  omitted: SecretPathsSchema,
});

export const EncryptedSecretsSchema = z.strictObject({
  mode: z.literal('encrypted'),
  /** Secrets the ciphertext holds, in order. */
  paths: SecretPathsSchema,
  /** Secrets the exported config had that could not be exported (sealed by another machine's keychain). */
  omitted: SecretPathsSchema,
  cipher: z.literal('aes-256-gcm'),
  kdf: ScryptParamsSchema,
  /** HMAC-SHA256 under the second derived key: matches exactly when the passphrase is right. */
  'key-check': base64('key-check', { min: 32, max: 32 }),
  iv: base64('iv', { min: 12, max: 12 }),
  tag: base64('tag', { min: 16, max: 16 }),
  ciphertext: base64('ciphertext'),
});

export const ProfileSecretsSchema = z.discriminatedUnion('mode', [PlainSecretsSchema, EncryptedSecretsSchema]);
export type ProfileSecrets = z.infer<typeof ProfileSecretsSchema>;
export type EncryptedSecrets = z.infer<typeof EncryptedSecretsSchema>;

export const ProfileEnvelopeSchema = z.strictObject({
  format: z.literal(PROFILE_FORMAT),
  /** Checked first: a newer file is refused as such, not for the fields it added. */
  version: z.literal(PROFILE_VERSION),
  'exported-at': z.iso.datetime({ offset: true }),
  'tool-version': z.string().min(1).max(64),
  scope: ProfileScopeSchema,
  secrets: ProfileSecretsSchema,
  config: z.record(z.string(), z.unknown()),
});
export type ProfileEnvelope = z.infer<typeof ProfileEnvelopeSchema>;
