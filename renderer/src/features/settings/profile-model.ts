/** The profile import preview for people, and where the server's refusals go. Pure, tested without a DOM. */
import type { ImportPreview, ProfileImportRequest } from '../../../../shared/schemas/rest.js';
import { TransportError } from '../../api/transport.js';

export type EntryStatus = ImportPreview['entries'][number]['status'];

export const STATUS_ORDER: readonly EntryStatus[] = ['conflicting', 'added', 'changed', 'removed', 'unchanged'];
export const STATUS_COLOR: Record<EntryStatus, string> = { added: 'green', changed: 'blue', unchanged: 'gray', conflicting: 'red', removed: 'orange' };

const SECTION_LABEL: Record<ImportPreview['entries'][number]['section'], string> = {
  'aerospike-clusters': 'Cluster',
  storage: 'Storage',
  'backup-policies': 'Policy',
  'backup-routines': 'Routine',
  settings: 'Settings',
};

export function sectionLabel(section: ImportPreview['entries'][number]['section']): string {
  return SECTION_LABEL[section];
}

/** Entries sorted so what needs attention comes first, then by section and name. */
export function sortedEntries(p: ImportPreview): ImportPreview['entries'] {
  return [...p.entries].sort((a, b) => STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status) || a.section.localeCompare(b.section) || a.name.localeCompare(b.name));
}

/** "2 added, 1 conflicting, 5 unchanged". */
export function previewSummary(p: ImportPreview): string {
  const counts = new Map<EntryStatus, number>();
  for (const e of p.entries) counts.set(e.status, (counts.get(e.status) ?? 0) + 1);
  const parts = STATUS_ORDER.filter((s) => counts.has(s)).map((s) => `${counts.get(s)} ${s}`);
  return parts.length ? parts.join(', ') : 'nothing to import';
}

export type ProfileField = 'text' | 'passphrase' | 'routines' | '_form';

/** A refusal on the field it names: the file (`text`), the passphrase, the routines; else the form. */
export function profileErrors(err: unknown): Partial<Record<ProfileField, string>> {
  if (!(err instanceof TransportError)) return { _form: err instanceof Error ? err.message : String(err) };
  const out: Partial<Record<ProfileField, string>> = {};
  for (const i of err.issues) {
    const p = i.path.map(String);
    const head = p[0] === 'body' ? p[1] : p[0];
    const field: ProfileField = head === 'text' || head === 'passphrase' || head === 'routines' ? head : '_form';
    const where = field === 'text' && p.length > 2 ? `${p.slice(p[0] === 'body' ? 2 : 1).join('.')}: ` : '';
    out[field] ??= `${where}${i.message}`;
  }
  if (Object.keys(out).length === 0 || (err.status === 409 && !out._form)) out._form ??= err.message;
  return out;
}

/** A secret's path as people read it: "storage vault › s3-secret-access-key". */
export function secretLabel(path: readonly string[]): string {
  const [section, name, ...rest] = path;
  const what = section === 'aerospike-clusters' ? 'cluster' : section === 'backup-routines' ? 'routine' : (section ?? '');
  return `${what} ${name ?? ''} › ${rest.filter((p) => p !== 's3-storage' && p !== 'credentials').join(' › ')}`.trim();
}

export const secretKey = (path: readonly string[]): string => path.join('\u0000');

/** What the import form holds beyond the file itself. */
export interface ImportChoices {
  text: string;
  mode: 'merge' | 'replace';
  overwrite: boolean;
  passphrase: string;
  /** Import none of the file's secrets: this machine's stay. */
  skipSecrets: boolean;
  /** Secrets the file does not carry (as the last preview listed them), and what was typed for them. */
  missing: ReadonlyArray<readonly string[]>;
  values: Readonly<Record<string, string>>;
  allowMissing: boolean;
  allowPlaintext: boolean;
}

/** The import request for the form's choices; only typed values for listed secrets are sent. */
export function importRequest(c: ImportChoices): ProfileImportRequest {
  const values = c.missing.map((path) => ({ path: [...path], value: c.values[secretKey(path)] ?? '' })).filter((v) => v.value !== '');
  return {
    text: c.text,
    mode: c.mode,
    ...(c.mode === 'merge' && c.overwrite ? { overwrite: true } : {}),
    ...(c.passphrase ? { passphrase: c.passphrase } : {}),
    ...(c.skipSecrets ? { 'skip-secrets': true } : {}),
    ...(values.length ? { 'secret-values': values } : {}),
    ...(c.allowMissing ? { 'allow-missing-secrets': true } : {}),
    ...(c.allowPlaintext ? { 'allow-plaintext-secrets': true } : {}),
  };
}

/** Secrets to ask for: those the preview lists as missing, and those already typed (provided). */
export function secretsToAsk(p: ImportPreview): string[][] {
  return p.secrets.filter((s) => s.status === 'missing' || s.status === 'provided').map((s) => s.path);
}

/** The refusal is the config's rule against plain-text secrets, which allow-plaintext-secrets lifts. */
export function refusesPlaintext(err: unknown): boolean {
  const texts = err instanceof TransportError ? [err.message, ...err.issues.map((i) => i.message)] : [err instanceof Error ? err.message : String(err)];
  return texts.some((t) => /plain text/i.test(t));
}
