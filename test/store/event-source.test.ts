import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempStore } from '../helpers/temp-store.js';
import { resolvedEvents } from '../../src/analyses/event-source.js';

test('resolvedEvents maps aliased distinct ids to their person and keeps the rest', async () => {
  const { store, dispose } = await tempStore();
  try {
    const base = { type: 'track', anonymous_id: '', user_id: '', received_at: '2024-01-01 00:00:00.000', sent_at: null, properties: {}, traits: {} };
    const rows = [
      { ...base, project_id: 'p', event_id: '00000000-0000-0000-0000-000000000001', event: 'home', person_id: 'anon-1', timestamp: '2024-01-01 00:00:00.000' },
      { ...base, project_id: 'p', event_id: '00000000-0000-0000-0000-000000000002', event: 'buy', person_id: 'user-1', timestamp: '2024-01-01 00:01:00.000' },
      { ...base, project_id: 'p', event_id: '00000000-0000-0000-0000-000000000003', event: 'home', person_id: 'anon-2', timestamp: '2024-01-01 00:02:00.000' },
      { ...base, project_id: 'q', event_id: '00000000-0000-0000-0000-000000000004', event: 'home', person_id: 'anon-1', timestamp: '2024-01-01 00:02:00.000' },
    ];
    await store.insertJsonRows('events', rows.map((r) => JSON.stringify(r)).join('\n'));
    await store.insertJsonRows('person_aliases', JSON.stringify({ project_id: 'p', distinct_id: 'anon-1', person_id: 'user-1', updated_at: '2024-01-01 00:00:30.000' }));
    const src = resolvedEvents(store.database, 'p');
    const got = await store.query<{ event: string; person_id: string }>(
      `SELECT event, person_id FROM ${src.sql} ORDER BY timestamp`, src.params);
    assert.deepEqual(got, [
      { event: 'home', person_id: 'user-1' },
      { event: 'buy', person_id: 'user-1' },
      { event: 'home', person_id: 'anon-2' },
    ]);
  } finally {
    await dispose();
  }
});
