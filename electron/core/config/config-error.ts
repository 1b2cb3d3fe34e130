import { formatIssues, type ConfigIssue } from '../../../shared/schemas/config.js';

/**
 * Why a config change was refused. `code` tells transports which status to answer (invalid: 400,
 * not-found: 404, conflict and in-use: 409, broken-file: 409), `issues` name each field.
 */
export type ConfigErrorCode = 'invalid' | 'not-found' | 'conflict' | 'in-use' | 'broken-file' | 'secret';

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly code: ConfigErrorCode,
    readonly issues: ConfigIssue[],
  ) {
    super(formatIssues(issues));
  }

  static at(code: ConfigErrorCode, path: Array<string | number>, message: string): ConfigError {
    return new ConfigError(code, [{ path, message }]);
  }
}
