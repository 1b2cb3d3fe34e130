/**
 * Record history for people: the lookup form's request, each bin's value as short text, what a
 * backup without the record means, and where the server's refusals go. Pure, so it is tested
 * without a DOM.
 */
import type { BinJson, KeyType, RecordAbsence, RecordVersion } from '../../../../shared/schemas/record-history.js';
import type { ExamineRequest } from '../../../../shared/schemas/rest.js';
import { TransportError } from '../../api/transport.js';

export interface LookupValues {
  routine: string;
  set: string;
  key: string;
  keyType: KeyType;
}

export type LookupErrors = Partial<Record<keyof LookupValues | '_form', string>>;

/** The request the form describes, or the fields to fix first. */
export function lookupRequest(v: LookupValues): { request?: ExamineRequest; errors: LookupErrors } {
  const errors: LookupErrors = {};
  if (!v.routine) errors.routine = 'choose the routine whose backups to search';
  const key = v.keyType === 'string' ? v.key : v.key.trim();
  if (key === '') errors.key = 'give the record\'s user key';
  else if (v.keyType === 'integer' && !/^-?\d+$/.test(key)) errors.key = 'an integer key is a whole number';
  if (Object.keys(errors).length) return { errors };
  return { request: { routine: v.routine, set: v.set.trim(), key, 'key-type': v.keyType }, errors };
}

/** A refusal from the server, on the field it names (`body.key` → key). */
export function lookupServerErrors(err: unknown): LookupErrors {
  if (!(err instanceof TransportError)) return { _form: err instanceof Error ? err.message : String(err) };
  const out: LookupErrors = {};
  for (const i of err.issues) {
    const p = i.path.map(String);
    const field = p.includes('key') || p.includes('digest') ? 'key' : p.includes('key-type') ? 'keyType' : p.includes('set') ? 'set' : p.includes('routine') || p.includes('backup-routines') ? 'routine' : '_form';
    out[field] ??= i.message;
  }
  if (Object.keys(out).length === 0) out._form = err.message;
  return out;
}

const MAX_TEXT = 160;

/** One bin's value as text: strings as they are, everything else as JSON; long values cut. */
export function binValueText(b: BinJson): string {
  let text: string;
  if (b.type === 'string' && typeof b.value === 'string') text = b.value;
  else if (b.type === 'nil') text = '(nil)';
  else {
    try {
      text = JSON.stringify(b.value) ?? String(b.value);
    } catch {
      text = String(b.value);
    }
  }
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

export function expiryText(v: Pick<RecordVersion, 'expires'>): string {
  return v.expires === null ? 'never expires' : `expires ${v.expires.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')}`;
}

export function absenceText(a: Pick<RecordAbsence, 'meaning'>): string {
  return a.meaning === 'not-in-full' ? 'did not exist (or had expired) when this full backup ran' : 'not written since the previous backup (or deleted: incrementals do not record deletes)';
}
