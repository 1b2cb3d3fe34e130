/**
 * One exact text for a piece of JSON data, whatever the file's syntax or key order: keys sorted by
 * UTF-16 code units, no whitespace, numbers and strings as JSON.stringify writes them. A profile's
 * authenticated data is this text, so re-encoding a profile (YAML to JSON, reindenting) keeps it
 * valid while any change of a value does not.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`${value} has no JSON form`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  throw new TypeError(`a ${typeof value} has no JSON form`);
}
