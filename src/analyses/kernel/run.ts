/**
 * Runs compiled fragments on a store: the path from a fragment to the engine, so callers never
 * hand-assemble `{ sql, params }`.
 */
import type { RawFormat, Store } from '../../store/store.js';
import { compile, type Fragment } from './sql.js';

export async function queryRows<T = Record<string, unknown>>(store: Pick<Store, 'query'>, fragment: Fragment): Promise<T[]> {
  const q = compile(fragment);
  return store.query<T>(q.sql, q.params);
}

export async function execute(store: Pick<Store, 'exec'>, fragment: Fragment): Promise<void> {
  const q = compile(fragment);
  await store.exec(q.sql, q.params);
}

export async function queryBytes(store: Pick<Store, 'queryRaw'>, fragment: Fragment, format: RawFormat): Promise<Uint8Array> {
  const q = compile(fragment);
  return store.queryRaw(q.sql, q.params, format);
}
