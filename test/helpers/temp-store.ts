import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChdbStore } from '../../src/store/chdb-store.js';
import { migrate } from '../../src/store/migrations.js';

/** A migrated embedded store in a fresh temporary directory, removed by `dispose`. */
export async function tempStore(database = 'clickpath'): Promise<{ store: ChdbStore; dir: string; dispose: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'clickpath-test-'));
  const store = await ChdbStore.open({ dataDir: dir, database });
  await migrate(store);
  return {
    store,
    dir,
    dispose: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
