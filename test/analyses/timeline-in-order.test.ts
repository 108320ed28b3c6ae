/**
 * The person timeline is only faster when the engine streams persons in key order: EXPLAIN
 * PIPELINE of paths, retention and engagement on the timeline must show AggregatingInOrderTransform for the
 * part no identity link touches (and a hash aggregation for the linked persons), while the
 * events-table path shows none.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tempStore } from '../helpers/temp-store.js';
import type { Store } from '../../src/store/store.js';
import type { CompiledSql } from '../../src/analyses/kernel/sql.js';
import { compilePaths } from '../../src/analyses/paths/paths-compiler.js';
import { pathsDefinitionSchema } from '../../src/analyses/paths/definition.js';
import { compileRetention } from '../../src/analyses/retention/retention-compiler.js';
import { retentionDefinitionSchema } from '../../src/analyses/retention/definition.js';
import { resolveRange } from '../../src/analyses/shared/time-range.js';
import { compileEngagement } from '../../src/analyses/engagement/engagement-compiler.js';
import { engagementDefinitionSchema, planEngagement } from '../../src/analyses/engagement/definition.js';
import type { RowSource } from '../../src/analyses/timeline-parts.js';
import { insertPinFixture, PIN } from './pinned/pinned-fixture.js';

let store: Store;
let dispose: () => Promise<void>;
before(async () => {
  ({ store, dispose } = await tempStore());
  await insertPinFixture(store);
});
after(async () => dispose());

async function pipeline(q: CompiledSql): Promise<string> {
  const rows = await store.query<{ explain: string }>(`EXPLAIN PIPELINE ${q.sql}`, q.params);
  return rows.map((r) => r.explain).join('\n');
}

const count = (text: string, word: string) => text.split('\n').filter((l) => l.trim().startsWith(word)).length;

type Compiler = (source: RowSource, aliases: boolean) => CompiledSql;

const COMPILERS: Record<string, Compiler> = {
  paths: (source, aliases) => {
    const def = pathsDefinitionSchema.parse({ startEvent: 'home', steps: 2, from: '2024-03-10', to: '2024-03-11' });
    return compilePaths({ ...PIN, definition: def, range: resolveRange(def.from, def.to, 'UTC'), source, aliases });
  },
  retention: (source, aliases) => {
    const def = retentionDefinitionSchema.parse({ interval: 'day', periods: 2, from: '2024-03-10', to: '2024-03-10' });
    return compileRetention({ ...PIN, definition: def, range: resolveRange(def.from, def.to, 'UTC'), source, aliases });
  },
  engagement: (source, aliases) => {
    const def = engagementDefinitionSchema.parse({ contentEvents: ['flyer_open'], report: 'daily', from: '2024-03-10', to: '2024-03-10' });
    return compileEngagement(planEngagement(def), { ...PIN, source, aliases }, false);
  },
};

for (const [name, compiled] of Object.entries(COMPILERS)) {
  test(`${name}: on the timeline, persons no link touches aggregate in key order, linked ones by hash`, async () => {
    const plain = await pipeline(compiled('timeline', false));
    assert.equal(count(plain, 'AggregatingInOrderTransform'), 1, plain);
    const linked = await pipeline(compiled('timeline', true));
    assert.equal(count(linked, 'AggregatingInOrderTransform'), 1, linked);
    assert.match(linked, /MergeTreeSelect\(pool: ReadPoolInOrder/);
  });

  test(`${name}: the events-table path (the old one) hashes every person`, async () => {
    const old = await pipeline(compiled('events', true));
    assert.equal(count(old, 'AggregatingInOrderTransform'), 0, old);
  });
}
