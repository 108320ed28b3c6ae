/**
 * Loads data for a view: cancels the previous request when the inputs change, keeps the last good
 * data on screen while a refresh runs (no flicker on polling), and reports errors as text.
 */
import { useEffect, useRef, useState } from 'preact/hooks';

export interface AsyncState<T> {
  readonly data: T | undefined;
  readonly error: Error | undefined;
  readonly loading: boolean;
  /** Runs the load again with the same inputs. */
  readonly reload: () => void;
}

export function useAsync<T>(load: ((signal: AbortSignal) => Promise<T>) | null, deps: readonly unknown[], pollMs?: number): AsyncState<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [loading, setLoading] = useState(load !== null);
  const [tick, setTick] = useState(0);
  // The loader is a new closure every render; only `deps` (and reload/poll ticks) start a load.
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const fn = loadRef.current;
    if (fn === null) {
      setLoading(false);
      setData(undefined);
      setError(undefined);
      return;
    }
    const ctrl = new AbortController();
    setLoading(true);
    fn(ctrl.signal).then(
      (d) => {
        if (ctrl.signal.aborted) return;
        setData(d);
        setError(undefined);
        setLoading(false);
      },
      (e: unknown) => {
        if (ctrl.signal.aborted) return;
        setError(e instanceof Error ? e : new Error(String(e)));
        setLoading(false);
      },
    );
    return () => ctrl.abort();
  }, [...deps, tick]);

  // Data from other inputs must not be shown as this input's result.
  useEffect(() => {
    setData(undefined);
    setError(undefined);
  }, deps);

  useEffect(() => {
    if (!pollMs || load === null) return;
    const id = window.setInterval(() => {
      if (document.visibilityState === 'visible') setTick((t) => t + 1);
    }, pollMs);
    return () => window.clearInterval(id);
  }, [pollMs, load === null, ...deps]);

  return { data, error, loading, reload: () => setTick((t) => t + 1) };
}

/** Waits `ms` after the last change of `value` before returning it. */
export function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const id = window.setTimeout(() => setV(value), ms);
    return () => window.clearTimeout(id);
  }, [value, ms]);
  return v;
}
