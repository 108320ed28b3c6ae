/**
 * The squash by hand: late identity (identify before/after events, two anonymous ids into one
 * user, a re-link), each answer checked against the reference before and after squashing, a
 * crash between the copy and the delete, the row count, and the overridden part emptied.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { tempStore } from '../helpers/temp-store.js';
import type { QueryParams, Store } from '../../src/store/store.js';
import { pendingOverrides, squashOverrides } from '../../src/store/timeline-squash.js';
import { runFunnel } from '../../src/analyses/funnel/run-funnel.js';
import { planFunnel } from '../../src/analyses/funnel/funnel-plan.js';
import { referenceFunnel } from '../../src/analyses/funnel/reference.js';
import type { FunnelDefinition } from '../../src/analyses/funnel/definition.js';
import { MIN, T0, context, insertProjects, orderedId, referenceData, type AliasSpec, type EventSpec } from '../analyses/funnel/helpers.js';
import { assertTimelineExact, effectiveLinks, insertLinks, timelinePersons, timelineRowCounts } from './late-identity.js';

let store: Store;
let dispose: () => Promise<void>;
before(async () => ({ store, dispose } = await tempStore()));
after(async () => dispose());

let projectNo = 0;
let eventNo = 0;
const FUNNEL: FunnelDefinition = { steps: [{ event: 'view' }, { event: 'buy' }], order: 'ordered', window: '1h' };
const SQUASH = { settleMs: 0 };

/** A project under test: what was stored so far, and checks of every answer against the reference. */
class Scenario {
  readonly project = `squash-${process.pid}-${++projectNo}`;
  readonly events: Array<EventSpec & { id: string }> = [];
  readonly links: AliasSpec[] = [];

  async load(specs: ReadonlyArray<Omit<EventSpec, 'id' | 't'> & { min: number }>): Promise<void> {
    const added = specs.map((s) => ({ person: s.person, event: s.event, t: T0 + s.min * MIN, id: orderedId(++eventNo) }));
    this.events.push(...added);
    await insertProjects(store, [{ project: this.project, events: added }]);
  }

  async link(links: readonly AliasSpec[]): Promise<void> {
    this.links.push(...links);
    await insertLinks(store, this.project, links);
  }

  /** Timeline persons and the funnel from both sources equal the reference; no event twice. */
  async check(db: Store = store): Promise<void> {
    const links = effectiveLinks(this.links);
    await assertTimelineExact(db, this.project, this.events, links);
    const ctx = context(db, this.project);
    const want = referenceFunnel(planFunnel(FUNNEL, ctx), referenceData(this.events, [], links));
    for (const source of ['timeline', 'events'] as const) assert.deepEqual(await runFunnel(ctx, FUNNEL, { source }), want, source);
  }
}

test('events before and after an identify, a merge arriving after the events: exact before and after the squash', async () => {
  const s = new Scenario();
  await s.load([{ person: 'anon1', event: 'view', min: 0 }, { person: 'anon1', event: 'view', min: 1 }, { person: 'u1', event: 'buy', min: 5 }]);
  await s.check();
  await s.link([{ distinct: 'anon1', person: 'u1' }]);
  await s.check();
  // The anonymous id is used again after the identify: its new rows are filed under itself.
  await s.load([{ person: 'anon1', event: 'view', min: 10 }, { person: 'u1', event: 'buy', min: 12 }]);
  await s.check();
  const first = await squashOverrides(store, SQUASH);
  assert.ok(first.rowsRewritten >= 3, `rewrote ${first.rowsRewritten}`);
  await s.check();
  await s.load([{ person: 'anon1', event: 'buy', min: 20 }]);
  await s.check();
  await squashOverrides(store, SQUASH);
  await s.check();
  assert.equal((await timelinePersons(store, s.project)).overridden, 0);
});

test('two anonymous ids merging into one user, and a link whose target has no events of its own', async () => {
  const s = new Scenario();
  await s.load([{ person: 'a1', event: 'view', min: 0 }, { person: 'a2', event: 'view', min: 2 }, { person: 'a2', event: 'buy', min: 3 }, { person: 'a3', event: 'view', min: 4 }]);
  await s.link([{ distinct: 'a1', person: 'user' }, { distinct: 'a2', person: 'user' }]);
  await s.check();
  await squashOverrides(store, SQUASH);
  await s.check();
  await s.link([{ distinct: 'a3', person: 'user' }]);
  await s.check();
  await squashOverrides(store, SQUASH);
  await s.check();
  const persons = (await timelinePersons(store, s.project)).persons;
  assert.deepEqual([...new Set(persons.values())], ['user']);
});

test('a re-link moves rows an earlier squash filed under the first person to the second', async () => {
  const s = new Scenario();
  await s.load([{ person: 'd', event: 'view', min: 0 }, { person: 'd', event: 'buy', min: 1 }, { person: 'p1', event: 'view', min: 2 }, { person: 'p2', event: 'view', min: 3 }]);
  await s.link([{ distinct: 'd', person: 'p1' }]);
  await squashOverrides(store, SQUASH);
  await s.check();
  await s.link([{ distinct: 'd', person: 'p2' }]);
  // Pending: d's rows are filed under p1 but belong to p2; p1 keeps its own view.
  await s.check();
  await squashOverrides(store, SQUASH);
  await s.check();
  // One hop: a target that is itself linked later does not take its linked ids' rows along.
  await s.link([{ distinct: 'p2', person: 'p3' }]);
  await s.check();
  await squashOverrides(store, SQUASH);
  await s.check();
  assert.equal((await timelinePersons(store, s.project)).overridden, 0);
});

/** A store whose DELETE of the squash's originals fails once: a crash between copy and delete. */
function crashingBeforeDelete(inner: Store): { store: Store; crashed: () => boolean } {
  let armed = true;
  const proxy = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop !== 'exec') return Reflect.get(target, prop, receiver) as unknown;
      return async (sql: string, params?: QueryParams) => {
        if (armed && /^DELETE FROM \w+\.person_timeline\s+WHERE \(project_id, person_hash\)/.test(sql)) {
          armed = false;
          throw new Error('simulated crash between the copy and the delete');
        }
        return target.exec(sql, params);
      };
    },
  }) as Store;
  return { store: proxy, crashed: () => !armed };
}

test('a crash between the copy and the delete: exact meanwhile, the rerun finishes the run without duplicates', async () => {
  const s = new Scenario();
  await s.load([{ person: 'anon', event: 'view', min: 0 }, { person: 'anon', event: 'buy', min: 1 }, { person: 'user', event: 'view', min: 30 }]);
  await s.link([{ distinct: 'anon', person: 'user' }]);
  const faulty = crashingBeforeDelete(store);
  await assert.rejects(squashOverrides(faulty.store, SQUASH), /simulated crash/);
  assert.ok(faulty.crashed());
  const halfway = await timelineRowCounts(store, s.project);
  assert.equal(halfway.rows, halfway.events + 2, 'the copies are there next to their originals');
  await s.check();
  // Loads and links keep coming while the run is unfinished.
  await s.load([{ person: 'anon', event: 'view', min: 40 }]);
  await s.link([{ distinct: 'other', person: 'user' }]);
  const rerun = await squashOverrides(store, SQUASH);
  assert.equal(rerun.resumed, true);
  const counts = await timelineRowCounts(store, s.project);
  assert.deepEqual(counts, { rows: s.events.length, events: s.events.length });
  await s.check();
  assert.equal(await pendingOverrides(store), 0);
  assert.equal((await timelinePersons(store, s.project)).overridden, 0);
});

test('a crash during the copy: the rerun clears the partial copies before copying again', async () => {
  const s = new Scenario();
  await s.load([{ person: 'x', event: 'view', min: 0 }, { person: 'x', event: 'buy', min: 1 }]);
  await s.link([{ distinct: 'x', person: 'y' }]);
  let armed = true;
  const faulty = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop !== 'exec') return Reflect.get(target, prop, receiver) as unknown;
      return async (sql: string, params?: QueryParams) => {
        await target.exec(sql, params);
        // The copy went in, but the phase after it was never recorded: a crash right after it.
        if (armed && /^INSERT INTO \w+\.person_timeline \(/.test(sql)) {
          armed = false;
          throw new Error('simulated crash after the copy');
        }
      };
    },
  }) as Store;
  await assert.rejects(squashOverrides(faulty, SQUASH), /simulated crash/);
  await s.check();
  const rerun = await squashOverrides(store, SQUASH);
  assert.equal(rerun.resumed, true);
  assert.equal(rerun.rowsRewritten, 2);
  assert.deepEqual(await timelineRowCounts(store, s.project), { rows: 2, events: 2 });
  await s.check();
});

test('nothing pending: the squash does nothing, and the overridden part is empty', async () => {
  await squashOverrides(store, SQUASH);
  const idle = await squashOverrides(store, SQUASH);
  assert.deepEqual(idle, { runs: 0, ids: 0, rowsRewritten: 0, resumed: false });
  const s = new Scenario();
  await s.load([{ person: 'a', event: 'view', min: 0 }]);
  await s.link([{ distinct: 'a', person: 'b' }]);
  assert.ok((await timelinePersons(store, s.project)).overridden > 0);
  // A mark younger than the settle time is left for the next call; the override is not.
  await squashOverrides(store, { settleMs: 60_000 });
  assert.equal(await pendingOverrides(store, 60_000), 0);
  assert.ok(await pendingOverrides(store) > 0);
  await squashOverrides(store, SQUASH);
  assert.equal(await pendingOverrides(store), 0);
  assert.equal((await timelinePersons(store, s.project)).overridden, 0);
  await s.check();
});
