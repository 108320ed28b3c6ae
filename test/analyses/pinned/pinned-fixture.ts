/**
 * The tiny log every pinned-SQL test runs its SQL on (project `pin`, UTC), small enough to check
 * each expected number by eye. 2024-03-10 is day number 19792.
 */
import type { Store } from '../../../src/store/store.js';
import { insertFixture, type FixtureEvent } from '../trends/fixture-rows.js';

export const PIN = { database: 'clickpath', projectId: 'pin', timezone: 'UTC' } as const;

export const PIN_EVENTS: readonly FixtureEvent[] = [
  // u1: signs up, home → search → buy, back next day.
  { id: 1, event: 'signup', person: 'u1', at: '2024-03-10T09:00:00Z' },
  { id: 2, event: 'home', person: 'u1', at: '2024-03-10T09:01:00Z', properties: { plan: 'pro' } },
  { id: 3, event: 'search', person: 'u1', at: '2024-03-10T09:02:00Z', properties: { plan: 'pro' } },
  { id: 4, event: 'buy', person: 'u1', at: '2024-03-10T09:03:00Z' },
  { id: 5, event: 'home', person: 'u1', at: '2024-03-11T10:00:00Z', properties: { plan: 'pro' } },
  // u2: signs up, home → search, never returns.
  { id: 6, event: 'signup', person: 'u2', at: '2024-03-10T12:00:00Z' },
  { id: 7, event: 'home', person: 'u2', at: '2024-03-10T12:00:30Z', properties: { plan: 'pro' } },
  { id: 8, event: 'search', person: 'u2', at: '2024-03-10T12:01:00Z' },
  // u3: a free-plan home view only; two flyer opens 40 s apart, then home.
  { id: 9, event: 'flyer_open', person: 'u3', at: '2024-03-10T15:00:00Z' },
  { id: 10, event: 'flyer_open', person: 'u3', at: '2024-03-10T15:00:40Z' },
  { id: 11, event: 'home', person: 'u3', at: '2024-03-10T15:01:00Z', properties: { plan: 'free' } },
  // Another project's event with the same names: the guard keeps it out of every answer.
  { id: 12, event: 'home', person: 'u1', at: '2024-03-10T09:01:00Z', properties: { plan: 'pro' } },
];

export async function insertPinFixture(store: Store): Promise<void> {
  await insertFixture(store, 'pin', PIN_EVENTS.slice(0, -1));
  await insertFixture(store, 'other', PIN_EVENTS.slice(-1));
}
