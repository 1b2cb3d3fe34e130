/**
 * The API token: the sign-in URL that `tidemark serve` prints carries it in the fragment
 * (`#token=…`, never sent to a server or written to its logs). It is moved to sessionStorage
 * and the fragment is removed from the address bar, so the tab stays signed in across reloads
 * and nothing else keeps it.
 */
const KEY = 'tidemark.token';

export interface TokenStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** The token in a URL fragment like `#token=abc` or `#/jobs&token=abc`, and the fragment without it. */
export function tokenFromHash(hash: string): { token?: string; rest: string } {
  const h = hash.replace(/^#/, '');
  const parts = h.split('&');
  let token: string | undefined;
  const rest = parts.filter((p) => {
    const m = /^(?:access_)?token=(.*)$/.exec(p);
    if (m) token = decodeURIComponent(m[1] ?? '');
    return !m;
  });
  return { ...(token ? { token } : {}), rest: rest.join('&') };
}

/** Takes a token out of the address bar into the store; returns the token to use now. */
export function initToken(loc: { hash: string }, store: TokenStore, replaceHash: (rest: string) => void): string | undefined {
  const { token, rest } = tokenFromHash(loc.hash);
  if (token) {
    store.setItem(KEY, token);
    replaceHash(rest);
    return token;
  }
  return store.getItem(KEY) ?? undefined;
}

export function saveToken(store: TokenStore, token: string | undefined): void {
  if (token) store.setItem(KEY, token);
  else store.removeItem(KEY);
}
