/**
 * A small path router (UI state, in zustand): one route per screen, the last path segment, with
 * details in the query string (`jobs?job=…`). Whatever comes before the last segment is the
 * mount point, so the bundle works at `/`, under `/ui/`, or from a file in Electron.
 */
import { create } from 'zustand';

export const ROUTES = ['dashboard', 'restore', 'catalog', 'jobs', 'clusters', 'storage', 'policies', 'routines', 'settings'] as const;
export type Route = (typeof ROUTES)[number];

export function parseLocation(pathname: string, search: string): { base: string; route: Route; params: Record<string, string> } {
  const slash = pathname.lastIndexOf('/');
  const last = pathname.slice(slash + 1);
  const known = (ROUTES as readonly string[]).includes(last);
  const base = known ? pathname.slice(0, slash + 1) : pathname.endsWith('/') ? pathname : `${pathname.slice(0, slash + 1)}`;
  return { base, route: known ? (last as Route) : 'dashboard', params: Object.fromEntries(new URLSearchParams(search)) };
}

interface RouterState {
  base: string;
  route: Route;
  params: Record<string, string>;
  go(route: Route, params?: Record<string, string>, o?: { replace?: boolean }): void;
  setParams(params: Record<string, string | undefined>): void;
}

const hasWindow = typeof window !== 'undefined';
const initial = hasWindow ? parseLocation(window.location.pathname, window.location.search) : { base: '/', route: 'dashboard' as Route, params: {} };
// A page opened from a file (Electron) keeps its file name in place.
const fileName = hasWindow && !(ROUTES as readonly string[]).includes(window.location.pathname.split('/').pop() ?? '') && /\.html?$/.test(window.location.pathname) ? window.location.pathname.split('/').pop()! : '';

function push(base: string, route: Route, params: Record<string, string>, replace: boolean): void {
  if (!hasWindow) return;
  const q = new URLSearchParams(params).toString();
  const path = fileName ? `${base}${fileName}` : `${base}${route === 'dashboard' ? '' : route}`;
  const url = `${path}${q ? `?${q}` : ''}${fileName ? `#${route}` : ''}`;
  try {
    if (replace) window.history.replaceState(null, '', url);
    else window.history.pushState(null, '', url);
  } catch {
    // file:// pages may refuse; the in-memory route still changes.
  }
}

export const useRouter = create<RouterState>((set, get) => ({
  ...initial,
  go: (route, params = {}, o = {}) => {
    push(get().base, route, params, o.replace ?? false);
    set({ route, params });
    if (hasWindow) window.scrollTo?.(0, 0);
  },
  setParams: (next) => {
    const params = Object.fromEntries(Object.entries({ ...get().params, ...next }).filter((e): e is [string, string] => e[1] !== undefined));
    push(get().base, get().route, params, true);
    set({ params });
  },
}));

if (hasWindow) {
  window.addEventListener('popstate', () => {
    const l = parseLocation(window.location.pathname, window.location.search);
    useRouter.setState({ route: l.route, params: l.params });
  });
}
