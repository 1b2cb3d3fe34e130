/**
 * Writes a config — whole, or chosen routines with what they use — as a Tidemark profile.
 *
 * Secrets are left out unless a passphrase is given; then they travel encrypted and the whole
 * profile is authenticated (see shared/schemas/profile.ts). `tidemark.plaintext-secrets` is never
 * exported: whether secrets may sit in plain text is the importing machine's decision.
 */
import { KEYCHAIN_PREFIX, type Config, type ConfigIssue } from '../../../shared/schemas/config.js';
import {
  PROFILE_FORMAT,
  PROFILE_VERSION,
  ScryptParamsSchema,
  SCRYPT_DEFAULTS,
  type ProfileEnvelope,
  type ProfileScope,
  type ProfileSecrets,
  type ScryptParams,
} from '../../../shared/schemas/profile.js';
import { TOOL_VERSION } from '../version.js';
import { MASK, secretEntries, stripSecrets } from '../config/secrets.js';
import { canonicalJson } from './canonical-json.js';
import { selectRoutines } from './config-scope.js';
import { stringifyDocument, type TextFormat } from './document-text.js';
import { ProfileError } from './profile-error.js';
import { describeSecret } from './secret-labels.js';
import { sealWithPassphrase } from './secret-box.js';

export interface ExportProfileOptions {
  /** Default json. */
  format?: TextFormat;
  /** Export only these routines and the cluster, storage and policy each uses. */
  routines?: readonly string[];
  /** Include the secrets, encrypted with this passphrase (at least 8 characters). */
  passphrase?: string;
  /** scrypt cost; the defaults are the recommended ones. */
  scryptCost?: Partial<Pick<ScryptParams, 'N' | 'r' | 'p'>>;
  now?: Date;
  toolVersion?: string;
}

export interface ExportedProfile {
  text: string;
  format: TextFormat;
  scope: ProfileScope;
  /** Secrets in the file (encrypted) and secrets left out, as paths. */
  secrets: { included: string[][]; omitted: string[][] };
  warnings: ConfigIssue[];
}

/** What the additional data of an encrypted profile is: the envelope without ciphertext and tag. */
export function profileAad(envelope: Record<string, unknown>): Buffer {
  const secrets = { ...(envelope.secrets as Record<string, unknown>) };
  delete secrets.ciphertext;
  delete secrets.tag;
  return Buffer.from(canonicalJson({ ...envelope, secrets }), 'utf8');
}

export async function exportProfile(config: Config, opts: ExportProfileOptions = {}): Promise<ExportedProfile> {
  const format = opts.format ?? 'json';
  const scope: ProfileScope = opts.routines ? { kind: 'routines', routines: [...new Set(opts.routines)] } : { kind: 'full' };
  const selected = opts.routines ? selectRoutines(config, opts.routines) : structuredClone(config);
  const doc = selected as unknown as Record<string, unknown>;
  dropLocalPolicy(doc);

  const warnings: ConfigIssue[] = [];
  const included: Array<{ path: string[]; value: string }> = [];
  const omitted: string[][] = [];
  for (const s of secretEntries(doc)) {
    if (s.value.startsWith(KEYCHAIN_PREFIX)) {
      omitted.push(s.path);
      warnings.push({ path: s.path, message: `${describeSecret(s.path)} is sealed by the desktop app's OS keychain, which this process cannot open: left out` });
    } else if (s.value === MASK) {
      omitted.push(s.path);
      warnings.push({ path: s.path, message: `${describeSecret(s.path)} is masked in the config given to export (export the service's config, not a masked copy): left out` });
    } else if (opts.passphrase === undefined) {
      omitted.push(s.path);
      warnings.push({ path: s.path, message: `${describeSecret(s.path)} is left out (export with a passphrase to include it encrypted): an import keeps the current one or asks for it` });
    } else {
      included.push(s);
    }
  }

  const header = {
    format: PROFILE_FORMAT,
    version: PROFILE_VERSION,
    'exported-at': (opts.now ?? new Date()).toISOString(),
    'tool-version': opts.toolVersion ?? TOOL_VERSION,
    scope,
  };
  // As plain JSON data, so the authenticated form is exactly what an import reads back.
  const body = JSON.parse(JSON.stringify(stripSecrets(doc))) as Record<string, unknown>;
  let secrets: ProfileSecrets;
  if (opts.passphrase === undefined) {
    secrets = { mode: 'none', omitted };
  } else {
    const cost = { ...SCRYPT_DEFAULTS, ...opts.scryptCost };
    const checked = ScryptParamsSchema.safeParse({ name: 'scrypt', ...cost, salt: 'AAAAAAAAAAAAAAAAAAAAAA==' });
    if (!checked.success) throw new ProfileError('bad-option', checked.error.issues.map((i) => ({ path: ['scryptCost', ...i.path.map(String)], message: i.message })));
    const paths = included.map((s) => s.path);
    const box = await sealWithPassphrase(
      JSON.stringify(included.map((s) => s.value)),
      opts.passphrase,
      ({ kdf, keyCheck, iv }) => profileAad({ ...header, secrets: { mode: 'encrypted', paths, omitted, cipher: 'aes-256-gcm', kdf, 'key-check': keyCheck, iv }, config: body }),
      cost,
    );
    secrets = { mode: 'encrypted', paths, omitted, cipher: 'aes-256-gcm', kdf: box.kdf, 'key-check': box.keyCheck, iv: box.iv, tag: box.tag, ciphertext: box.ciphertext };
  }
  const envelope: ProfileEnvelope = { ...header, secrets, config: body };
  return { text: stringifyDocument(envelope, format), format, scope, secrets: { included: included.map((s) => s.path), omitted }, warnings };
}

/** Storage policy for secrets is the machine's own; an empty Tidemark section is left out. */
function dropLocalPolicy(doc: Record<string, unknown>): void {
  const tidemark = doc.tidemark as Record<string, unknown> | undefined;
  if (!tidemark) return;
  delete tidemark['plaintext-secrets'];
  if (Object.keys(tidemark).length === 0) delete doc.tidemark;
}
