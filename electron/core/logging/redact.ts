/**
 * Keeping secrets out of text that leaves the process (log lines, hook targets recorded on jobs).
 *
 * Two independent nets, because either alone misses cases: keys that look secret have their
 * values replaced whatever the value is (catches secrets Tidemark does not know, e.g. a header a
 * user typed), and the known secret values are replaced wherever they appear (catches a password
 * interpolated into a message or quoted in a driver's error text).
 */

export const REDACTED = '[REDACTED]';

/**
 * Key names whose values are secrets. Deliberately broad: a redacted harmless value costs little,
 * a leaked credential a lot. Bare `key` is not in it: backup keys are storage paths users need to
 * see.
 */
const SECRET_KEY = /passw(?:or)?d|passphrase|^pass$|^pwd$|secret|token|^auth$|authori[sz]ation|cookie|credential|api[-_]?key|access[-_]?key|private[-_]?key|secret[-_]?key|encryption[-_]?key|signature/i;

/** `password-env`, `password-path`, `key-file`: where a secret is, which users need to see. */
const SECRET_REFERENCE = /(?:[-_](?:env|path|file)|Env|Path|File)$/;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && !SECRET_REFERENCE.test(key);
}

/**
 * The secret-looking keys as exact names, for pino's path-based `redact` (which runs on the
 * object before it is serialized, so it also covers objects interpolated into a message with
 * `%j`/`%o`). The line scrubber covers every other spelling at any depth.
 */
export const SECRET_KEY_NAMES: readonly string[] = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'authorization',
  'Authorization',
  'cookie',
  'Cookie',
  'set-cookie',
  'credentials',
  'apiKey',
  'api-key',
  'accessToken',
  'access-token',
  'refreshToken',
  'secretAccessKey',
  'sessionToken',
  'accessKeyId',
  's3-secret-access-key',
  's3-access-key-id',
  's3-session-token',
  'x-api-key',
  'X-Api-Key',
];

/**
 * pino redact paths for SECRET_KEY_NAMES at the top level and up to `depth` objects deep.
 * Each wildcard level multiplies pino's work per line (depth 1 costs ~12 µs a line, depth 4
 * ~50 µs), and the line scrubber already covers every depth, so the default stays shallow.
 */
export function secretRedactPaths(depth = 1): string[] {
  const paths: string[] = [];
  for (let d = 0; d <= depth; d++) {
    const prefix = '*.'.repeat(d);
    for (const name of SECRET_KEY_NAMES) {
      const seg = /^[A-Za-z_$][\w$]*$/.test(name) ? name : `["${name}"]`;
      paths.push(seg.startsWith('[') ? `${prefix.slice(0, -1)}${seg}` : `${prefix}${seg}`);
    }
  }
  return paths;
}

// scheme://userinfo@ — userinfo ends at the last '@' before the authority ends ('/', '?', '#',
// whitespace or a quote), so an unencoded '@' inside a password is still covered.
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]*(?:@[^\s/?#@"'<>]*)*@/gi;
// name=value in a query string, e.g. a presigned S3 URL's X-Amz-Security-Token.
const QUERY_PARAM = /([?&])([^=&\s#"'<>]+)=([^&\s#"'<>]*)/g;

/**
 * Removes credentials from every URL in `text`: `scheme://user:pass@host` loses its user
 * information, and query parameters with secret-looking names lose their values.
 */
export function redactUrlCredentials(text: string): string {
  if (!text.includes('://') && !text.includes('=')) return text;
  return text
    .replace(URL_USERINFO, `$1${REDACTED}@`)
    .replace(QUERY_PARAM, (whole, sep: string, name: string, value: string) => {
      if (value === '' || value === REDACTED) return whole;
      let decoded = name;
      try {
        decoded = decodeURIComponent(name);
      } catch {
        // A malformed escape: judge the raw name.
      }
      return isSecretKey(decoded) ? `${sep}${name}=${REDACTED}` : whole;
    });
}

/**
 * A URL fit to be shown: user information dropped (not masked, so the result is still a usable
 * URL) and secret-looking query values replaced.
 */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return redactUrlCredentials(u.toString());
  } catch {
    return redactUrlCredentials(url);
  }
}

/**
 * The spellings a secret can take inside a JSON string after one more round of encoding:
 * itself, JSON-escaped (a JSON document quoted in a message), and percent-encoded (a URL).
 * Longest first, so a secret containing another is replaced whole.
 */
function spellings(secrets: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const s of secrets) {
    if (typeof s !== 'string' || s === '') continue;
    out.add(s);
    out.add(JSON.stringify(s).slice(1, -1));
    try {
      out.add(encodeURIComponent(s));
    } catch {
      // Lone surrogates cannot be percent-encoded; the other spellings still apply.
    }
  }
  return [...out].sort((a, b) => b.length - a.length);
}

function scrubString(s: string, forms: readonly string[]): string {
  let out = s;
  for (const f of forms) {
    if (out.includes(f)) out = out.split(f).join(REDACTED);
  }
  return redactUrlCredentials(out);
}

/** Top-level fields pino writes itself; numbers there are never user data. */
const PINO_FIELDS = new Set(['level', 'time', 'pid']);

function scrubValue(v: unknown, forms: readonly string[], top: boolean): unknown {
  if (typeof v === 'string') return scrubString(v, forms);
  if (typeof v === 'number') {
    // A numeric PIN or key logged as a number.
    const text = String(v);
    return forms.some((f) => text.includes(f)) ? REDACTED : v;
  }
  if (Array.isArray(v)) return v.map((x) => scrubValue(x, forms, false));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const key = scrubString(k, forms);
      if (top && PINO_FIELDS.has(k)) out[key] = x;
      else if (isSecretKey(k) && x !== null && typeof x !== 'boolean') out[key] = REDACTED;
      else out[key] = scrubValue(x, forms, false);
    }
    return out;
  }
  return v;
}

/**
 * Scrubs one serialized log line (a JSON object and its newline). `secrets` is asked on every
 * line so a password entered a moment ago is already covered.
 */
export function scrubLine(line: string, secrets: Iterable<string>): string {
  const forms = spellings(secrets);
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    // Not JSON (never from pino itself): replace what can be recognized in the raw text, including
    // the doubly escaped form a JSON-escaped secret takes inside a JSON string.
    const raw = spellings([...forms, ...forms.map((f) => JSON.stringify(f).slice(1, -1))]);
    return scrubString(line, raw);
  }
  const nl = line.endsWith('\n') ? '\n' : '';
  return JSON.stringify(scrubValue(parsed, forms, true)) + nl;
}
