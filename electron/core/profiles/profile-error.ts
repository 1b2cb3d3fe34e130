import type { ConfigIssue } from '../../../shared/schemas/config.js';

/**
 * Why an export or import was refused. The code tells a UI what to offer (ask for the passphrase,
 * ask for the missing passwords, offer `overwrite`), the issues name each field.
 *
 * - malformed: the text is not JSON/YAML, or is not a profile / config file in a known shape
 * - unsupported-version: a profile written by a newer Tidemark
 * - passphrase-required: the profile's secrets are encrypted and no passphrase was given
 * - wrong-passphrase: the passphrase does not open the profile
 * - tampered: the passphrase is right but the file changed after it was exported
 * - invalid: the configuration in the file (or the result of the import) does not validate
 * - conflict: merging would change entries that differ, and `overwrite` was not given
 * - missing-secret: entries need secrets the file does not carry and the config does not have
 * - plaintext-secrets: the file's secrets would be stored in plain text, which this config refuses
 * - not-found: an export named a routine that does not exist
 * - bad-option: an option cannot be used as given (a short passphrase, a secret for a path the import has no use for)
 * - broken-file: the current config file is broken; nothing is imported until it is fixed
 */
export type ProfileErrorCode =
  | 'malformed'
  | 'unsupported-version'
  | 'passphrase-required'
  | 'wrong-passphrase'
  | 'tampered'
  | 'invalid'
  | 'conflict'
  | 'missing-secret'
  | 'plaintext-secrets'
  | 'not-found'
  | 'bad-option'
  | 'broken-file';

export class ProfileError extends Error {
  override name = 'ProfileError';
  constructor(
    readonly code: ProfileErrorCode,
    readonly issues: ConfigIssue[],
  ) {
    // A path names a field of the file or config; an empty one is about the file as a whole.
    super(issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; '));
  }

  static at(code: ProfileErrorCode, path: Array<string | number>, message: string): ProfileError {
    return new ProfileError(code, [{ path, message }]);
  }
}
