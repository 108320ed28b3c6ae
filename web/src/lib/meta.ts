/**
 * Event names and property keys for the pickers, fetched once per key and shared by every page
 * (they change slowly; a reload of the page refreshes them).
 */
import { useEffect, useState } from 'preact/hooks';
import { apiGet, onKeyChange, queryString } from './api.js';

export interface EventName {
  readonly name: string;
  readonly count: number;
  readonly lastSeen: string;
}

export interface PropertyKeys {
  readonly event: ReadonlyArray<{ key: string; count: number }>;
  readonly person: ReadonlyArray<{ key: string; count: number }>;
  readonly columns: readonly string[];
}

const cache = new Map<string, Promise<unknown>>();
onKeyChange(() => cache.clear());

function cached<T>(path: string): Promise<T> {
  let p = cache.get(path) as Promise<T> | undefined;
  if (!p) {
    p = apiGet<T>(path);
    cache.set(path, p);
    // A failed look-up is retried next time instead of being remembered.
    p.catch(() => cache.delete(path));
  }
  return p;
}

export const loadEventNames = (): Promise<EventName[]> => cached<{ events: EventName[] }>('/v1/meta/events').then((r) => r.events);

export const loadPropertyKeys = (events: readonly string[] = []): Promise<PropertyKeys> =>
  cached<PropertyKeys>(`/v1/meta/properties${queryString({ event: [...events].sort() })}`);

export const loadValues = (source: string, property: string, events: readonly string[] = []): Promise<Array<{ value: string; count: number }>> =>
  cached<{ values: Array<{ value: string; count: number }> }>(`/v1/meta/values${queryString({ source, property, event: [...events].sort() })}`).then((r) => r.values);

/** A loader's value for pickers: empty until it arrives, and empty on failure (typing still works). */
export function useMeta<T>(load: () => Promise<T>, empty: T, deps: readonly unknown[]): T {
  const [value, setValue] = useState<T>(empty);
  useEffect(() => {
    let live = true;
    load().then(
      (v) => live && setValue(v),
      () => live && setValue(empty),
    );
    return () => {
      live = false;
    };
  }, deps);
  return value;
}

export const useEventNames = (): EventName[] => useMeta(loadEventNames, [], []);
