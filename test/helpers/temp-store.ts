/**
 * How a test gets a store: through the same factory seam the app uses, so no test names an
 * engine. Shared suites take a `NewTestStore`; each adapter's test file passes its own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/config.js';
import { embeddedStoreFactory, openStore, type ConfigStoreFactory } from '../../src/app.js';
import type { Store } from '../../src/store/store.js';

export interface TestStore {
  readonly store: Store;
  /** The temporary data directory the store lives in. */
  readonly dir: string;
  /** Closes the store and removes its directory. */
  readonly dispose: () => Promise<void>;
}

/** A fresh, migrated store, as the shared suites ask for one. */
export type NewTestStore = (database?: string) => Promise<TestStore>;

/** A migrated store in a fresh temporary directory, opened by `factory` (the embedded engine by default). */
export async function tempStore(database = 'clickpath', factory: ConfigStoreFactory = embeddedStoreFactory): Promise<TestStore> {
  const dir = mkdtempSync(join(tmpdir(), 'clickpath-test-'));
  const store = await openStore(loadConfig({ dataDir: dir, database } as never, {}), factory);
  return {
    store,
    dir,
    dispose: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `tempStore` bound to one factory: what an adapter's test file hands a shared suite. */
export function tempStores(factory: ConfigStoreFactory = embeddedStoreFactory): NewTestStore {
  return (database) => tempStore(database, factory);
}
