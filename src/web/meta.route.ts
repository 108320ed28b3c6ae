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
import { COLUMN_NAMES, columnIdentifier } from '../analyses/shared/columns.js';
import { SqlParams, timeRangeSql } from '../analyses/shared/sql-params.js';

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

export async function eventNames(store: Store, projectId: string, days: number | undefined, limit: number, now: number): Promise<EventName[]> {
  const params = new SqlParams();
  const since = days === undefined ? '1' : timeRangeSql(params, now - days * 86_400_000, null);
  const rows = await store.query<{ name: string; count: number; last: string }>(
    `SELECT event AS name, toUInt32(count()) AS count, toString(max(timestamp)) AS last
     FROM ${store.database}.events
     WHERE project_id = {project:String} AND ${since}
     GROUP BY event ORDER BY count DESC, name ASC LIMIT {limit:UInt32}`,
    params.merged({ project: projectId, limit }),
  );
  return rows.map((r) => ({ name: r.name, count: r.count, lastSeen: isoOf(r.last) }));
}

export async function propertyKeys(store: Store, projectId: string, events: readonly string[]): Promise<PropertyKeys> {
  const db = store.database;
  const byEvent = events.length > 0 ? ' AND event IN {events:Array(String)}' : '';
  const eventKeys = await store.query<{ key: string; count: number }>(
    `SELECT key, toUInt32(count()) AS count
     FROM (SELECT properties FROM ${db}.events WHERE project_id = {project:String}${byEvent} LIMIT {scan:UInt32})
     ARRAY JOIN mapKeys(properties) AS key
     GROUP BY key ORDER BY count DESC, key ASC LIMIT 1000`,
    { project: projectId, scan: SCAN_ROWS, ...(events.length > 0 ? { events: [...events] } : {}) },
  );
  const personKeys = await store.query<{ key: string; count: number }>(
    `SELECT key, toUInt32(uniqExact(person_id)) AS count
     FROM ${db}.person_properties WHERE project_id = {project:String}
     GROUP BY key ORDER BY count DESC, key ASC LIMIT 1000`,
    { project: projectId },
  );
  return { event: eventKeys, person: personKeys, columns: [...COLUMN_NAMES] };
}

export async function frequentValues(
  store: Store,
  projectId: string,
  q: { source: 'event' | 'person' | 'column'; property: string; events: readonly string[]; limit: number },
): Promise<Array<{ value: string; count: number }>> {
  const db = store.database;
  if (q.source === 'person') {
    return store.query(
      `SELECT value, toUInt32(count()) AS count FROM (
         SELECT person_id, argMax(value, updated_at) AS value FROM ${db}.person_properties
         WHERE project_id = {project:String} AND key = {key:String} GROUP BY person_id)
       GROUP BY value ORDER BY count DESC, value ASC LIMIT {limit:UInt32}`,
      { project: projectId, key: q.property, limit: q.limit },
    );
  }
  // The column name is checked against the fixed list before it becomes an identifier.
  const value = q.source === 'column' ? columnIdentifier(q.property) : 'properties[{key:String}]';
  const present = q.source === 'column' ? `${value} != ''` : 'mapContains(properties, {key:String})';
  const byEvent = q.events.length > 0 ? ' AND event IN {events:Array(String)}' : '';
  return store.query(
    `SELECT v AS value, toUInt32(count()) AS count FROM (
       SELECT ${value} AS v FROM ${db}.events
       WHERE project_id = {project:String} AND ${present}${byEvent} LIMIT {scan:UInt32})
     GROUP BY v ORDER BY count DESC, value ASC LIMIT {limit:UInt32}`,
    {
      project: projectId,
      scan: SCAN_ROWS,
      limit: q.limit,
      ...(q.source === 'column' ? {} : { key: q.property }),
      ...(q.events.length > 0 ? { events: [...q.events] } : {}),
    },
  );
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
