/**
 * The part of a config that chosen routines need: the routines, and the cluster, storage and
 * policy each names. Service and Tidemark settings belong to a whole config, not to routines.
 */
import type { Config } from '../../../shared/schemas/config.js';
import { ProfileError } from './profile-error.js';

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

export function selectRoutines(config: Config, routines: readonly string[]): Config {
  const names = [...new Set(routines)];
  if (names.length === 0) throw ProfileError.at('bad-option', ['routines'], 'choose at least one routine to export');
  const unknown = names.filter((n) => !hasOwn(config['backup-routines'], n));
  if (unknown.length) {
    const known = Object.keys(config['backup-routines']);
    throw new ProfileError(
      'not-found',
      unknown.map((n) => ({ path: ['backup-routines', n], message: `routine '${n}' is not defined (${known.length ? `defined: ${known.join(', ')}` : 'no routine is defined yet'})` })),
    );
  }
  const out: Config = { 'aerospike-clusters': {}, storage: {}, 'backup-policies': {}, 'backup-routines': {} };
  for (const name of names) {
    const r = config['backup-routines'][name]!;
    out['backup-routines'][name] = structuredClone(r);
    out['aerospike-clusters'][r['source-cluster']] = structuredClone(config['aerospike-clusters'][r['source-cluster']]!);
    out.storage[r.storage] = structuredClone(config.storage[r.storage]!);
    out['backup-policies'][r['backup-policy']] = structuredClone(config['backup-policies'][r['backup-policy']]!);
  }
  return out;
}
