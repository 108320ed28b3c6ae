/**
 * Small read endpoints the dashboard needs for pickers: the project's event names, property keys
 * and frequent values. They read the raw events table (no identity resolution: names and values do
 * not depend on who a person turned out to be) and bound the rows they scan, because they run on
 * every keystroke of an autocomplete and must stay cheap on large projects.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Auth } from '../api/auth.js';
import { HttpError, parseOr400 } from '../api/http-error.js';
import type { Store } from '../store/store.js';
import { COLUMN_NAMES } from '../analyses/shared/columns.js';
import { queryRows } from '../analyses/kernel/run.js';
import { ProjectScope } from '../analyses/kernel/scope.js';
import { and, sql, str, strings, uint32, type Fragment } from '../analyses/kernel/sql.js';
import { timeRange } from '../analyses/kernel/time-sql.js';
import { eventValue } from '../analyses/shared/filters.js';

/** Rows read to collect property keys and values: enough to see every key in practice. */
const SCAN_ROWS = 200_000;

const eventsQuery = z.object({
  /** Only events of the last N days (counted from the server clock); all time when absent. */
  days: z.coerce.number().int().min(1).max(3660).optional(),
  limit: z.coerce.number().int().min(1).max(5000).default(1000),
});

const stringList = z.union([z.string().min(1).max(200), z.array(z.string().min(1).max(200)).max(50)]).optional();

const propertiesQuery = z.object({ event: stringList });

const valuesQuery = z.object({
  source: z.enum(['event', 'person', 'column']).default('event'),
  property: z.string().min(1).max(200),
  event: stringList,
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export interface EventName {
  readonly name: string;
  readonly count: number;
  /** ISO UTC time of the latest event with this name. */
  readonly lastSeen: string;
}

export interface PropertyKeys {
  readonly event: ReadonlyArray<{ key: string; count: number }>;
  readonly person: ReadonlyArray<{ key: string; count: number }>;
  readonly columns: readonly string[];
}

function asList(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

const isoOf = (engineTime: string): string => `${engineTime.replace(' ', 'T')}Z`;

function byEvent(events: readonly string[]): Fragment {
  return events.length > 0 ? sql`event IN ${strings(events)}` : sql``;
}

export async function eventNames(store: Store, projectId: string, days: number | undefined, limit: number, now: number): Promise<EventName[]> {
  const scope = new ProjectScope(store.database, projectId);
  const since = days === undefined ? sql`` : timeRange(now - days * 86_400_000, null);
  const rows = await queryRows<{ name: string; count: number; last: string }>(store, sql`
    SELECT event AS name, toUInt32(count()) AS count, toString(max(timestamp)) AS last
     FROM ${scope.rows('events', since)}
     GROUP BY event ORDER BY count DESC, name ASC LIMIT ${uint32(limit)}`);
  return rows.map((r) => ({ name: r.name, count: r.count, lastSeen: isoOf(r.last) }));
}

export async function propertyKeys(store: Store, projectId: string, events: readonly string[]): Promise<PropertyKeys> {
  const scope = new ProjectScope(store.database, projectId);
  const eventKeys = await queryRows<{ key: string; count: number }>(store, sql`
    SELECT key, toUInt32(count()) AS count
     FROM (SELECT properties FROM ${scope.rows('events', byEvent(events))} LIMIT ${uint32(SCAN_ROWS)})
     ARRAY JOIN mapKeys(properties) AS key
     GROUP BY key ORDER BY count DESC, key ASC LIMIT 1000`);
  const personKeys = await queryRows<{ key: string; count: number }>(store, sql`
    SELECT key, toUInt32(uniqExact(person_id)) AS count
     FROM ${scope.rows('person_properties')}
     GROUP BY key ORDER BY count DESC, key ASC LIMIT 1000`);
  return { event: eventKeys, person: personKeys, columns: [...COLUMN_NAMES] };
}

export async function frequentValues(
  store: Store,
  projectId: string,
  q: { source: 'event' | 'person' | 'column'; property: string; events: readonly string[]; limit: number },
): Promise<Array<{ value: string; count: number }>> {
  const scope = new ProjectScope(store.database, projectId);
  const limit = uint32(q.limit);
  if (q.source === 'person') {
    return queryRows(store, sql`
      SELECT value, toUInt32(count()) AS count FROM (
         SELECT person_id, argMax(value, updated_at) AS value FROM ${scope.rows('person_properties', sql`key = ${str(q.property)}`)}
         GROUP BY person_id)
       GROUP BY value ORDER BY count DESC, value ASC LIMIT ${limit}`);
  }
  // The column name is checked against the fixed list before it becomes an identifier.
  const value = eventValue(q.source, q.property);
  return queryRows(store, sql`
    SELECT v AS value, toUInt32(count()) AS count FROM (
       SELECT ${value.text} AS v FROM ${scope.rows('events', and([value.present, byEvent(q.events)]))} LIMIT ${uint32(SCAN_ROWS)})
     GROUP BY v ORDER BY count DESC, value ASC LIMIT ${limit}`);
}

export function registerMetaRoutes(app: FastifyInstance, deps: { store: Store; auth: Auth; now: () => number }): void {
  app.get('/v1/meta/events', async (req) => {
    const project = deps.auth.secret(req);
    const q = parseOr400(eventsQuery, req.query, 'query string');
    return { events: await eventNames(deps.store, project.projectId, q.days, q.limit, deps.now()) };
  });
  app.get('/v1/meta/properties', async (req) => {
    const project = deps.auth.secret(req);
    const q = parseOr400(propertiesQuery, req.query, 'query string');
    return propertyKeys(deps.store, project.projectId, asList(q.event));
  });
  app.get('/v1/meta/values', async (req) => {
    const project = deps.auth.secret(req);
    const q = parseOr400(valuesQuery, req.query, 'query string');
    if (q.source === 'column' && !(COLUMN_NAMES as readonly string[]).includes(q.property)) {
      throw new HttpError(400, `unknown column "${q.property}"; expected one of ${COLUMN_NAMES.join(', ')}`);
    }
    const values = await frequentValues(deps.store, project.projectId, { ...q, events: asList(q.event) });
    return { values };
  });
}
