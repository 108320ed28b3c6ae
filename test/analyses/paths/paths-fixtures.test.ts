/** Paths on a small log whose Sankey is worked out by hand in the comments. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tempStore } from '../../helpers/temp-store.js';
import type { Store } from '../../../src/store/store.js';
import { pathsAnalysis } from '../../../src/analyses/paths/index.js';
import { insertFixture } from '../trends/fixture-rows.js';

let store: Store;
let dispose: () => Promise<void>;
before(async () => {
  ({ store, dispose } = await tempStore());
  const t = (hhmm: string) => `2024-05-01T${hhmm}:00Z`;
  await insertFixture(store, 'p', [
    { id: 1, event: 'home', person: 'p1', at: t('10:00') },
    { id: 3, event: 'view', person: 'p1', at: t('10:05') }, // same instant as id 2: id order puts search first
    { id: 2, event: 'search', person: 'p1', at: t('10:05') },
    { id: 4, event: 'buy', person: 'p1', at: t('10:10') },
    { id: 5, event: 'home', person: 'p1', at: t('11:00') }, // 50 minutes later: a new session
    { id: 6, event: 'view', person: 'p1', at: t('11:10') },
    { id: 11, event: 'home', person: 'p2', at: t('09:00') },
    { id: 12, event: 'view', person: 'p2', at: t('09:30') }, // exactly the timeout: same session
    { id: 13, event: 'home', person: 'p2', at: t('09:31') }, // not the session's first home
    { id: 21, event: 'home', person: 'p3', at: t('12:00') }, // a person with one event
    { id: 31, event: 'search', person: 'p4', at: t('12:00') },
  ]);
});
after(async () => dispose());

const ctx = () => ({ store, projectId: 'p', timezone: 'UTC', now: () => 0 });
const run = (def: object) =>
  pathsAnalysis.run(ctx(), pathsAnalysis.schema.parse({ from: '2024-05-01', to: '2024-05-01', ...def }));

test('next: one path per session from its first start event, as Sankey nodes, links and top paths', async () => {
  const r = await run({ startEvent: 'home', steps: 2 });
  // Sessions: p1 [home search view buy], p1 [home view], p2 [home view home], p3 [home].
  assert.equal(r.sessions, 4);
  assert.deepEqual(r.paths, [
    { path: ['home'], ended: true, count: 1 },
    { path: ['home', 'search', 'view'], ended: false, count: 1 },
    { path: ['home', 'view'], ended: true, count: 1 },
    { path: ['home', 'view', 'home'], ended: false, count: 1 },
  ]);
  assert.deepEqual(r.nodes, [
    { id: '0:home', depth: 0, event: 'home', count: 4 },
    { id: '1:view', depth: 1, event: 'view', count: 2 },
    { id: '1:search', depth: 1, event: 'search', count: 1 },
    { id: 'end:1', depth: 1, event: null, count: 1 },
    { id: '2:home', depth: 2, event: 'home', count: 1 },
    { id: '2:view', depth: 2, event: 'view', count: 1 },
    { id: 'end:2', depth: 2, event: null, count: 1 },
  ]);
  assert.deepEqual(r.links, [
    { source: '0:home', target: '1:view', count: 2 },
    { source: '0:home', target: '1:search', count: 1 },
    { source: '0:home', target: 'end:1', count: 1 },
    { source: '1:view', target: '2:home', count: 1 },
    { source: '1:view', target: 'end:2', count: 1 },
    { source: '1:search', target: '2:view', count: 1 },
  ]);
  assert.deepEqual(pathsAnalysis.toTable(await run({ startEvent: 'home', steps: 2, limit: 1 })), {
    columns: ['rank', 'path', 'ended', 'count', 'share'],
    rows: [[1, 'home', 'yes', 1, 0.25]],
  });
});

test('previous: the events before the start event, nearest first', async () => {
  const buy = await run({ startEvent: 'buy', direction: 'previous', steps: 3 });
  assert.deepEqual(buy.paths, [{ path: ['buy', 'view', 'search', 'home'], ended: false, count: 1 }]);
  const view = await run({ startEvent: 'view', direction: 'previous', steps: 2 });
  assert.deepEqual(view.paths, [
    { path: ['view', 'home'], ended: true, count: 2 },
    { path: ['view', 'search', 'home'], ended: false, count: 1 },
  ]);
});

test('filtered-out events vanish from paths; a shorter timeout splits sessions', async () => {
  const noSearch = await run({ startEvent: 'home', steps: 2, filters: [{ property: 'event', source: 'column', op: 'neq', value: 'search' }] });
  assert.deepEqual(noSearch.paths.find((p) => p.path.includes('buy')), { path: ['home', 'view', 'buy'], ended: false, count: 1 });
  const short = await run({ startEvent: 'home', steps: 1, sessionTimeout: '6m' });
  // Sessions: p1 [home search view buy] [home] [view]; p2 [home] [view home]; p3 [home]. The
  // second home of p2 now starts a path of its own.
  assert.deepEqual(short.paths, [
    { path: ['home'], ended: true, count: 4 },
    { path: ['home', 'search'], ended: false, count: 1 },
  ]);
});

test('invalid definitions are rejected with their paths', () => {
  const paths = (def: unknown) => {
    const r = pathsAnalysis.schema.safeParse(def);
    assert.equal(r.success, false);
    return r.error!.issues.map((i) => i.path.join('.'));
  };
  const ok = { startEvent: 'home', from: '2024-01-01', to: '2024-01-31' };
  assert.deepEqual(paths({ ...ok, startEvent: undefined }), ['startEvent']);
  assert.deepEqual(paths({ ...ok, steps: 11 }), ['steps']);
  assert.deepEqual(paths({ ...ok, sessionTimeout: '10s' }), ['sessionTimeout']);
  assert.deepEqual(paths({ ...ok, sessionTimeout: '30 minutes' }), ['sessionTimeout']);
  assert.deepEqual(paths({ ...ok, direction: 'sideways' }), ['direction']);
  assert.deepEqual(paths({ ...ok, limit: 0 }), ['limit']);
  const parsed = pathsAnalysis.schema.parse(ok);
  assert.equal(parsed.sessionTimeout, '30m');
  assert.deepEqual(pathsAnalysis.schema.parse(parsed), parsed);
});
