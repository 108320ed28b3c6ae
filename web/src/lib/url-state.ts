/**
 * A page's definition kept in the address (`?def={...}`): reading falls back to the page's
 * default when the parameter is absent or not valid JSON of the expected shape; writing replaces
 * the history entry so the address is always shareable.
 */
import { useCallback, useMemo } from 'preact/hooks';
import { replaceSearch, useLocation } from './router.js';

export function useUrlState<T>(param: string, fallback: () => T, accept: (v: unknown) => v is T): [T, (next: T) => void] {
  const loc = useLocation();
  const raw = loc.search.get(param);
  const value = useMemo(() => {
    if (raw !== null) {
      try {
        const parsed: unknown = JSON.parse(raw);
        if (accept(parsed)) return parsed;
      } catch {
        // A hand-edited address: show the default rather than nothing.
      }
    }
    return fallback();
  }, [raw]);
  const set = useCallback(
    (next: T) => {
      const search = new URLSearchParams(window.location.search);
      search.set(param, JSON.stringify(next));
      replaceSearch(search);
    },
    [param],
  );
  return [value, set];
}

export const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `/funnel?def=...` for a definition: what links between pages use. */
export function pageUrl(path: string, def: unknown): string {
  return `${path}?${new URLSearchParams({ def: JSON.stringify(def) }).toString()}`;
}
