/**
 * One project's events in person order, persons resolved: what per-person analyses read.
 *
 * The timeline (store/timeline-schema.ts) files each event under its own stored id. An identity
 * link (identify/alias: distinct id → person) makes some of those rows belong to another person;
 * the links are the overrides, applied here at query time so a merge counts at once:
 *
 * - `inOrder`: rows of persons no link touches, neither as a linked id nor as a link's target.
 *   Their rows are already filed under their person, adjacent in the sort key, so a GROUP BY
 *   `person` over them streams persons one by one (`IN_ORDER_SETTINGS`).
 * - `overridden`: rows of every other person (linked ids and link targets), each row's person
 *   looked up through the links. Few persons normally; they take a hash GROUP BY.
 *
 * The two never share a person (a row's resolved person is a link target only if the row is in
 * `overridden`), so an analysis groups each part on its own and adds the results up: exact.
 *
 * Output columns: `person` (UInt64, cityHash64 of the resolved person id), `person_id` (that
 * id), `t` (epoch ms), `event_id`, and the carried columns (TIMELINE_COLUMNS).
 * Bound parameter used: `{project:String}`, as the event source (event-source.ts) does.
 */
import { TIMELINE_COLUMNS } from '../store/timeline-schema.js';
import { aliasMapSql } from './event-source.js';

/** Columns a definition may read on the timeline: anything else takes the events table. */
export function timelineCarries(column: string): boolean {
  return (TIMELINE_COLUMNS as readonly string[]).includes(column);
}

/** GROUP BY on a sort-key prefix reads in key order instead of hashing every person. */
export const IN_ORDER_SETTINGS = 'SETTINGS optimize_aggregation_in_order = 1';

export interface TimelineSources {
  readonly inOrder: string;
  /** null when the project has no identity links: every row is then in `inOrder`. */
  readonly overridden: string | null;
}

const COLUMNS = ['t', 'event_id', ...TIMELINE_COLUMNS].map((c) => `tl.${c} AS ${c}`).join(', ');

/**
 * `where` is SQL over the timeline's columns built from bound placeholders only (a time range,
 * event names), pushed inside each part. `aliases: false` when the caller has seen that the
 * project has no links (event-source.ts projectHasAliases).
 */
export function timelineSources(database: string, where: string, aliases: boolean): TimelineSources {
  const scope = `tl.project_id = {project:String} AND (${where})`;
  const base = (extra: string) => `SELECT tl.person_hash AS person, tl.person_id AS person_id, ${COLUMNS}
      FROM ${database}.person_timeline AS tl WHERE ${scope}${extra}`;
  if (!aliases) return { inOrder: `(${base('')})`, overridden: null };
  const links = `(SELECT cityHash64(distinct_id) AS dh, cityHash64(person_id) AS ph, person_id FROM ${aliasMapSql(database)})`;
  // Rows are filed under their own id (distinct_hash = person_hash) until a squash rewrites
  // them, so a row is touched by a link exactly when its filed person is a linked id or a target.
  const touched = `(SELECT dh FROM ${links} UNION ALL SELECT ph FROM ${links})`;
  return {
    inOrder: `(${base(` AND tl.person_hash NOT IN ${touched}`)})`,
    overridden: `(SELECT if(l.person_id != '', l.ph, tl.person_hash) AS person, if(l.person_id != '', l.person_id, tl.person_id) AS person_id, ${COLUMNS}
      FROM ${database}.person_timeline AS tl
      LEFT ANY JOIN ${links} AS l ON l.dh = tl.distinct_hash
      WHERE ${scope} AND tl.person_hash IN ${touched})`,
  };
}

/**
 * A per-person aggregate over both parts: `select` is the SELECT list of one GROUP BY `person`
 * over `rows(part)`, a query over a part (in-order or overridden) producing rows with a
 * `person` column.
 */
export function groupedByPerson(sources: TimelineSources, rows: (part: string) => string, select: string): string {
  const group = (part: string) => `SELECT ${select} FROM (${rows(part)}) GROUP BY person`;
  return sources.overridden === null ? group(sources.inOrder) : `${group(sources.inOrder)}\n    UNION ALL\n    ${group(sources.overridden)}`;
}
