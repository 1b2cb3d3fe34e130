/**
 * Reading, writing and comparing plain JSON data by path. Lookups go through own properties only,
 * so a path segment like `constructor` never reaches Object.prototype.
 */

type Data = Record<string, unknown>;

const isObject = (v: unknown): v is Data => typeof v === 'object' && v !== null;
const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

export function getAt(root: unknown, path: readonly string[]): unknown {
  let v: unknown = root;
  for (const k of path) {
    if (!isObject(v) || !hasOwn(v, k)) return undefined;
    v = v[k];
  }
  return v;
}

/** Sets a value where the parent already exists; returns false when it does not. */
export function setAt(root: unknown, path: readonly string[], value: unknown): boolean {
  const parent = getAt(root, path.slice(0, -1));
  const key = path[path.length - 1];
  if (!isObject(parent) || key === undefined) return false;
  Object.defineProperty(parent, key, { value, enumerable: true, writable: true, configurable: true });
  return true;
}

export function deleteAt(root: unknown, path: readonly string[]): void {
  const parent = getAt(root, path.slice(0, -1));
  const key = path[path.length - 1];
  if (isObject(parent) && key !== undefined && hasOwn(parent, key)) delete parent[key];
}

/** Structural equality of JSON data; key order does not matter, array order does. */
export function deepEqual(a: unknown, b: unknown): boolean {
  return diffPaths(a, b, [], 1).length === 0;
}

/**
 * Where two values differ, as dotted paths relative to them ('' for the values themselves):
 * leaves that changed, keys added or removed, arrays compared whole.
 */
export function diffPaths(a: unknown, b: unknown, at: string[] = [], limit = 50): string[] {
  const out: string[] = [];
  const walk = (x: unknown, y: unknown, path: string[]): void => {
    if (out.length >= limit) return;
    if (Array.isArray(x) || Array.isArray(y)) {
      if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length || x.some((v, i) => diffPaths(v, y[i], [], 1).length > 0)) out.push(path.join('.'));
      return;
    }
    if (isObject(x) && isObject(y)) {
      const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])].sort();
      for (const k of keys) walk(hasOwn(x, k) ? x[k] : undefined, hasOwn(y, k) ? y[k] : undefined, [...path, k]);
      return;
    }
    if (x !== y) out.push(path.join('.'));
  };
  walk(a, b, at);
  return out;
}
