/**
 * The events an analysis sees: one project's events with `person_id` resolved through
 * `person_aliases` (identify/alias merges apply to past events at query time).
 * Every analysis selects FROM this subquery instead of the raw table, so identity rules live here.
 */
import type { QueryParams, Store } from '../store/store.js';

export interface SqlFragment {
  readonly sql: string;
  readonly params: QueryParams;
}

export interface ResolveOptions {
  /**
   * false when the caller has just seen that the project has no alias links (`projectHasAliases`):
   * every person then resolves to itself, and the join (a hash lookup of every event's person id)
   * is skipped.
   */
  readonly aliases?: boolean;
}

/**
 * Subquery with the columns of `events` plus the resolved `person_id`.
 * Bound parameter used: `{project:String}`; callers must not reuse that name for anything else.
 * `extraWhere` is SQL built by the caller from bound placeholders only (e.g. a time range), pushed
 * inside so the primary key prunes.
 */
export function resolvedEvents(database: string, projectId: string, extraWhere = '', options: ResolveOptions = {}): SqlFragment {
  const where = extraWhere ? ` AND (${extraWhere})` : '';
  if (options.aliases === false) {
    const sql = `(SELECT * FROM ${database}.events AS e WHERE e.project_id = {project:String}${where})`;
    return { sql, params: { project: projectId } };
  }
  const sql = `(
    SELECT e.* REPLACE (if(a.person_id != '', a.person_id, e.person_id) AS person_id)
    FROM ${database}.events AS e
    LEFT ANY JOIN ${aliasMapSql(database)} AS a ON a.distinct_id = e.person_id
    WHERE e.project_id = {project:String}${where}
  )`;
  return { sql, params: { project: projectId } };
}

/** Whether the project has any alias link (a primary-key lookup of at most one row). */
export async function projectHasAliases(store: Pick<Store, 'query'>, database: string, projectId: string): Promise<boolean> {
  const rows = await store.query(`SELECT 1 FROM ${database}.person_aliases WHERE project_id = {project:String} LIMIT 1`, { project: projectId });
  return rows.length > 0;
}

/**
 * The person each stored id resolves to, by the same rule as `resolvedEvents`: SQL over a
 * subquery `ids` with a column `id` (and any others, kept), adding a column `person_id`.
 */
export function resolveIdsSql(database: string, ids: string): string {
  return `SELECT t.*, if(a.person_id != '', a.person_id, t.id) AS person_id
    FROM (${ids}) AS t
    LEFT ANY JOIN ${aliasMapSql(database)} AS a ON a.distinct_id = t.id`;
}

/**
 * Every stored id whose events may resolve to one of `persons` (a subquery with column
 * `person_id`): the persons' own ids and the ids linked to them. Column `id`.
 */
export function idsOfPersonsSql(database: string, persons: string): string {
  return `SELECT person_id AS id FROM (${persons})
    UNION ALL
    SELECT distinct_id AS id FROM ${aliasMapSql(database)} WHERE person_id IN (SELECT person_id FROM (${persons}))`;
}

/** (distinct_id, person_id): the latest link of each aliased distinct id. */
export function aliasMapSql(database: string): string {
  return `(
      SELECT distinct_id, argMax(person_id, updated_at) AS person_id
      FROM ${database}.person_aliases
      WHERE project_id = {project:String}
      GROUP BY distinct_id
    )`;
}

/**
 * Subquery (person_id, value) with the latest value of one person property, resolved through the
 * same aliases (traits sent before a login belong to the person after it).
 * Bound parameters: `{project:String}` and the given key parameter name.
 */
export function personProperty(database: string, keyParam: string): string {
  return `(
    SELECT if(a.person_id != '', a.person_id, pp.person_id) AS person_id, argMax(pp.value, pp.updated_at) AS value
    FROM ${database}.person_properties AS pp
    LEFT ANY JOIN ${aliasMapSql(database)} AS a ON a.distinct_id = pp.person_id
    WHERE pp.project_id = {project:String} AND pp.key = {${keyParam}:String}
    GROUP BY person_id
  )`;
}

/**
 * (person_id, key, value): every property of the persons in the Array(String) parameter
 * `idsParam`, the latest value per key, resolved through the same aliases as `personProperty`
 * (and so as a person breakdown or filter): traits stored under a linked anonymous id belong to
 * the person it resolves to. Bound parameters: `{project:String}` and `idsParam`.
 */
export function personPropertiesSql(database: string, idsParam: string): string {
  const ids = `{${idsParam}:Array(String)}`;
  const stored = idsOfPersonsSql(database, `SELECT arrayJoin(${ids}) AS person_id`);
  return `SELECT resolved_id AS person_id, key, argMax(value, updated_at) AS value
    FROM (
      SELECT if(a.person_id != '', a.person_id, pp.person_id) AS resolved_id, pp.key AS key, pp.value AS value, pp.updated_at AS updated_at
      FROM ${database}.person_properties AS pp
      LEFT ANY JOIN ${aliasMapSql(database)} AS a ON a.distinct_id = pp.person_id
      WHERE pp.project_id = {project:String} AND pp.person_id IN (SELECT id FROM (${stored}))
    )
    WHERE resolved_id IN ${ids}
    GROUP BY resolved_id, key
    ORDER BY person_id, key`;
}
