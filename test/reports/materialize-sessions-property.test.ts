/** Incremental = full recomputation for sessions per day (sessions cross midnight: a day depends on its neighbours). */
import { after, before, test } from 'node:test';
import { tempStore } from '../helpers/temp-store.js';
import type { Store } from '../../src/store/store.js';
import { setupReports, type ReportsSetup } from './helpers.js';
import { checkIncrementalEqualsFull, KINDS } from './property-case.js';

let store: Store;
let dispose: () => Promise<void>;
let reports: ReportsSetup;

before(async () => {
  ({ store, dispose } = await tempStore());
  reports = setupReports(store, { overlapMs: 0 });
});
after(async () => dispose());

test('sessions reports: incremental runs equal a full recomputation after random inserts, late data, re-imports and logins', async () => {
  await checkIncrementalEqualsFull(store, reports, [KINDS.sessionsGoals, KINDS.sessionsLong].filter((k) => k !== undefined), 40);
});
