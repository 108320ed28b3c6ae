/**
 * A small History-API router. The page is the path; a page's definition lives in the `def` query
 * parameter as JSON, so any view can be shared by copying the address.
 */
import { useEffect, useState } from 'preact/hooks';

export interface Location {
  readonly path: string;
  readonly search: URLSearchParams;
}

const listeners = new Set<() => void>();

function read(): Location {
  return { path: window.location.pathname, search: new URLSearchParams(window.location.search) };
}

function notify(): void {
  for (const l of listeners) l();
}

window.addEventListener('popstate', notify);

/** Goes to a page (a new history entry), e.g. `navigate('/funnel?def=...')`. */
export function navigate(to: string): void {
  if (to === window.location.pathname + window.location.search) return;
  window.history.pushState(null, '', to);
  window.scrollTo(0, 0);
  notify();
}

/** Rewrites the current entry's query (editing a definition should not flood the back button). */
export function replaceSearch(search: URLSearchParams): void {
  const s = search.toString();
  const url = window.location.pathname + (s ? `?${s}` : '') + window.location.hash;
  if (url === window.location.pathname + window.location.search + window.location.hash) return;
  window.history.replaceState(null, '', url);
  notify();
}

export function useLocation(): Location {
  const [loc, setLoc] = useState(read);
  useEffect(() => {
    const update = (): void => setLoc(read());
    listeners.add(update);
    return () => {
      listeners.delete(update);
    };
  }, []);
  return loc;
}

/** Link that routes in place (and still opens in a new tab with a modifier key). */
export function linkHandler(to: string): (e: MouseEvent) => void {
  return (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
}
