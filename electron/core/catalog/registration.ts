/**
 * The registration of a foreign backup: an asbackup output folder (`.asb` files, no
 * metadata.yaml) adopted into a routine. It is a metadata.yaml-shaped document (so the catalog,
 * the verifier and the restore planner read it like any backup's metadata, file checksums
 * included) plus where the files are. It is stored in the routine's `foreign/` folder, not beside
 * the `.asb` files: the asbackup folder stays byte-for-byte as asrestore expects, and a
 * registration is found by listing the routine alone, as ABS-layout backups are.
 */
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import type { BackupStorage } from '../storage/storage.js';
import { BackupMetadataSchema } from '../../../shared/schemas/backup-metadata.js';
import { describeIssues } from '../../../shared/schemas/backup-request.js';
import { readText } from './storage-text.js';

export const RegistrationSchema = BackupMetadataSchema.extend({
  'tidemark-foreign': z.object({
    /** Storage path of the asbackup folder. */
    path: z.string().min(1),
    /** RFC 3339: when it was registered. */
    registered: z.string(),
  }),
});
export type Registration = z.infer<typeof RegistrationSchema>;

export class RegistrationError extends Error {
  override name = 'RegistrationError';
}

export function parseRegistration(text: string, path: string): Registration {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new RegistrationError(`${path}: not valid YAML (${(err as Error).message})`);
  }
  const r = RegistrationSchema.safeParse(doc);
  if (!r.success) throw new RegistrationError(`${path}: ${describeIssues(r.error)}`);
  return r.data;
}

export async function readRegistration(storage: BackupStorage, path: string): Promise<Registration> {
  return parseRegistration(await readText(storage, path), path);
}

export function formatRegistration(reg: Registration): string {
  return stringify(reg);
}
