/**
 * The app opens its store through the factory it is given, and asks the store's capabilities,
 * not its class, whether live reads need a connection of their own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { embeddedStoreFactory, type ConfigStoreFactory } from '../../src/app.js';
import type { Config } from '../../src/config/config.js';
import type { Store, StoreCapabilities } from '../../src/store/store.js';
import { createLivePlugin } from '../../src/live/live.plugin.js';
import { startTestApp } from '../helpers/test-app.js';

interface Seen {
  configs: Config[];
  siblings: number;
  store?: Store;
}

/** The embedded store, with `capabilities` changed and its sibling connections counted. */
function recordingFactory(seen: Seen, capabilities: Partial<StoreCapabilities>): ConfigStoreFactory {
  return async (config) => {
    seen.configs.push(config);
    const inner = await embeddedStoreFactory(config);
    const store: Store = new Proxy(inner, {
      get(target, prop, receiver) {
        if (prop === 'capabilities') return { ...target.capabilities, ...capabilities };
        if (prop === 'openSibling') {
          return async () => {
            seen.siblings++;
            return capabilities.serialStatements === false ? store : target.openSibling();
          };
        }
        const value: unknown = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    seen.store = store;
    return store;
  };
}

for (const serialStatements of [true, false]) {
  test(`startApp uses the given store factory; live opens a sibling connection only when serialStatements is ${serialStatements}`, async () => {
    const seen: Seen = { configs: [], siblings: 0 };
    const app = await startTestApp({}, { storeFactory: recordingFactory(seen, { serialStatements }), plugins: [createLivePlugin()] });
    try {
      assert.equal(seen.configs.length, 1);
      assert.equal(seen.configs[0]!.dataDir, app.dataDir);
      assert.equal(app.app.store, seen.store);
      assert.equal(seen.siblings, serialStatements ? 1 : 0);
      const sent = await app.post('/v1/track', { userId: 'u1', event: 'seam' }, app.basic());
      assert.equal(sent.status, 200);
      await app.loaded();
      const [row] = await app.app.store.query<{ n: number }>(
        `SELECT toUInt32(count()) AS n FROM ${app.app.store.database}.events WHERE event = 'seam'`);
      assert.equal(row?.n, 1);
      const live = await app.get('/v1/live/count?event=seam&window=1h', app.bearer());
      assert.equal(live.status, 200);
    } finally {
      await app.close();
    }
  });
}
